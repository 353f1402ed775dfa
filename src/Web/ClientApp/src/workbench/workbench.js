// The workbench around the editor and the terminals, as VS Code's: activity bar, resizable side bar, editor area,
// bottom panel with tabs, status bar, command palette, keys, themes. Blazor renders the regions (and the panels it owns:
// ports, tasks); this module only sets data attributes and sizes on the root, so Blazor's diff never fights it.
import { registerCommands, runCommand, keyName, commandForKey } from './commands.js';
import { CommandPalette } from './palette.js';
import { OutputPanel } from './output.js';
import { applyTheme, setTheme, watchSystemTheme } from './theme.js';

const NARROW = '(max-width: 700px)';
const PARTS = ['activity', 'sidebar', 'editors', 'panel', 'status'];

class Workbench {
  constructor(root, options) {
    this.root = root;
    this.storageKey = `workspaces.workbench.${options.user}.${options.workspace}.layout`;
    const narrow = matchMedia(NARROW).matches;
    this.state = {
      sidebar: !narrow, view: 'explorer', sidebarWidth: 260,
      panel: true, panelView: 'terminal', panelHeight: 260, maximized: false, tabFocus: false,
      ...this.load(),
    };
    if (narrow) this.state.sidebar = false; // a drawer over the editor on a phone: closed until asked for
    this.views = [...root.querySelectorAll('.wb-activity [data-view]')].map((b) => b.dataset.view);
    this.panels = [...root.querySelectorAll('.wb-panel-tabs [data-panel]')].map((b) => b.dataset.panel);
    if (!this.views.includes(this.state.view)) this.state.view = this.views[0];
    if (!this.panels.includes(this.state.panelView)) this.state.panelView = this.panels[0];

    this.palette = new CommandPalette(root);
    this.output = new OutputPanel(root.querySelector('.wb-panel-view[data-panel="output"]'));
    this.disposers = [watchSystemTheme(), registerCommands(this.commands(options))];
    applyTheme();

    this.onClick = (e) => this.click(e);
    root.addEventListener('click', this.onClick);
    root.querySelector('.wb-panel-tabs').addEventListener('keydown', (e) => this.tabKeys(e, '.wb-panel-tabs [role="tab"]'));
    root.querySelector('.wb-activity').addEventListener('keydown', (e) => this.tabKeys(e, '.wb-activity [role="tab"]'));
    this.sash(root.querySelector('[data-sash="sidebar"]'), 'sidebarWidth', 'x', 160, () => root.clientWidth - 240);
    this.sash(root.querySelector('[data-sash="panel"]'), 'panelHeight', 'y', 80, () => root.clientHeight - 120, true);
    this.onKey = (e) => this.key(e);
    document.addEventListener('keydown', this.onKey, true);
    this.apply();
  }

  commands(options) {
    const view = (id, title, key) => ({ id: `workbench.view.${id}`, title: `View: Show ${title}`, key, bind: Boolean(key), when: () => this.views.includes(id), run: () => this.showView(id, true) });
    const panel = (id, title, key) => ({ id: `workbench.panel.${id}`, title: `View: Show ${title}`, key, bind: Boolean(key), when: () => this.panels.includes(id), run: () => this.showPanel(id, true) });
    const dotnet = options.dotnet;
    return [
      { id: 'workbench.action.showCommands', title: 'View: Show All Commands', key: 'Ctrl+Shift+P', bind: true, run: () => this.palette.show() },
      { id: 'workbench.action.toggleSidebarVisibility', title: 'View: Toggle Primary Side Bar Visibility', key: 'Ctrl+B', bind: true, run: () => this.toggleSidebar() },
      { id: 'workbench.action.togglePanel', title: 'View: Toggle Panel Visibility', key: 'Ctrl+J', bind: true, run: () => this.togglePanel() },
      { id: 'workbench.action.terminal.toggleTerminal', title: 'View: Toggle Terminal', key: 'Ctrl+`', bind: true, when: () => this.panels.includes('terminal'), run: () => this.toggleTerminal() },
      { id: 'workbench.action.toggleMaximizedPanel', title: 'View: Toggle Maximized Panel', run: () => this.set({ maximized: !this.state.maximized, panel: true }) },
      { id: 'workbench.action.focusNextPart', title: 'View: Focus Next Part', key: 'F6', bind: true, run: () => this.cyclePart(1) },
      { id: 'workbench.action.focusPreviousPart', title: 'View: Focus Previous Part', key: 'Shift+F6', bind: true, run: () => this.cyclePart(-1) },
      { id: 'workbench.action.focusSideBar', title: 'View: Focus into Primary Side Bar', key: 'Ctrl+0', bind: true, run: () => this.focusPart('sidebar') },
      { id: 'workbench.action.focusPanel', title: 'View: Focus into Panel', run: () => this.focusPart('panel') },
      { id: 'workbench.action.focusStatusBar', title: 'View: Focus Status Bar', run: () => this.focusPart('status') },
      { id: 'editor.action.toggleTabFocusMode', title: 'Toggle Tab Key Moves Focus', key: 'Ctrl+M', bind: true, run: () => this.toggleTabFocus() },
      view('explorer', 'Explorer', 'Ctrl+Shift+E'),
      view('search', 'Search'), // Ctrl+Shift+F is the editor's: it searches for the selected text
      view('scm', 'Source Control', 'Ctrl+Shift+G'),
      view('ports', 'Ports & Previews'),
      view('tasks', 'Tasks'),
      panel('terminal', 'Terminal'),
      panel('ports', 'Ports'),
      { id: 'ports.manage', title: 'Ports: Show Ports, Visibility and Share Links', when: () => this.panels.includes('ports'), run: () => this.showPanel('ports', true) },
      panel('tasks', 'Task Logs'),
      panel('problems', 'Problems', 'Ctrl+Shift+M'),
      panel('output', 'Output', 'Ctrl+Shift+U'),
      { id: 'workbench.action.toggleTheme', title: 'Preferences: Toggle between Light and Dark Themes', run: () => setTheme(document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark') },
      { id: 'workbench.action.selectTheme.dark', title: 'Preferences: Color Theme: Dark', run: () => setTheme('dark') },
      { id: 'workbench.action.selectTheme.light', title: 'Preferences: Color Theme: Light', run: () => setTheme('light') },
      { id: 'workbench.action.selectTheme.system', title: 'Preferences: Color Theme: Follow the Operating System', run: () => setTheme('system') },
      { id: 'workbench.action.showStartTimings', title: 'Workspace: Show Start Timings', run: () => { this.showPanel('output', true); this.output.show('Workspace'); } },
      // What Blazor does (stop, restart, delete): only those the access policy lets this person do are passed in.
      ...(options.actions ?? []).map((a) => ({ id: `workspace.${a.id}`, title: a.title, run: () => dotnet?.invokeMethodAsync('RunCommand', a.id) })),
    ];
  }

  /** Ports listening in the workspace, as commands: open each in an editor tab or a browser tab. */
  setPorts(ports) {
    this.portCommands?.();
    this.portCommands = registerCommands((ports ?? []).flatMap((p) => {
      const name = p.name ? `${p.port} (${p.name})` : `${p.port}`;
      return [
        { id: `ports.preview.${p.port}`, title: `Ports: Preview Port ${name} in an Editor Tab`, run: () => window.workspaces.openPreview(p.url) },
        { id: `ports.browser.${p.port}`, title: `Ports: Open Port ${name} in a Browser Tab`, run: () => window.open(p.url, '_blank', 'noopener') },
        { id: `ports.share.${p.port}`, title: `Ports: Share Port ${name} (visibility, share links)…`, run: () => this.showPanel('ports', true) },
      ];
    }));
  }

  load() {
    try {
      return JSON.parse(localStorage.getItem(this.storageKey)) ?? {};
    } catch {
      return {};
    }
  }

  set(change) {
    Object.assign(this.state, change);
    this.apply();
    localStorage.setItem(this.storageKey, JSON.stringify(this.state));
  }

  apply() {
    const { root, state } = this;
    root.dataset.view = state.view;
    root.dataset.sidebar = state.sidebar ? 'open' : 'closed';
    root.dataset.panelView = state.panelView;
    root.dataset.panel = !state.panel ? 'closed' : state.maximized ? 'maximized' : 'open';
    root.dataset.tabFocus = state.tabFocus ? 'on' : 'off';
    root.style.setProperty('--sidebar-width', `${state.sidebarWidth}px`);
    root.style.setProperty('--panel-height', `${state.panelHeight}px`);
    for (const tab of root.querySelectorAll('.wb-activity [data-view]')) {
      const selected = state.sidebar && tab.dataset.view === state.view;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = tab.dataset.view === state.view ? 0 : -1;
    }
    for (const tab of root.querySelectorAll('.wb-panel-tabs [data-panel]')) {
      tab.setAttribute('aria-selected', String(tab.dataset.panel === state.panelView));
      tab.tabIndex = tab.dataset.panel === state.panelView ? 0 : -1;
    }
    for (const pane of root.querySelectorAll('.wb-view[data-view], .wb-panel-view[data-panel]')) {
      const shown = pane.matches('.wb-view') ? state.sidebar && pane.dataset.view === state.view : state.panel && pane.dataset.panel === state.panelView;
      pane.inert = !shown;
    }
    window.dispatchEvent(new CustomEvent('workspaces:layout', { detail: { ...state } }));
  }

  showView(view, focus) {
    this.set({ view, sidebar: true });
    window.dispatchEvent(new CustomEvent('workspaces:view-shown', { detail: { view } }));
    if (focus) this.focusPart('sidebar');
  }

  toggleSidebar() {
    this.set({ sidebar: !this.state.sidebar });
    if (!this.state.sidebar && this.root.querySelector('.wb-sidebar').contains(document.activeElement)) this.focusPart('editors');
  }

  showPanel(panelView, focus) {
    this.set({ panelView, panel: true });
    if (focus) this.focusPart('panel');
  }

  togglePanel() {
    const open = !this.state.panel;
    this.set({ panel: open });
    if (open) this.focusPart('panel');
    else if (this.root.querySelector('.wb-panel').contains(document.activeElement)) this.focusPart('editors');
  }

  // VS Code's Ctrl+`: from the terminal back to the editor (hiding the panel); from anywhere else to the terminal.
  toggleTerminal() {
    const inTerminal = this.root.querySelector('.wb-panel-view[data-panel="terminal"]').contains(document.activeElement);
    if (inTerminal && this.state.panel) {
      this.set({ panel: false });
      this.focusPart('editors');
    } else {
      this.showPanel('terminal', true);
    }
  }

  toggleTabFocus() {
    this.set({ tabFocus: !this.state.tabFocus });
    window.dispatchEvent(new CustomEvent('workspaces:output', { detail: { channel: 'Workspace', text: `Tab ${this.state.tabFocus ? 'now moves focus (Ctrl+M to type tabs again)' : 'types a tab again in the editor and the terminal'}.` } }));
  }

  visibleParts() {
    return PARTS.filter((p) => (p !== 'sidebar' || this.state.sidebar) && (p !== 'panel' || this.state.panel));
  }

  currentPart() {
    return PARTS.find((p) => this.root.querySelector(`.wb-${p}`)?.contains(document.activeElement));
  }

  cyclePart(step) {
    const parts = this.visibleParts();
    const index = parts.indexOf(this.currentPart());
    this.focusPart(parts[(index + step + parts.length) % parts.length]);
  }

  focusPart(part) {
    if (part === 'sidebar' && !this.state.sidebar) this.set({ sidebar: true });
    if (part === 'panel' && !this.state.panel) this.set({ panel: true });
    requestAnimationFrame(() => {
      if (part === 'editors' && runCommand('editor.focus')) return;
      if (part === 'panel' && this.state.panelView === 'terminal' && runCommand('terminal.focus')) return;
      const container = part === 'sidebar' ? this.root.querySelector(`.wb-view[data-view="${this.state.view}"]`)
        : part === 'panel' ? this.root.querySelector(`.wb-panel-view[data-panel="${this.state.panelView}"]`)
          : this.root.querySelector(`.wb-${part}`);
      if (!container) return;
      // The most useful thing first (the tree's current row), else the first visible control, else the region itself.
      for (const selector of ['[role="tree"] [tabindex="0"]', '[role="tab"][aria-selected="true"]', 'input, select, textarea, button, a[href], [tabindex="0"]']) {
        const target = [...container.querySelectorAll(selector)].find((e) => e.offsetParent !== null && !e.disabled);
        if (target) {
          target.focus();
          if (document.activeElement === target) return;
        }
      }
      if (!container.hasAttribute('tabindex')) container.tabIndex = -1;
      container.focus();
    });
  }

  click(e) {
    const view = e.target.closest('.wb-activity [data-view]');
    if (view) {
      // As in VS Code: the shown view's icon hides the side bar.
      if (this.state.sidebar && this.state.view === view.dataset.view) this.set({ sidebar: false });
      else this.showView(view.dataset.view, false);
      return;
    }
    const tab = e.target.closest('.wb-panel-tabs [data-panel]');
    if (tab) {
      this.showPanel(tab.dataset.panel, false);
      return;
    }
    const command = e.target.closest('[data-command]');
    // data-command-arg is the command's argument; data-command-else runs when the command is not there (no terminals yet).
    if (command && !runCommand(command.dataset.command, ...(command.dataset.commandArg != null ? [command.dataset.commandArg] : [])) && command.dataset.commandElse) {
      runCommand(command.dataset.commandElse);
    }
  }

  tabKeys(e, selector) {
    const keys = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
    if (!(e.key in keys)) return;
    const tabs = [...this.root.querySelectorAll(selector)];
    const index = tabs.indexOf(document.activeElement);
    if (index < 0) return;
    e.preventDefault();
    tabs[(index + keys[e.key] + tabs.length) % tabs.length].focus();
  }

  sash(element, property, axis, min, max, inverted) {
    if (!element) return;
    const resize = (value) => {
      const clamped = Math.round(Math.max(min, Math.min(max(), value)));
      element.setAttribute('aria-valuenow', String(clamped));
      this.set({ [property]: clamped });
    };
    element.setAttribute('aria-valuemin', String(min));
    element.setAttribute('aria-valuenow', String(this.state[property]));
    element.addEventListener('pointerdown', (e) => {
      e.preventDefault();
      element.setPointerCapture(e.pointerId);
      const start = axis === 'x' ? e.clientX : e.clientY;
      const initial = this.state[property];
      const move = (m) => {
        const delta = (axis === 'x' ? m.clientX : m.clientY) - start;
        resize(initial + (inverted ? -delta : delta));
      };
      const up = () => {
        element.removeEventListener('pointermove', move);
        element.removeEventListener('pointerup', up);
        element.classList.remove('dragging');
      };
      element.classList.add('dragging');
      element.addEventListener('pointermove', move);
      element.addEventListener('pointerup', up);
    });
    element.addEventListener('keydown', (e) => {
      const step = { ArrowLeft: -16, ArrowRight: 16, ArrowUp: -16, ArrowDown: 16 }[e.key];
      if (step === undefined) return;
      e.preventDefault();
      resize(this.state[property] + (inverted ? -step : step));
    });
  }

  key(e) {
    const name = keyName(e);
    if (!name || !this.root.isConnected) return;
    if (name === 'F1' || name === 'Ctrl+Shift+P') {
      e.preventDefault();
      e.stopPropagation();
      if (this.palette.open) this.palette.hide();
      else this.palette.show();
      return;
    }
    if (this.palette.open) return;
    // Tab moves focus (Ctrl+M): keep it from the editor and the terminal, and let the browser move focus.
    if (this.state.tabFocus && (name === 'Tab' || name === 'Shift+Tab') && e.target.closest?.('.monaco-editor, .xterm')) {
      e.stopPropagation();
      return;
    }
    const command = commandForKey(name);
    if (command) {
      e.preventDefault();
      e.stopPropagation();
      command.run();
    }
  }

  dispose() {
    document.removeEventListener('keydown', this.onKey, true);
    this.root.removeEventListener('click', this.onClick);
    this.portCommands?.();
    for (const dispose of this.disposers) dispose();
    this.output.dispose();
  }
}

/** Mounts the workbench on the page's root element (its styles are in app.css, there before the first paint); Blazor calls dispose() when the page goes away. */
export function mount(root, options) {
  const workbench = new Workbench(root, options);
  return {
    setPorts: (ports) => workbench.setPorts(ports),
    dispose: () => workbench.dispose(),
  };
}
