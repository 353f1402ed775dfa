// The terminal panel of a workspace page: tabs of xterm.js terminals attached to the workspace agent's terminal hub
// through the web app (SignalR over a WebSocket, MessagePack so output stays binary). Blazor only hands us a
// container element; output bytes never pass through Blazor's render loop.
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { WebLinksAddon } from '@xterm/addon-web-links';
import '@xterm/xterm/css/xterm.css';
import { registerCommands, runCommand } from './workbench/commands.js';
import { Hub, hubMessage } from './hub.js';
import { afterEditorReady } from './workbench/startup.js';

// As VS Code's default dark and light terminal colours; the workbench's theme picks one (`workspaces:theme`).
const THEMES = {
  dark: { background: '#1e1e1e', foreground: '#cccccc', cursor: '#cccccc', selectionBackground: '#264f78' },
  light: { background: '#ffffff', foreground: '#333333', cursor: '#333333', selectionBackground: '#add6ff' },
};
const currentTheme = () => THEMES[document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light'];

const ACK_BYTES = 64 * 1024;
const ACK_DELAY_MS = 25;
// While the page lays out (a second window opening, the panel being dragged) the fitted size passes through
// transitional values. Each one reaching the shell makes it redraw its prompt for that width, and a long prompt
// redrawn for a narrow width erases the lines above it on every attached screen. Only the size it settles on is sent.
const RESIZE_SETTLE_MS = 100;
const encoder = new TextEncoder();

const FRAME_KINDS = ['Output', 'Gap', 'Exited'];
const frameKind = (k) => (typeof k === 'number' ? FRAME_KINDS[k] : k);

// SignalR's MessagePack resolver writes records as maps with the property names; accept camelCase as well.
const field = (o, name) => o[name] ?? o[name[0].toLowerCase() + name.slice(1)];

/** @typedef {{ id: string, name: string, taskIndex: number | null, exited: boolean, exitCode: number | null }} TerminalInfo */

class TerminalTab {
  /**
   * @param {TerminalPanel} panel
   * @param {TerminalInfo} info
   */
  constructor(panel, info) {
    this.panel = panel;
    this.info = info;
    this.offset = 0; // next byte we expect from the agent
    this.rendered = 0; // bytes xterm has processed
    this.acked = 0;
    this.ackTimer = null;
    this.subscription = null;
    this.exitShown = false;

    this.element = document.createElement('div');
    this.element.className = 'terminal-view';
    this.element.dataset.terminal = info.id;
    this.term = new Terminal({
      allowProposedApi: true,
      cursorBlink: true,
      scrollback: 10000,
      // As VS Code's default: a shell's colours stay readable on either theme.
      minimumContrastRatio: 4.5,
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace',
      fontSize: 13,
      theme: currentTheme(),
    });
    this.fit = new FitAddon();
    this.search = new SearchAddon();
    this.term.loadAddon(this.fit);
    this.term.loadAddon(this.search);
    this.term.loadAddon(new WebLinksAddon());
    this.term.loadAddon(new Unicode11Addon());
    this.term.unicode.activeVersion = '11';
    this.term.onData((data) => this.input(encoder.encode(data)));
    this.term.onBinary((data) => this.input(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff)));
    this.resizeTimer = null;
    this.term.onResize(() => {
      clearTimeout(this.resizeTimer);
      this.resizeTimer = setTimeout(() => this.panel.invoke('Resize', this.info.id, this.term.cols, this.term.rows), RESIZE_SETTLE_MS);
    });
    this.opened = false;
    this.fitted = false;
    this.attachSize = null;
  }

  open() {
    if (!this.opened) {
      this.term.open(this.element);
      this.opened = true;
    }
    this.layout();
  }

  layout() {
    if (this.opened && this.element.offsetParent !== null) {
      try {
        const size = this.fit.proposeDimensions();
        if (size && size.cols > 0 && size.rows > 0) {
          this.fit.fit();
          this.fitted = true;
          this.sendAttachSize();
        }
      } catch { /* not laid out yet */ }
    }
  }

  input(bytes) {
    if (this.info.exited) {
      return;
    }
    if (this.panel.readOnly) {
      // The agent refuses it too; say so here, where the keys were pressed, instead of dropping them silently.
      this.panel.refuseInput();
      return;
    }
    this.panel.invoke('Input', this.info.id, bytes);
  }

  attach(redraw) {
    this.detach();
    const stream = this.panel.connection.stream('Attach', this.info.id, this.offset);
    this.subscription = stream.subscribe({
      next: (frame) => this.onFrame(frame),
      // A dropped connection ends every stream (SignalR says so before it changes its state); the panel attaches again
      // once reconnected. Anything else is said.
      error: (e) => queueMicrotask(() => { if (this.panel.hub.connected) this.panel.showError(`${this.info.name}: ${hubMessage(e)}`); }),
      complete: () => { },
    });
    this.attachSize = redraw ? 'redraw' : 'size';
    this.sendAttachSize();
  }

  /**
   * Tells the shell this window's size once the terminal has one. Before its first fit xterm says 80×24, and a shell
   * told 80 columns redraws a longer prompt as if it wrapped: it moves up a line and clears, erasing the last output
   * on every attached screen. So nothing is sent until the view is laid out; the first fit sends it.
   */
  sendAttachSize() {
    if (!this.attachSize || !this.fitted || !this.panel.connected) {
      return;
    }
    const { cols, rows } = this.term;
    if (this.attachSize === 'redraw') {
      // Make full-screen programs (vim, htop) repaint: a size change sends them SIGWINCH.
      this.panel.invoke('Resize', this.info.id, cols, Math.max(1, rows - 1))
        .then(() => this.panel.invoke('Resize', this.info.id, cols, rows));
    } else {
      this.panel.invoke('Resize', this.info.id, cols, rows);
    }
    this.attachSize = null;
  }

  detach() {
    if (this.subscription) {
      this.subscription.dispose();
      this.subscription = null;
    }
  }

  onFrame(frame) {
    const kind = frameKind(field(frame, 'Kind'));
    const offset = Number(field(frame, 'Offset'));
    if (kind === 'Gap') {
      this.term.write('\r\n\x1b[2m[earlier output is no longer in the scrollback]\x1b[0m\r\n');
      this.offset = offset;
      this.rendered = Math.max(this.rendered, offset);
      return;
    }
    if (kind === 'Exited') {
      this.markExited(field(frame, 'ExitCode'));
      return;
    }
    let data = field(frame, 'Data');
    const end = offset + data.length;
    if (end <= this.offset) {
      return; // already shown: never twice
    }
    if (offset < this.offset) {
      data = data.subarray(this.offset - offset);
    }
    this.offset = end;
    this.term.write(data, () => {
      this.rendered = end;
      this.scheduleAck();
    });
  }

  scheduleAck() {
    if (this.rendered - this.acked >= ACK_BYTES) {
      this.ack();
    } else if (!this.ackTimer) {
      this.ackTimer = setTimeout(() => this.ack(), ACK_DELAY_MS);
    }
  }

  ack() {
    clearTimeout(this.ackTimer);
    this.ackTimer = null;
    if (this.rendered > this.acked && this.panel.connected) {
      this.acked = this.rendered;
      this.panel.invoke('Acknowledge', this.info.id, this.rendered);
    }
  }

  markExited(code) {
    this.info.exited = true;
    this.info.exitCode = code;
    this.panel.renderTabs();
    if (!this.exitShown) {
      this.exitShown = true;
      this.term.write(`\r\n\x1b[7m Process exited with code ${code ?? '?'} \x1b[0m Press Ctrl+Shift+\` or + for a new terminal.\r\n`);
    }
  }

  dispose() {
    this.detach();
    clearTimeout(this.ackTimer);
    clearTimeout(this.resizeTimer);
    this.term.dispose();
    this.element.remove();
  }
}

class TerminalPanel {
  /**
   * @param {HTMLElement} root
   * @param {string} hubUrl
   * @param {boolean} readOnly
   * @param {{ toggleMaximized?: () => void }} [options]
   */
  constructor(root, hubUrl, readOnly, options = {}) {
    this.root = root;
    this.hubUrl = hubUrl;
    this.readOnly = readOnly;
    this.storageKey = `workspaces.terminal.${hubUrl}`;
    /** @type {Map<string, TerminalTab>} */
    this.tabs = new Map();
    this.active = null;
    this.split = false;
    this.connected = false;

    root.classList.add('terminal-panel');
    root.innerHTML = `
      <div class="terminal-bar">
        <div class="terminal-tabs" role="tablist" aria-label="Terminals"></div>
        <span class="terminal-status" aria-live="polite"></span>
        <button type="button" class="terminal-new" title="New terminal (Ctrl+Shift+\`)" aria-label="New terminal">+</button>
        <button type="button" class="terminal-split" title="Split" aria-label="Split"><svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><rect x="1.5" y="2.5" width="13" height="11" fill="none" stroke="currentColor"/><line x1="8" y1="2.5" x2="8" y2="13.5" stroke="currentColor"/></svg></button>
        <button type="button" class="terminal-max" title="Maximise panel" aria-label="Maximise panel"><svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><path d="M2 6V2h4M10 2h4v4M14 10v4h-4M6 14H2v-4" fill="none" stroke="currentColor"/></svg></button>
      </div>
      <div class="terminal-search" hidden>
        <input type="search" placeholder="Find" aria-label="Find in terminal" />
        <button type="button" class="terminal-search-prev" title="Previous match (Shift+Enter)" aria-label="Previous match">↑</button>
        <button type="button" class="terminal-search-next" title="Next match (Enter)" aria-label="Next match">↓</button>
        <button type="button" class="terminal-search-close" title="Close (Escape)" aria-label="Close find">×</button>
      </div>
      <p class="terminal-readonly" role="status" hidden>Read-only: this workspace is shared with you read-only, so what you type is not sent.</p>
      <div class="terminal-views"></div>
      <div class="terminal-empty">No terminal open. <button type="button" class="terminal-new-empty">New terminal</button></div>`;
    const part = (selector) => /** @type {HTMLElement} */ (root.querySelector(selector));
    this.tabBar = part('.terminal-tabs');
    this.views = part('.terminal-views');
    this.status = part('.terminal-status');
    this.readOnlyNotice = part('.terminal-readonly');
    if (readOnly) {
      root.classList.add('read-only');
      root.querySelectorAll('.terminal-new, .terminal-new-empty').forEach((b) => { /** @type {HTMLElement} */ (b).hidden = true; });
    }
    root.querySelector('.terminal-new').addEventListener('click', () => this.create());
    root.querySelector('.terminal-new-empty').addEventListener('click', () => this.create());
    root.querySelector('.terminal-split').addEventListener('click', () => { this.split = !this.split; this.renderViews(); });
    root.querySelector('.terminal-max').addEventListener('click', () => options.toggleMaximized?.());
    this.searchBox = part('.terminal-search');
    this.searchInput = this.searchBox.querySelector('input');
    const find = (backwards) => {
      const search = this.tabs.get(this.active)?.search;
      const term = this.searchInput.value;
      if (search && term) {
        backwards ? search.findPrevious(term) : search.findNext(term);
      }
    };
    this.searchInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') { e.preventDefault(); find(e.shiftKey); }
      if (e.key === 'Escape') { e.preventDefault(); this.closeSearch(); }
    });
    this.searchInput.addEventListener('input', () => find(false));
    this.searchBox.querySelector('.terminal-search-next').addEventListener('click', () => find(false));
    this.searchBox.querySelector('.terminal-search-prev').addEventListener('click', () => find(true));
    this.searchBox.querySelector('.terminal-search-close').addEventListener('click', () => this.closeSearch());

    this.onGlobalKey = (e) => {
      if (!this.handleKey(e)) {
        e.preventDefault();
        e.stopPropagation();
      }
    };
    document.addEventListener('keydown', this.onGlobalKey, true);
    this.onTheme = () => {
      for (const tab of this.tabs.values()) tab.term.options.theme = currentTheme();
    };
    window.addEventListener('workspaces:theme', this.onTheme);
    // Before the first connection, a new terminal waits for it (create() below).
    const writable = () => !this.readOnly && (this.connected || !this.listed);
    const active = () => Boolean(this.tabs.get(this.active));
    this.unregister = registerCommands([
      { id: 'workbench.action.terminal.new', title: 'Terminal: Create New Terminal', key: 'Ctrl+Shift+`', bind: true, when: writable, run: () => this.create() },
      { id: 'terminal.focus', title: 'Terminal: Focus Terminal', when: active, run: () => this.focus() },
      { id: 'workbench.action.terminal.kill', title: 'Terminal: Kill the Active Terminal', when: () => writable() && active(), run: () => this.close(this.active) },
      { id: 'workbench.action.terminal.rename', title: 'Terminal: Rename…', when: () => writable() && active(), run: () => this.rename(this.active) },
      { id: 'workbench.action.terminal.split', title: 'Terminal: Split Terminal (Side by Side)', run: () => { this.split = !this.split; this.renderViews(); } },
      { id: 'workbench.action.terminal.find', title: 'Terminal: Find', when: active, run: () => this.openSearch() },
      { id: 'workbench.action.terminal.next', title: 'Terminal: Focus Next Terminal', when: () => this.tabs.size > 1, run: () => this.cycle(1) },
      { id: 'workbench.action.terminal.previous', title: 'Terminal: Focus Previous Terminal', when: () => this.tabs.size > 1, run: () => this.cycle(-1) },
      { id: 'workbench.action.terminal.showTask', title: 'Terminal: Show a Failed Task\'s Terminal', when: (index) => Boolean(this.taskTab(index)), run: (index) => this.showTask(index) },
    ]);
    this.resizeObserver = new ResizeObserver(() => this.layout());
    this.resizeObserver.observe(this.views);

    /** @type {Hub | null} the terminal hub's connection, from connect() on */
    this.hub = null;
    /** @type {import('@microsoft/signalr').HubConnection | null} */
    this.connection = null;
    this.disposed = false;
    /** The terminals have been listed once (the first connection is through). */
    this.listed = false;
    // The connection (and with it the terminals' restored output) starts once the editor accepts typing
    // (workbench/startup.js), or at once when the user reaches for the panel or a new terminal before that.
    afterEditorReady().then(() => this.connect());
    this.connectNow = () => { this.connect(); };
    root.addEventListener('pointerdown', this.connectNow);
    root.addEventListener('focusin', this.connectNow);
  }

  /** Starts the terminal hub's connection (once); settles when connected and the terminals are listed. */
  connect() {
    if (this.disposed) return Promise.resolve();
    if (!this.hub) {
      this.hub = new Hub(this.hubUrl, (state, { reconnected, error }) => {
        if (state === 'connected') return this.resume(reconnected === true);
        this.setConnected(false, error ? `Reconnecting… (${error.message})` : 'Reconnecting…');
      });
      this.connection = this.hub.connection;
      this.hub.on('TerminalsChanged', (list) => this.sync(list));
    }
    return this.hub.ready;
  }

  async resume(redraw) {
    this.setConnected(true, '');
    const list = await this.connection.invoke('ListTerminals');
    this.sync(list);
    this.listed = true;
    for (const tab of this.tabs.values()) {
      tab.attach(redraw);
    }
    // Task terminals run the repository's tasks; a user also expects a shell of their own.
    const hasShell = [...this.tabs.values()].some((tab) => tab.info.taskIndex == null);
    if (!hasShell && !this.createdFirst && !this.readOnly) {
      this.createdFirst = true;
      await this.create(false);
    }
  }

  refuseInput() {
    this.readOnlyNotice.hidden = false;
  }

  setConnected(connected, text) {
    this.connected = connected;
    this.status.textContent = text;
    this.root.classList.toggle('disconnected', !connected);
  }

  invoke(method, ...args) {
    // A watcher does not resize the owner's terminals (the agent would refuse it anyway).
    if (!this.connected || (this.readOnly && method !== 'Acknowledge')) {
      return Promise.resolve();
    }
    return this.connection.send(method, ...args).catch((e) => {
      // Lost with the connection: the reconnect resumes from the last byte seen and sends the size again.
      if (this.hub.connected) this.showError(`${method}: ${hubMessage(e)}`);
    });
  }

  /** A failure the user should know of, on the status line until the next change of connection. */
  showError(text) {
    console.warn(`${this.hubUrl}: ${text}`);
    this.status.textContent = text;
  }

  sync(list) {
    const seen = new Set();
    for (const raw of list) {
      const info = {
        id: field(raw, 'Id'),
        name: field(raw, 'Name'),
        taskIndex: field(raw, 'TaskIndex'),
        exited: field(raw, 'Exited'),
        exitCode: field(raw, 'ExitCode'),
      };
      seen.add(info.id);
      let tab = this.tabs.get(info.id);
      if (!tab) {
        tab = new TerminalTab(this, info);
        this.tabs.set(info.id, tab);
        if (this.connected) {
          tab.attach(false);
        }
      } else {
        tab.info.name = info.name;
        if (info.exited && !tab.info.exited) {
          tab.markExited(info.exitCode);
        }
      }
    }
    if (!this.active || !this.tabs.has(this.active)) {
      // After a reload, come back to the tab the user had; otherwise prefer their own shell over task terminals.
      const tabs = [...this.tabs.values()];
      this.active = (tabs.find((t) => t.info.id === this.remembered()) ?? tabs.find((t) => t.info.taskIndex == null) ?? tabs[0])?.info.id ?? null;
    }
    for (const [id, tab] of this.tabs) {
      if (!seen.has(id)) {
        tab.dispose();
        this.tabs.delete(id);
        if (this.active === id) {
          this.active = this.tabs.keys().next().value ?? null;
        }
      }
    }
    this.renderTabs();
    this.renderViews();
  }

  /** A new shell; <paramref name="focus"/> false for the one the page opens by itself, which must not take the focus from where the user is. */
  async create(focus = true) {
    // The user's own terminal: the page then opens no shell of its own on connecting.
    if (focus) this.createdFirst = true;
    if (!this.listed && !this.readOnly) {
      // Asked for before the first connection (it starts after the editor's): wait for it.
      await this.connect();
    }
    if (!this.connected) {
      return;
    }
    try {
      const info = await this.connection.invoke('CreateTerminal', { Name: null, Columns: 80, Rows: 24 });
      const list = await this.connection.invoke('ListTerminals');
      this.sync(list);
      this.select(field(info, 'Id'), focus);
    } catch (e) {
      this.showError(`No new terminal: ${hubMessage(e)}`);
    }
  }

  close(id) {
    this.invoke('Close', id);
  }

  rename(id) {
    const tab = this.tabs.get(id);
    const name = window.prompt('Rename terminal', tab.info.name);
    if (name && name.trim()) {
      this.invoke('Rename', id, name.trim());
    }
  }

  remembered() {
    return sessionStorage.getItem(this.storageKey);
  }

  select(id, focus = true) {
    this.active = id;
    sessionStorage.setItem(this.storageKey, id);
    this.renderTabs();
    this.renderViews();
    if (focus) {
      this.focus();
    } else {
      this.tabs.get(id)?.open();
    }
  }

  /** Focuses the active terminal; false when there is none (the workbench then focuses the panel). */
  focus() {
    const tab = this.tabs.get(this.active);
    if (!tab) return false;
    this.root.hidden = false;
    tab.open();
    tab.term.focus();
    return true;
  }

  /** The terminal of task <paramref name="index"/>, or of the first task that exited with an error. */
  taskTab(index) {
    const tabs = [...this.tabs.values()];
    if (index != null && index !== '') return tabs.find((t) => t.info.taskIndex === Number(index));
    return tabs.find((t) => t.info.taskIndex != null && t.info.exited && t.info.exitCode !== 0);
  }

  /** Shows a task's terminal in the Terminal panel: where its output is, with the scrollback and the exit code. */
  showTask(index) {
    const tab = this.taskTab(index);
    if (!tab) return;
    this.select(tab.info.id, false);
    runCommand('workbench.panel.terminal');
    this.focus();
  }

  cycle(step) {
    const ids = [...this.tabs.keys()];
    this.select(ids[(ids.indexOf(this.active) + step + ids.length) % ids.length]);
  }

  renderTabs() {
    this.tabBar.replaceChildren(...[...this.tabs.values()].map((tab) => {
      const el = document.createElement('div');
      el.className = 'terminal-tab' + (tab.info.id === this.active ? ' active' : '') + (tab.info.exited ? ' exited' : '');
      el.setAttribute('role', 'tab');
      el.setAttribute('aria-selected', String(tab.info.id === this.active));
      el.tabIndex = tab.info.id === this.active ? 0 : -1;
      el.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') this.select(tab.info.id);
        else if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
          this.cycle(e.key === 'ArrowRight' ? 1 : -1);
          /** @type {HTMLElement | null} */ (this.tabBar.querySelector('[aria-selected="true"]'))?.focus();
        } else return;
        e.preventDefault();
      });
      el.dataset.terminal = tab.info.id;
      const label = document.createElement('span');
      label.className = 'terminal-tab-name';
      label.textContent = tab.info.name + (tab.info.exited ? ` (exit ${tab.info.exitCode ?? '?'})` : '');
      label.title = 'Double-click to rename';
      label.addEventListener('click', () => this.select(tab.info.id));
      label.addEventListener('dblclick', () => this.rename(tab.info.id));
      // Not a button inside the tab (a control in a control): from the keyboard, the palette's "Terminal: Kill".
      const close = document.createElement('span');
      close.setAttribute('aria-hidden', 'true');
      close.className = 'terminal-tab-close';
      close.textContent = '×';
      close.title = 'Close terminal';
      close.addEventListener('click', () => this.close(tab.info.id));
      el.append(label, close);
      return el;
    }));
    this.root.classList.toggle('empty', this.tabs.size === 0);
    if (this.tabs.size) this.tabBar.setAttribute('role', 'tablist');
    else this.tabBar.removeAttribute('role');
  }

  renderViews() {
    const ids = [...this.tabs.keys()];
    const shown = new Set(this.active ? [this.active] : []);
    if (this.split && ids.length > 1) {
      const other = ids.find((id) => id !== this.active);
      shown.add(other);
    }
    this.views.classList.toggle('split', shown.size > 1);
    for (const [id, tab] of this.tabs) {
      if (shown.has(id)) {
        if (tab.element.parentElement !== this.views) {
          this.views.append(tab.element);
        }
        tab.element.hidden = false;
        tab.open();
      } else {
        tab.element.hidden = true;
      }
    }
  }

  layout() {
    for (const tab of this.tabs.values()) {
      tab.layout();
    }
  }

  openSearch() {
    this.searchBox.hidden = false;
    this.searchInput.select();
    this.searchInput.focus();
  }

  closeSearch() {
    this.searchBox.hidden = true;
    this.tabs.get(this.active)?.search.clearDecorations();
    this.focus();
  }

  // Ctrl+F in a terminal finds (VS Code's); Ctrl+` and Ctrl+Shift+` are the workbench's commands. Returns false when handled.
  handleKey(e) {
    if (e.type !== 'keydown' || !e.ctrlKey) {
      return true;
    }
    if (e.code === 'KeyF' && !e.shiftKey && this.root.contains(document.activeElement) && !this.searchBox.contains(document.activeElement)) {
      this.openSearch();
      return false;
    }
    return true;
  }

  dispose() {
    this.disposed = true;
    this.root.removeEventListener('pointerdown', this.connectNow);
    this.root.removeEventListener('focusin', this.connectNow);
    document.removeEventListener('keydown', this.onGlobalKey, true);
    window.removeEventListener('workspaces:theme', this.onTheme);
    this.unregister();
    this.resizeObserver.disconnect();
    for (const tab of this.tabs.values()) {
      tab.dispose();
    }
    this.hub?.dispose();
  }
}

/** Mounts the terminal panel into <paramref name="element"/>; Blazor calls dispose() when the page goes away. */
export function mount(element, hubUrl, options) {
  const panel = new TerminalPanel(element, hubUrl, options?.readOnly === true, {
    toggleMaximized: () => runCommand('workbench.action.toggleMaximizedPanel'),
  });
  return { dispose: () => panel.dispose() };
}
