// The workspace editor: a VS Code-like layout around Monaco. Files and Git travel over the agent's hubs (through the
// web app); Blazor only hands us a container element, so file contents never pass through its render loop.
import { monaco } from './monaco.js';
import { Hub } from './hub.js';
import { FileTree } from './tree.js';
import { SearchPanel, QuickOpen } from './search.js';
import { SourceControlPanel } from './scm.js';
import { el, baseName, parentOf, joinPath, imageType, encodingLabel, debounce } from './util.js';
import { languageModelOpened } from '../languages/loader.js';
import './editor.css';

const AUTO_SAVE_KEY = 'workspaces.editor.autoSave';
const AUTO_SAVE_DELAY_MS = 1000;

class Document {
  constructor(path) {
    this.path = path;
    this.kind = 'loading';
    this.content = null;
    this.model = null;
    this.version = null;
    this.savedAltId = 0;
    this.viewState = null;
    this.diskChanged = null; // the disk's FileContent while it differs from a dirty editor
    this.deleted = false;
  }

  get dirty() {
    return this.model !== null && !this.readOnly && this.model.getAlternativeVersionId() !== this.savedAltId;
  }

  get readOnly() {
    return this.content?.ReadOnly ?? true;
  }
}

class Ide {
  constructor(root, options) {
    this.options = options;
    this.docs = new Map(); // path → Document, in tab order
    this.active = null; // a path, or 'diff:…'
    this.diffTabs = new Map();
    this.autoSave = localStorage.getItem(AUTO_SAVE_KEY) === 'on';
    this.build(root);

    this.files = new Hub(options.filesHub, (state) => this.setConnection(state));
    this.git = new Hub(options.gitHub, () => {});
    this.files.on('FilesChanged', (changes) => this.onFilesChanged(changes));

    this.tree = new FileTree(this, this.treeElement);
    this.search = new SearchPanel(this, this.searchPane);
    this.quickOpen = new QuickOpen(this, root);
    this.scm = new SourceControlPanel(this, this.scmPane);
    this.tree.load(this.tree.root).catch((e) => this.notify(e.message, 'error'));
    this.scm.refresh();

    this.onKey = (e) => this.handleKey(e);
    document.addEventListener('keydown', this.onKey, true);
    this.onBeforeUnload = (e) => {
      if ([...this.docs.values()].some((d) => d.dirty)) {
        e.preventDefault();
        e.returnValue = '';
      }
    };
    window.addEventListener('beforeunload', this.onBeforeUnload);
    this.scheduleAutoSave = debounce(() => this.saveAll(), AUTO_SAVE_DELAY_MS);
  }

  build(root) {
    const button = (icon, title, onClick, extra = {}) => {
      const b = el('button', { class: 'icon-button', title, 'aria-label': title, type: 'button', ...extra }, el('span', { class: `codicon codicon-${icon}` }));
      b.addEventListener('click', onClick);
      return b;
    };
    this.views = {};
    const activity = el('nav', { class: 'ide-activity', 'aria-label': 'Views' });
    const sidebar = el('aside', { class: 'ide-sidebar' });
    for (const [name, icon, title] of [['explorer', 'files', 'Explorer'], ['search', 'search', 'Search (Ctrl+Shift+F)'], ['scm', 'source-control', 'Source Control']]) {
      const pane = el('section', { class: `pane pane-${name}`, hidden: name !== 'explorer', 'aria-label': title });
      const tab = button(icon, title, () => this.showView(name), { 'data-view': name });
      this.views[name] = { pane, tab };
      activity.append(tab);
      sidebar.append(pane);
    }
    this.views.explorer.tab.classList.add('active');

    this.treeElement = el('div', { class: 'tree', role: 'tree', tabindex: '0' });
    this.views.explorer.pane.append(
      el('header', { class: 'pane-header' },
        el('span', { class: 'pane-title' }, this.options.workspaceName || 'Explorer'),
        button('new-file', 'New File…', () => this.newEntry(this.targetFolder(), 'File')),
        button('new-folder', 'New Folder…', () => this.newEntry(this.targetFolder(), 'Directory')),
        button('refresh', 'Refresh', () => this.tree.refresh(null)),
        button('collapse-all', 'Collapse Folders', () => this.collapseAll())),
      this.treeElement);
    this.searchPane = this.views.search.pane;
    this.scmPane = this.views.scm.pane;

    this.tabs = el('div', { class: 'ide-tabs', role: 'tablist' });
    this.banner = el('div', { class: 'ide-banner', hidden: true, role: 'status' });
    this.editorHost = el('div', { class: 'ide-editor' });
    this.diffHost = el('div', { class: 'ide-editor ide-diff', hidden: true });
    this.placeholder = el('div', { class: 'ide-placeholder' },
      el('p', {}, 'Open a file from the tree, or press ', el('kbd', {}, 'Ctrl+P'), ' to find one by name.'),
      el('p', { class: 'muted' }, el('kbd', {}, 'Ctrl+Shift+F'), ' searches in files · ', el('kbd', {}, 'Ctrl+S'), ' saves · ', el('kbd', {}, 'Ctrl+G'), ' goes to a line'));
    this.preview = el('div', { class: 'ide-preview', hidden: true });
    this.status = {
      connection: el('span', { class: 'status-item status-connection' }),
      message: el('span', { class: 'status-item status-message', role: 'status', 'aria-live': 'polite' }),
      branch: el('span', { class: 'status-item status-branch', title: 'Branch' }),
      position: el('span', { class: 'status-item', 'data-status': 'position' }),
      encoding: el('span', { class: 'status-item', 'data-status': 'encoding', title: 'Encoding (kept when saving)' }),
      eol: el('button', { class: 'status-item status-button', 'data-status': 'eol', title: 'Line endings (click to switch)', type: 'button' }),
      language: el('span', { class: 'status-item', 'data-status': 'language' }),
      autoSave: el('button', { class: 'status-item status-button', 'data-status': 'auto-save', type: 'button' }),
    };
    this.status.eol.addEventListener('click', () => this.toggleEol());
    this.status.autoSave.addEventListener('click', () => this.toggleAutoSave());
    this.renderAutoSave();
    const statusBar = el('footer', { class: 'ide-status' },
      el('div', { class: 'status-left' }, this.status.branch, this.status.connection, this.status.message),
      el('div', { class: 'status-right' }, this.status.position, this.status.encoding, this.status.eol, this.status.language, this.status.autoSave));
    const main = el('div', { class: 'ide-main' }, this.tabs, this.banner, el('div', { class: 'ide-body' }, this.placeholder, this.editorHost, this.diffHost, this.preview));
    this.contextMenu = el('div', { class: 'context-menu', hidden: true, role: 'menu' });
    this.root = el('div', { class: 'ide' }, activity, sidebar, main, statusBar, this.contextMenu);
    root.replaceChildren(this.root);
    document.addEventListener('click', () => { this.contextMenu.hidden = true; });

    this.editor = monaco.editor.create(this.editorHost, {
      model: null,
      automaticLayout: true,
      fontSize: 13,
      minimap: { enabled: true },
      scrollBeyondLastLine: false,
      renderWhitespace: 'selection',
    });
    this.editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => this.save(this.active));
    this.editor.onDidChangeCursorPosition(() => this.renderStatus());
    this.editorHost.hidden = true;
  }

  showView(name) {
    for (const [key, view] of Object.entries(this.views)) {
      view.pane.hidden = key !== name;
      view.tab.classList.toggle('active', key === name);
    }
    if (name === 'search') this.search.focus();
    if (name === 'scm') this.scm.refresh();
  }

  setConnection(state) {
    this.status.connection.textContent = state === 'connected' ? '' : 'Reconnecting to the workspace…';
    if (state === 'connected') {
      // Anything may have changed while we were away.
      this.tree?.refresh(null);
      for (const doc of this.docs.values()) {
        this.checkDisk(doc);
      }
    }
  }

  notify(text, kind = 'info') {
    this.status.message.textContent = text;
    this.status.message.className = `status-item status-message ${kind}`;
    clearTimeout(this.notifyTimer);
    if (kind !== 'error') {
      this.notifyTimer = setTimeout(() => { this.status.message.textContent = ''; }, 4000);
    }
  }

  // ---- documents and tabs ----

  /** Opens a file in a tab (or shows its tab), optionally at a line and column. */
  async open(path, position) {
    let doc = this.docs.get(path);
    if (!doc) {
      doc = new Document(path);
      this.docs.set(path, doc);
      this.renderTabs();
      try {
        await this.load(doc);
      } catch (e) {
        this.docs.delete(path);
        this.renderTabs();
        this.notify(e.message, 'error');
        return;
      }
    }
    this.activate(path);
    if (position && doc.model) {
      const range = new monaco.Range(position.line, position.column, position.line, position.column + (position.length ?? 0));
      this.editor.setSelection(range);
      this.editor.revealRangeInCenter(range);
      this.editor.focus();
    }
  }

  async load(doc) {
    const content = await this.files.invoke('ReadFile', doc.path);
    doc.content = content;
    doc.version = content.Version;
    if (content.Kind === 'Text') {
      doc.kind = 'text';
      const uri = monaco.Uri.from({ scheme: 'file', path: '/' + doc.path });
      monaco.editor.getModel(uri)?.dispose();
      doc.model = monaco.editor.createModel(content.Text, undefined, uri);
      doc.model.setEOL(content.LineEnding === 'CRLF' ? monaco.editor.EndOfLineSequence.CRLF : monaco.editor.EndOfLineSequence.LF);
      doc.savedAltId = doc.model.getAlternativeVersionId();
      this.watchModel(doc);
    } else {
      doc.kind = content.Kind === 'Binary' && imageType(doc.path) ? 'image' : content.Kind === 'Binary' ? 'binary' : 'too-large';
    }
  }

  /** Dirty markers and auto-save follow the model's edits. */
  watchModel(doc) {
    languageModelOpened(this, doc.model);
    doc.model.onDidChangeContent(() => {
      this.renderTabs();
      if (this.autoSave && doc.dirty) this.scheduleAutoSave();
    });
  }

  activate(key) {
    const current = this.docs.get(this.active);
    if (current?.model && this.editor.getModel() === current.model) {
      current.viewState = this.editor.saveViewState();
    }
    this.active = key;
    const doc = this.docs.get(key);
    const diff = this.diffTabs.get(key);
    this.placeholder.hidden = Boolean(doc || diff);
    this.editorHost.hidden = !(doc?.kind === 'text');
    this.diffHost.hidden = !diff;
    this.preview.hidden = !(doc && doc.kind !== 'text');
    if (doc?.kind === 'text') {
      this.editor.setModel(doc.model);
      this.editor.updateOptions({ readOnly: doc.readOnly });
      if (doc.viewState) this.editor.restoreViewState(doc.viewState);
      this.editor.focus();
    } else if (doc) {
      this.editor.setModel(null);
      this.renderPreview(doc);
    } else if (diff) {
      this.diffEditor.setModel({ original: diff.original, modified: diff.modified });
    } else {
      this.editor.setModel(null);
    }
    this.renderTabs();
    this.renderBanner();
    this.renderStatus();
    if (doc) this.tree?.reveal(doc.path);
  }

  async renderPreview(doc) {
    const download = el('a', { class: 'button', href: this.downloadUrl(doc.path), download: baseName(doc.path) }, 'Download');
    if (doc.kind === 'image') {
      const image = el('img', { alt: doc.path, class: 'image-preview' });
      this.preview.replaceChildren(el('p', { class: 'muted' }, `${baseName(doc.path)} · ${formatSize(doc.content.Size)}`, ' ', download), image);
      try {
        const bytes = await this.files.invoke('ReadBytes', doc.path);
        // A blob URL in an <img>: an SVG's scripts never run, and nothing is served from the IDE's origin.
        const url = URL.createObjectURL(new Blob([bytes], { type: imageType(doc.path) }));
        image.src = url;
        image.onload = () => URL.revokeObjectURL(url);
      } catch (e) {
        image.replaceWith(el('p', { class: 'error' }, e.message));
      }
    } else {
      this.preview.replaceChildren(
        el('div', { class: 'binary-message', 'data-kind': doc.kind },
          el('span', { class: 'codicon codicon-file-binary' }),
          el('p', {}, doc.content.Message ?? 'This file cannot be shown in the editor.'),
          el('p', { class: 'muted' }, formatSize(doc.content.Size)),
          download));
    }
  }

  renderTabs() {
    const tabs = [];
    for (const [path, doc] of this.docs) {
      tabs.push(this.tab(path, baseName(path), path, doc.dirty, doc.kind === 'text' ? 'codicon-file' : 'codicon-file-binary'));
    }
    for (const [key, diff] of this.diffTabs) {
      tabs.push(this.tab(key, diff.title, diff.title, false, 'codicon-diff'));
    }
    this.tabs.replaceChildren(...tabs);
  }

  tab(key, title, tooltip, dirty, icon) {
    const close = el('button', { class: 'tab-close', title: 'Close', 'aria-label': `Close ${title}`, type: 'button' }, el('span', { class: `codicon ${dirty ? 'codicon-circle-filled' : 'codicon-close'}` }));
    const tab = el('div', {
      class: `ide-tab${key === this.active ? ' active' : ''}${dirty ? ' dirty' : ''}`,
      role: 'tab',
      'aria-selected': String(key === this.active),
      title: tooltip,
      'data-path': key,
    }, el('span', { class: `codicon ${icon}` }), el('span', { class: 'tab-title' }, title), close);
    tab.addEventListener('click', () => this.activate(key));
    tab.addEventListener('auxclick', (e) => { if (e.button === 1) this.close(key); });
    close.addEventListener('click', (e) => {
      e.stopPropagation();
      this.close(key);
    });
    return tab;
  }

  close(key) {
    const doc = this.docs.get(key);
    if (doc?.dirty && !confirm(`${doc.path} has unsaved changes. Close it and lose them?`)) {
      return;
    }
    const keys = [...this.docs.keys(), ...this.diffTabs.keys()];
    const index = keys.indexOf(key);
    if (doc) {
      doc.model?.dispose();
      this.docs.delete(key);
    }
    const diff = this.diffTabs.get(key);
    if (diff) {
      this.diffTabs.delete(key);
      if (this.active === key) this.diffEditor.setModel(null);
      diff.original.dispose();
      diff.modified.dispose();
    }
    if (this.active === key) {
      const remaining = [...this.docs.keys(), ...this.diffTabs.keys()];
      this.active = null;
      this.activate(remaining[Math.min(index, remaining.length - 1)] ?? null);
    } else {
      this.renderTabs();
    }
  }

  // ---- saving ----

  async save(key) {
    const doc = this.docs.get(key);
    if (!doc || doc.kind !== 'text' || doc.readOnly || doc.saving) {
      return;
    }
    doc.saving = true;
    const altId = doc.model.getAlternativeVersionId();
    try {
      const result = await this.files.invoke('SaveFile', {
        Path: doc.path,
        Text: doc.model.getValue(),
        ExpectedVersion: doc.deleted ? null : doc.version,
        Encoding: doc.content.Encoding,
        Bom: doc.content.Bom,
      });
      if (result.Saved) {
        doc.version = result.Version;
        doc.savedAltId = altId;
        doc.deleted = false;
        doc.diskChanged = null;
        this.notify(`Saved ${doc.path}`);
        // For other panels on the page (the preview reloads on save), without a trip through Blazor.
        window.dispatchEvent(new CustomEvent('workspaces:file-saved', { detail: { path: doc.path } }));
      } else if (result.Conflict) {
        // Somebody else's change is on disk: never overwrite it silently.
        doc.diskChanged = result.Version ? await this.files.invoke('ReadFile', doc.path) : null;
        doc.deleted = !result.Version;
        this.notify(`Not saved: ${result.Message}`, 'error');
      } else {
        this.notify(`Not saved: ${result.Message}`, 'error');
      }
    } catch (e) {
      this.notify(`Not saved: ${e.message}`, 'error');
    } finally {
      doc.saving = false;
      this.renderTabs();
      this.renderBanner();
    }
  }

  async saveAll() {
    for (const [path, doc] of this.docs) {
      if (doc.dirty && !doc.diskChanged) {
        await this.save(path);
      }
    }
  }

  toggleAutoSave() {
    this.autoSave = !this.autoSave;
    localStorage.setItem(AUTO_SAVE_KEY, this.autoSave ? 'on' : 'off');
    this.renderAutoSave();
    if (this.autoSave) this.scheduleAutoSave();
  }

  renderAutoSave() {
    this.status.autoSave.textContent = this.autoSave ? 'Auto Save: on' : 'Auto Save: off';
    this.status.autoSave.title = `Save ${AUTO_SAVE_DELAY_MS / 1000} s after the last change (click to switch)`;
  }

  toggleEol() {
    const doc = this.docs.get(this.active);
    if (!doc?.model || doc.readOnly) return;
    const crlf = doc.model.getEOL() === '\r\n';
    doc.model.pushEOL(crlf ? monaco.editor.EndOfLineSequence.LF : monaco.editor.EndOfLineSequence.CRLF);
    this.renderStatus();
  }

  // ---- changes on disk ----

  onFilesChanged(changes) {
    this.tree.refresh(changes.Overflow ? null : changes.Paths);
    for (const doc of this.docs.values()) {
      if (changes.Overflow || changes.Paths.includes(doc.path)) {
        this.checkDisk(doc);
      }
    }
    if (changes.Git) this.scm.refreshSoon();
    this.quickOpen.invalidate();
  }

  /** Reloads a clean editor whose file changed on disk; tells a dirty one and offers to compare. */
  async checkDisk(doc) {
    if (doc.kind === 'loading' || doc.saving) return;
    let content;
    try {
      content = await this.files.invoke('ReadFile', doc.path);
    } catch {
      if (!doc.deleted) {
        doc.deleted = true;
        this.renderBanner();
      }
      return;
    }
    doc.deleted = false;
    if (content.Version === doc.version) {
      doc.diskChanged = null;
      this.renderBanner();
      return;
    }
    if (doc.kind !== 'text' || content.Kind !== 'Text') {
      doc.model?.dispose();
      doc.model = null;
      await this.load(doc);
      if (this.active === doc.path) this.activate(doc.path);
      return;
    }
    if (doc.dirty) {
      doc.diskChanged = content;
      this.renderBanner();
      return;
    }
    this.replaceText(doc, content);
  }

  replaceText(doc, content) {
    const view = this.active === doc.path ? this.editor.saveViewState() : null;
    doc.model.pushEditOperations([], [{ range: doc.model.getFullModelRange(), text: content.Text }], () => null);
    doc.model.setEOL(content.LineEnding === 'CRLF' ? monaco.editor.EndOfLineSequence.CRLF : monaco.editor.EndOfLineSequence.LF);
    doc.content = content;
    doc.version = content.Version;
    doc.savedAltId = doc.model.getAlternativeVersionId();
    doc.diskChanged = null;
    if (view) this.editor.restoreViewState(view);
    this.renderTabs();
    this.renderBanner();
  }

  renderBanner() {
    const doc = this.docs.get(this.active);
    const parts = [];
    const action = (label, onClick, primary) => {
      const b = el('button', { type: 'button', class: primary ? 'primary' : '' }, label);
      b.addEventListener('click', onClick);
      return b;
    };
    if (doc?.diskChanged) {
      parts.push(el('span', { class: 'codicon codicon-warning' }),
        el('span', {}, `${baseName(doc.path)} changed on disk while you were editing it.`),
        action('Compare', () => this.compareWithDisk(doc), true),
        action('Keep mine', () => this.keepMine(doc)),
        action('Use the disk version', () => this.replaceText(doc, doc.diskChanged)));
    } else if (doc?.deleted) {
      parts.push(el('span', { class: 'codicon codicon-warning' }), el('span', {}, `${baseName(doc.path)} was deleted on disk. Saving creates it again.`));
    } else if (doc?.content?.ReadOnly && doc.kind === 'text') {
      parts.push(el('span', { class: 'codicon codicon-lock' }), el('span', {}, doc.content.Message ?? 'Read-only.'));
    }
    this.banner.replaceChildren(...parts);
    this.banner.hidden = parts.length === 0;
    this.banner.dataset.kind = doc?.diskChanged ? 'conflict' : doc?.deleted ? 'deleted' : 'info';
  }

  keepMine(doc) {
    // The next save replaces what is on disk now, deliberately.
    doc.version = doc.diskChanged.Version;
    doc.diskChanged = null;
    this.renderBanner();
    this.save(doc.path);
  }

  compareWithDisk(doc) {
    const disk = doc.diskChanged;
    this.openDiff(`${baseName(doc.path)} (on disk ↔ yours)`, disk.Text, doc.model.getValue(), doc.path, {
      note: 'Left: the file on disk now. Right: your unsaved version.',
      actions: [['Keep mine', () => this.keepMine(doc)], ['Use the disk version', () => this.replaceText(doc, disk)]],
    });
  }

  /** A diff tab: Monaco's diff editor, read-only. */
  openDiff(title, originalText, modifiedText, path, extra = {}) {
    if (!this.diffEditor) {
      this.diffEditor = monaco.editor.createDiffEditor(this.diffHost, { automaticLayout: true, readOnly: true, originalEditable: false, renderSideBySide: true });
    }
    const key = `diff:${title}`;
    const existing = this.diffTabs.get(key);
    if (existing) {
      existing.original.dispose();
      existing.modified.dispose();
    }
    const language = monaco.editor.getModel(monaco.Uri.from({ scheme: 'file', path: '/' + path }))?.getLanguageId()
      ?? languageFor(path);
    this.diffTabs.set(key, {
      title,
      path,
      original: monaco.editor.createModel(originalText, language),
      modified: monaco.editor.createModel(modifiedText, language),
      ...extra,
    });
    this.activate(key);
    const diff = this.diffTabs.get(key);
    if (diff.actions) {
      const buttons = diff.actions.map(([label, onClick]) => {
        const b = el('button', { type: 'button' }, label);
        b.addEventListener('click', () => {
          onClick();
          this.close(key);
          this.activate(path);
        });
        return b;
      });
      this.banner.replaceChildren(el('span', {}, diff.note ?? ''), ...buttons);
      this.banner.hidden = false;
    }
  }

  // ---- status bar ----

  renderStatus() {
    const doc = this.docs.get(this.active);
    const text = doc?.kind === 'text' ? doc : null;
    const position = text ? this.editor.getPosition() : null;
    this.status.position.textContent = position ? `Ln ${position.lineNumber}, Col ${position.column}` : '';
    this.status.encoding.textContent = text ? encodingLabel(text.content) : '';
    this.status.eol.textContent = text ? (text.model.getEOL() === '\r\n' ? 'CRLF' : 'LF') : '';
    this.status.eol.hidden = !text;
    const language = text ? monaco.languages.getLanguages().find((l) => l.id === text.model.getLanguageId()) : null;
    this.status.language.textContent = language ? (language.aliases?.[0] ?? language.id) : '';
  }

  setBranch(branch) {
    this.status.branch.replaceChildren(...(branch ? [el('span', { class: 'codicon codicon-git-branch' }), ` ${branch}`] : []));
  }

  // ---- file operations (context menu) ----

  targetFolder() {
    const selected = this.tree.selected;
    if (!selected) return this.tree.root;
    return selected.kind === 'Directory' ? selected : this.tree.nodes.get(parentOf(selected.path)) ?? this.tree.root;
  }

  showContextMenu(e, node) {
    const folder = node.kind === 'Directory' ? node : this.tree.nodes.get(parentOf(node.path)) ?? this.tree.root;
    const item = (label, onClick, disabled = false) => {
      const b = el('button', { type: 'button', role: 'menuitem', disabled }, label);
      b.addEventListener('click', () => {
        this.contextMenu.hidden = true;
        onClick();
      });
      return b;
    };
    const isRoot = node === this.tree.root;
    this.contextMenu.replaceChildren(
      item('New File…', () => this.newEntry(folder, 'File')),
      item('New Folder…', () => this.newEntry(folder, 'Directory')),
      el('hr'),
      item('Rename…', () => this.rename(node), isRoot),
      item('Duplicate', () => this.duplicate(node), isRoot),
      item(node.kind === 'Directory' ? 'Download as .zip' : 'Download', () => this.download(node.path)),
      el('hr'),
      item('Delete', () => this.remove(node), isRoot));
    this.contextMenu.hidden = false;
    const bounds = this.root.getBoundingClientRect();
    this.contextMenu.style.left = `${e.clientX - bounds.left}px`;
    this.contextMenu.style.top = `${e.clientY - bounds.top}px`;
    e.stopPropagation();
  }

  async newEntry(folder, kind) {
    this.showView('explorer');
    await this.tree.expandFolder(folder);
    const name = await this.tree.askName(folder, '');
    if (!name) return;
    const path = joinPath(folder.path, name);
    try {
      await this.files.invoke(kind === 'File' ? 'CreateFile' : 'CreateDirectory', path);
      await this.tree.refresh([path]);
      if (kind === 'File') await this.open(path);
    } catch (e) {
      this.notify(e.message, 'error');
    }
  }

  async rename(node) {
    const name = await this.tree.askName(this.tree.nodes.get(parentOf(node.path)) ?? this.tree.root, node.name, node);
    if (!name || name === node.name) return;
    const to = joinPath(parentOf(node.path), name);
    try {
      await this.files.invoke('Move', node.path, to);
      this.renamed(node.path, to);
      await this.tree.refresh([node.path, to]);
    } catch (e) {
      this.notify(e.message, 'error');
    }
  }

  /** Open tabs follow a file (or folder) that moved. */
  renamed(from, to) {
    const moved = [...this.docs.entries()].filter(([path]) => path === from || path.startsWith(from + '/'));
    for (const [path, doc] of moved) {
      const target = to + path.slice(from.length);
      this.docs.delete(path);
      doc.path = target;
      if (doc.model) {
        const text = doc.model.getValue();
        const altDirty = doc.dirty;
        const eol = doc.model.getEOL();
        doc.model.dispose();
        doc.model = monaco.editor.createModel(text, undefined, monaco.Uri.from({ scheme: 'file', path: '/' + target }));
        doc.model.setEOL(eol === '\r\n' ? monaco.editor.EndOfLineSequence.CRLF : monaco.editor.EndOfLineSequence.LF);
        doc.savedAltId = altDirty ? -1 : doc.model.getAlternativeVersionId();
        this.watchModel(doc);
      }
      this.docs.set(target, doc);
      if (this.active === path) this.active = target;
    }
    if (moved.length > 0) this.activate(this.active);
  }

  async duplicate(node) {
    try {
      const copy = await this.files.invoke('Duplicate', node.path);
      await this.tree.refresh([copy.Path]);
      await this.tree.reveal(copy.Path);
    } catch (e) {
      this.notify(e.message, 'error');
    }
  }

  async remove(node) {
    const what = node.kind === 'Directory' ? `the folder ${node.path} and everything in it` : node.path;
    if (!confirm(`Delete ${what}? This cannot be undone (unless Git has it).`)) return;
    try {
      await this.files.invoke('Delete', node.path);
      await this.tree.refresh([node.path]);
    } catch (e) {
      this.notify(e.message, 'error');
    }
  }

  downloadUrl(path) {
    return `${this.options.downloadUrl}?path=${encodeURIComponent(path)}`;
  }

  download(path) {
    const link = el('a', { href: this.downloadUrl(path), download: baseName(path) || 'workspace.zip' });
    document.body.append(link);
    link.click();
    link.remove();
  }

  collapseAll() {
    for (const node of this.tree.nodes.values()) {
      if (node !== this.tree.root && node.expanded) this.tree.toggle(node, false);
    }
  }

  // ---- keys ----

  handleKey(e) {
    if (!(e.ctrlKey || e.metaKey) || !this.root.isConnected) return;
    const key = e.key.toLowerCase();
    if (key === 's' && !e.shiftKey) {
      e.preventDefault();
      e.stopPropagation();
      this.save(this.active);
    } else if (key === 'p' && !e.shiftKey) {
      e.preventDefault();
      e.stopPropagation();
      this.quickOpen.show();
    } else if (key === 'f' && e.shiftKey) {
      e.preventDefault();
      e.stopPropagation();
      const selection = this.editor.hasTextFocus() ? this.editor.getModel()?.getValueInRange(this.editor.getSelection()) : '';
      this.showView('search');
      if (selection && !selection.includes('\n')) this.search.setQuery(selection);
    }
  }

  dispose() {
    document.removeEventListener('keydown', this.onKey, true);
    window.removeEventListener('beforeunload', this.onBeforeUnload);
    this.scheduleAutoSave.cancel();
    this.scm.dispose();
    for (const doc of this.docs.values()) doc.model?.dispose();
    for (const diff of this.diffTabs.values()) {
      diff.original.dispose();
      diff.modified.dispose();
    }
    this.diffEditor?.dispose();
    this.editor.dispose();
    this.files.dispose();
    this.git.dispose();
  }
}

function languageFor(path) {
  const name = baseName(path).toLowerCase();
  const language = monaco.languages.getLanguages().find((l) =>
    (l.filenames ?? []).some((f) => f.toLowerCase() === name) || (l.extensions ?? []).some((ext) => name.endsWith(ext.toLowerCase())));
  return language?.id ?? 'plaintext';
}

function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Mounts the editor into <paramref name="element"/>; Blazor calls dispose() when the page goes away. */
export function mount(element, options) {
  // esbuild puts the editor's styles (and Monaco's) next to this module; load them with it, not on every page.
  if (!document.querySelector('link[data-editor-styles]')) {
    document.head.append(el('link', { rel: 'stylesheet', href: new URL('./editor.css', import.meta.url).href, 'data-editor-styles': '' }));
  }
  const ide = new Ide(element, options);
  return { dispose: () => ide.dispose() };
}
