// The workspace editor inside the workbench: the explorer, search and source control views, editor groups around
// Monaco, the Problems panel and the editor's status bar items. Files and Git travel over the agent's hubs (through the
// web app); Blazor only renders the host elements, so file contents never pass through its render loop.
import { monaco } from './monaco.js';
import { Hub } from './hub.js';
import { FileTree } from './tree.js';
import { SearchPanel, QuickOpen } from './search.js';
import { SourceControlPanel } from './scm.js';
import { EditorGroup } from './group.js';
import { StatusBar } from './status.js';
import { ProblemsPanel } from './problems.js';
import { FileOperations } from './fileops.js';
import { createPreview, previewKey } from './preview.js';
import { el, baseName, imageType, debounce } from './util.js';
import { registerCommands, runCommand } from '../workbench/commands.js';
import { languageModelOpened } from '../languages/loader.js';
import './editor.css';

const AUTO_SAVE_KEY = 'workspaces.editor.autoSave';
const AUTO_SAVE_DELAY_MS = 1000;
const MAX_GROUPS = 2;

class Document {
  constructor(path) {
    this.path = path;
    this.kind = 'loading';
    this.content = null;
    this.model = null;
    this.version = null;
    this.savedAltId = 0;
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
    this.root = root;
    this.docs = new Map(); // path → Document
    this.diffTabs = new Map();
    this.previews = new Map(); // 'preview:origin' → a port's preview (preview.js)
    this.stateKey = `workspaces.workbench.${options.user}.${options.workspace}.editor`;
    this.autoSave = localStorage.getItem(AUTO_SAVE_KEY) === 'on';
    const host = (name) => root.querySelector(`[data-host="${name}"]`);

    this.status = new StatusBar(this, host('status-left'), host('status-right'));
    this.status.renderAutoSave(this.autoSave, AUTO_SAVE_DELAY_MS);
    this.editorArea = host('editors');
    this.groups = [];
    this.activeGroup = this.addGroup();
    this.applyTheme();

    this.files = new Hub(options.filesHub, (state) => this.setConnection(state));
    this.git = new Hub(options.gitHub, () => {});
    this.files.on('FilesChanged', (changes) => this.onFilesChanged(changes));

    this.fileOps = new FileOperations(this, root);
    this.buildExplorer(host('explorer'));
    this.tree = new FileTree(this, this.treeElement);
    this.search = new SearchPanel(this, host('search'));
    this.quickOpen = new QuickOpen(this, root);
    this.scm = new SourceControlPanel(this, host('scm'));
    this.problems = new ProblemsPanel(this, host('problems'));
    this.tree.load(this.tree.root).catch((e) => this.notify(e.message, 'error'));
    this.scm.refresh();

    this.listeners = [
      ['beforeunload', (e) => {
        this.saveState();
        if ([...this.docs.values()].some((d) => d.dirty)) {
          e.preventDefault();
          e.returnValue = '';
        }
      }],
      ['workspaces:theme', () => this.applyTheme()],
      ['workspaces:open-preview', (e) => this.openPreview(e.detail.url)],
      ['workspaces:file-saved', () => { for (const p of this.previews.values()) p.savedFile(); }],
      ['workspaces:view-shown', (e) => {
        if (e.detail.view === 'search') this.search.focus();
        if (e.detail.view === 'scm') this.scm.refresh();
      }],
    ];
    for (const [name, handler] of this.listeners) window.addEventListener(name, handler);
    this.scheduleAutoSave = debounce(() => this.saveAll(), AUTO_SAVE_DELAY_MS);
    this.saveStateSoon = debounce(() => this.saveState(), 300);
    this.unregister = registerCommands(this.commands());
    this.restoreState();
  }

  buildExplorer(pane) {
    const button = (icon, title, onClick) => {
      const b = el('button', { class: 'icon-button', title, 'aria-label': title, type: 'button' }, el('span', { class: `codicon codicon-${icon}`, 'aria-hidden': 'true' }));
      b.addEventListener('click', onClick);
      return b;
    };
    this.treeElement = el('div', { class: 'tree', role: 'tree', 'aria-label': 'Files' });
    pane.append(
      el('header', { class: 'pane-header' },
        el('h2', { class: 'pane-title' }, this.options.workspaceName || 'Explorer'),
        button('new-file', 'New File…', () => this.fileOps.newEntry(this.fileOps.targetFolder(), 'File')),
        button('new-folder', 'New Folder…', () => this.fileOps.newEntry(this.fileOps.targetFolder(), 'Directory')),
        button('refresh', 'Refresh', () => this.tree.refresh(null)),
        button('collapse-all', 'Collapse Folders', () => this.fileOps.collapseAll())),
      this.treeElement);
  }

  commands() {
    const text = () => this.docs.get(this.active)?.kind === 'text';
    const selected = () => this.tree.selected && this.tree.selected !== this.tree.root;
    return [
      { id: 'workbench.action.files.save', title: 'File: Save', key: 'Ctrl+S', bind: true, run: () => this.save(this.active) },
      { id: 'workbench.action.files.saveAll', title: 'File: Save All', run: () => this.saveAll() },
      { id: 'workbench.action.toggleAutoSave', title: 'File: Toggle Auto Save', run: () => this.toggleAutoSave() },
      { id: 'workbench.action.quickOpen', title: 'Go to File…', key: 'Ctrl+P', bind: true, run: () => this.quickOpen.show() },
      { id: 'workbench.action.findInFiles', title: 'Search: Find in Files', key: 'Ctrl+Shift+F', bind: true, run: () => this.findInFiles() },
      { id: 'editor.action.gotoLine', title: 'Go to Line/Column…', key: 'Ctrl+G', when: text, run: () => { this.editor.focus(); this.editor.trigger('palette', 'editor.action.gotoLine'); } },
      { id: 'editor.action.startFindReplaceAction', title: 'Find and Replace', key: 'Ctrl+H', when: text, run: () => { this.editor.focus(); this.editor.trigger('palette', 'editor.action.startFindReplaceAction'); } },
      { id: 'editor.action.changeEOL', title: 'Change End of Line Sequence (LF/CRLF)', when: text, run: () => this.toggleEol() },
      { id: 'explorer.newFile', title: 'File: New File…', run: () => this.fileOps.newEntry(this.fileOps.targetFolder(), 'File') },
      { id: 'explorer.newFolder', title: 'File: New Folder…', run: () => this.fileOps.newEntry(this.fileOps.targetFolder(), 'Directory') },
      { id: 'explorer.rename', title: 'File: Rename Selected File…', key: 'F2', when: selected, run: () => this.fileOps.rename(this.tree.selected) },
      { id: 'explorer.duplicate', title: 'File: Duplicate Selected File', when: selected, run: () => this.fileOps.duplicate(this.tree.selected) },
      { id: 'explorer.delete', title: 'File: Delete Selected File…', key: 'Delete', when: selected, run: () => this.fileOps.remove(this.tree.selected) },
      { id: 'explorer.download', title: 'File: Download Selected File', when: selected, run: () => this.fileOps.download(this.tree.selected.path) },
      { id: 'explorer.downloadAll', title: 'File: Download the Workspace as .zip', run: () => this.fileOps.download('') },
      { id: 'explorer.refresh', title: 'File: Refresh Explorer', run: () => this.tree.refresh(null) },
      { id: 'explorer.collapse', title: 'File: Collapse Folders in Explorer', run: () => this.fileOps.collapseAll() },
      { id: 'workbench.action.closeActiveEditor', title: 'View: Close Editor', key: 'Alt+W', bind: true, when: () => Boolean(this.active), run: () => this.close(this.active, this.activeGroup) },
      { id: 'workbench.action.splitEditor', title: 'View: Split Editor', key: 'Ctrl+\\', bind: true, run: () => this.split() },
      { id: 'editor.focus', title: 'View: Focus Active Editor Group', run: () => this.focusGroup(this.activeGroup) },
      { id: 'workbench.action.focusFirstEditorGroup', title: 'View: Focus First Editor Group', key: 'Ctrl+1', bind: true, run: () => this.focusGroup(this.groups[0]) },
      { id: 'workbench.action.focusSecondEditorGroup', title: 'View: Focus Second Editor Group', key: 'Ctrl+2', bind: true, run: () => this.focusGroup(this.groups[1] ?? this.split()) },
      { id: 'git.commit', title: 'Git: Commit', run: () => { this.showView('scm'); this.scm.message.focus(); } },
      { id: 'git.pull', title: 'Git: Pull', run: () => this.scm.run('Pull', [], 'Pulling…') },
      { id: 'git.push', title: 'Git: Push', run: () => this.scm.run('Push', [], 'Pushing…') },
      { id: 'git.refresh', title: 'Git: Refresh', run: () => this.scm.refresh() },
      { id: 'git.branch', title: 'Git: Create Branch…', run: () => { this.scm.branch.value = '__new__'; this.scm.switchBranch(); } },
      { id: 'git.checkout', title: 'Git: Switch Branch…', run: () => { this.showView('scm'); this.scm.branch.focus(); } },
    ];
  }

  get active() {
    return this.activeGroup.active;
  }

  get editor() {
    return this.activeGroup.editor;
  }

  applyTheme() {
    monaco.editor.setTheme(document.documentElement.dataset.theme === 'dark' ? 'vs-dark' : 'vs');
  }

  showView(name) {
    runCommand(`workbench.view.${name}`);
  }

  findInFiles() {
    const selection = this.editor.hasTextFocus() ? this.editor.getModel()?.getValueInRange(this.editor.getSelection()) : '';
    runCommand('workbench.view.search') || this.search.focus();
    if (selection && !selection.includes('\n')) this.search.setQuery(selection);
    this.search.focus();
  }

  setConnection(state) {
    this.status.setConnection(state === 'connected' ? '' : 'Reconnecting to the workspace…');
    if (state === 'connected') {
      // Anything may have changed while we were away.
      this.tree?.refresh(null);
      for (const doc of this.docs.values()) {
        this.checkDisk(doc);
      }
    }
  }

  notify(text, kind = 'info') {
    this.status.notify(text, kind);
  }

  // ---- groups ----

  addGroup() {
    const group = new EditorGroup(this, this.groups.length);
    this.groups.push(group);
    this.editorArea.append(group.element);
    this.editorArea.dataset.groups = String(this.groups.length);
    return group;
  }

  setActiveGroup(group) {
    if (this.activeGroup === group) return;
    this.activeGroup = group;
    for (const g of this.groups) g.element.classList.toggle('active-group', g === group);
    this.renderStatus();
    this.saveStateSoon();
  }

  /** Ctrl+\: the active editor again in a group to the side (as VS Code), or focus that group when there are two. */
  split() {
    const from = this.activeGroup;
    const to = this.groups[from.index + 1] ?? (this.groups.length < MAX_GROUPS ? this.addGroup() : this.groups[0]);
    const key = from.active;
    if (key && (this.docs.has(key) || this.diffTabs.has(key))) {
      from.rememberView();
      to.add(key);
      if (from.viewStates.has(key)) to.viewStates.set(key, from.viewStates.get(key));
      to.activate(key);
    } else if (key && this.previews.has(key)) {
      this.moveTo(key, from, to);
    } else {
      to.renderTabs();
    }
    this.setActiveGroup(to);
    this.focusGroup(to);
    return to;
  }

  moveTo(key, from, to) {
    from.remove(key);
    to.add(key);
    to.activate(key);
    this.afterClose(from, key);
  }

  focusGroup(group) {
    this.setActiveGroup(group);
    const doc = this.docs.get(group.active);
    if (doc?.kind === 'text') group.editor.focus();
    else (group.tabs.querySelector('[aria-selected="true"]') ?? group.element.querySelector('.ide-placeholder'))?.focus?.();
    return true;
  }

  // ---- documents and tabs ----

  /** Opens a file in a tab of a group (the active one by default), optionally at a line and column. */
  async open(path, position, { group = this.activeGroup, focus = true, quiet = false } = {}) {
    let doc = this.docs.get(path);
    if (!doc) {
      doc = new Document(path);
      this.docs.set(path, doc);
      group.add(path);
      this.renderTabs();
      try {
        await this.load(doc);
      } catch (e) {
        this.docs.delete(path);
        for (const g of this.groups) g.remove(path);
        this.renderTabs();
        if (!quiet) this.notify(e.message, 'error');
        return;
      }
    } else {
      group.add(path);
    }
    this.setActiveGroup(group);
    group.activate(path, focus);
    if (position && doc.model) {
      const range = new monaco.Range(position.line, position.column, position.line, position.column + (position.length ?? 0));
      group.editor.setSelection(range);
      group.editor.revealRangeInCenter(range);
      group.editor.focus();
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

  /** Shows <paramref name="key"/> in the active group. */
  activate(key) {
    this.activeGroup.activate(key);
  }

  async renderPreview(doc, host) {
    const download = el('a', { class: 'button', href: this.fileOps.downloadUrl(doc.path), download: baseName(doc.path) }, 'Download');
    if (doc.kind === 'image') {
      const image = el('img', { alt: doc.path, class: 'image-preview' });
      host.replaceChildren(el('p', { class: 'muted' }, `${baseName(doc.path)} · ${formatSize(doc.content.Size)}`, ' ', download), image);
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
      host.replaceChildren(
        el('div', { class: 'binary-message', 'data-kind': doc.kind },
          el('span', { class: 'codicon codicon-file-binary' }),
          el('p', {}, doc.content.Message ?? 'This file cannot be shown in the editor.'),
          el('p', { class: 'muted' }, formatSize(doc.content.Size)),
          download));
    }
  }

  renderTabs() {
    for (const group of this.groups) group.renderTabs();
  }

  renderBanner() {
    for (const group of this.groups) group.renderBanner();
  }

  close(key, group = this.activeGroup) {
    const doc = this.docs.get(key);
    const elsewhere = this.groups.some((g) => g !== group && g.keys.includes(key));
    if (!elsewhere && doc?.dirty && !confirm(`${doc.path} has unsaved changes. Close it and lose them?`)) {
      return;
    }
    group.remove(key);
    if (!elsewhere) {
      if (doc) {
        doc.model?.dispose();
        this.docs.delete(key);
      }
      const diff = this.diffTabs.get(key);
      if (diff) {
        this.diffTabs.delete(key);
        if (group.active === key) group.diffEditor?.setModel(null);
        diff.original.dispose();
        diff.modified.dispose();
      }
      const preview = this.previews.get(key);
      if (preview) {
        preview.element.remove();
        this.previews.delete(key);
      }
    }
    this.afterClose(group, key);
  }

  afterClose(group, key) {
    if (group.keys.length === 0 && this.groups.length > 1) {
      // An empty group to the side goes away, as in VS Code.
      this.groups.splice(this.groups.indexOf(group), 1);
      group.dispose();
      this.groups.forEach((g, i) => { g.index = i; g.element.dataset.group = String(i); });
      this.editorArea.dataset.groups = String(this.groups.length);
      this.activeGroup = null;
      this.setActiveGroup(this.groups[0]);
      this.saveStateSoon();
      return;
    }
    if (group.active === key) {
      group.active = null;
      group.activate(group.keys[group.keys.length - 1] ?? null);
    } else {
      group.renderTabs();
    }
    this.saveStateSoon();
  }

  // ---- previews of ports ----

  /** A port's preview as a tab: beside the code (the other group), unless the window is narrow. */
  openPreview(url, { group, focus = true } = {}) {
    const key = previewKey(url);
    const existing = this.previews.get(key);
    if (existing) {
      existing.navigate(url);
      const holder = this.groups.find((g) => g.keys.includes(key)) ?? this.activeGroup;
      holder.add(key);
      this.setActiveGroup(holder);
      holder.activate(key, focus);
      return;
    }
    const preview = createPreview(url);
    this.previews.set(key, preview);
    const narrow = this.editorArea.clientWidth < 700;
    const target = group ?? (narrow ? this.activeGroup : this.groups[1] ?? (this.activeGroup.keys.length > 0 ? this.addGroup() : this.activeGroup));
    target.add(key);
    this.setActiveGroup(target);
    target.activate(key, focus);
  }

  // ---- layout and state across reloads (per user and workspace) ----

  viewChanged(group) {
    if (group === this.activeGroup) this.renderStatus();
    this.saveStateSoon();
  }

  saveState() {
    const views = {};
    const groups = this.groups.map((group, i) => {
      group.rememberView();
      for (const key of group.keys) {
        if (group.viewStates.has(key)) views[`${i}:${key}`] = group.viewStates.get(key);
      }
      return {
        tabs: group.keys.filter((k) => this.docs.has(k) || this.previews.has(k))
          .map((k) => (this.previews.has(k) ? { preview: this.previews.get(k).url() } : { path: k })),
        active: group.active,
      };
    });
    localStorage.setItem(this.stateKey, JSON.stringify({ groups, activeGroup: this.groups.indexOf(this.activeGroup), views }));
  }

  async restoreState() {
    let saved;
    try {
      saved = JSON.parse(localStorage.getItem(this.stateKey));
    } catch {
      return;
    }
    if (!saved?.groups?.length) return;
    for (let i = 0; i < Math.min(saved.groups.length, MAX_GROUPS); i++) {
      const { tabs, active } = saved.groups[i];
      if (!tabs?.length) continue;
      const group = this.groups[i] ?? this.addGroup();
      for (const tab of tabs) {
        if (tab.preview) {
          this.openPreview(tab.preview, { group, focus: false });
        } else if (tab.path) {
          // A file deleted since simply does not come back.
          await this.open(tab.path, null, { group, focus: false, quiet: true });
        }
      }
      for (const key of group.keys) {
        const view = saved.views?.[`${i}:${key}`];
        if (view) group.viewStates.set(key, view);
      }
      group.active = null;
      group.activate(group.keys.includes(active) ? active : group.keys[0] ?? null, false);
    }
    for (const group of [...this.groups]) {
      if (group.keys.length === 0 && this.groups.length > 1) this.afterClose(group, null);
    }
    this.setActiveGroup(this.groups[saved.activeGroup] ?? this.groups[0]);
    this.root.dataset.restored = 'true';
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
    this.status.renderAutoSave(this.autoSave, AUTO_SAVE_DELAY_MS);
    if (this.autoSave) this.scheduleAutoSave();
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
      for (const group of this.groups) {
        if (group.active === doc.path) group.activate(doc.path, false);
      }
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
    const showing = this.groups.filter((g) => g.active === doc.path).map((g) => [g, g.editor.saveViewState()]);
    doc.model.pushEditOperations([], [{ range: doc.model.getFullModelRange(), text: content.Text }], () => null);
    doc.model.setEOL(content.LineEnding === 'CRLF' ? monaco.editor.EndOfLineSequence.CRLF : monaco.editor.EndOfLineSequence.LF);
    doc.content = content;
    doc.version = content.Version;
    doc.savedAltId = doc.model.getAlternativeVersionId();
    doc.diskChanged = null;
    for (const [group, view] of showing) group.editor.restoreViewState(view);
    this.renderTabs();
    this.renderBanner();
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
    this.activeGroup.add(key);
    this.activeGroup.activate(key);
  }

  // ---- status bar ----

  renderStatus() {
    this.status.render();
  }

  setBranch(branch, status) {
    this.status.setBranch(branch, status);
  }

  // ---- file operations (context menu) ----

  showContextMenu(e, node) {
    this.fileOps.showContextMenu(e, node);
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
      for (const group of this.groups) {
        group.keys = group.keys.map((k) => (k === path ? target : k));
        if (group.active === path) group.active = target;
      }
    }
    if (moved.length > 0) {
      for (const group of this.groups) group.activate(group.active, false);
    }
  }

  dispose() {
    this.saveState();
    for (const [name, handler] of this.listeners) window.removeEventListener(name, handler);
    this.unregister();
    this.scheduleAutoSave.cancel();
    this.saveStateSoon.cancel();
    this.scm.dispose();
    this.problems.dispose();
    this.status.dispose();
    this.fileOps.dispose();
    for (const doc of this.docs.values()) doc.model?.dispose();
    for (const diff of this.diffTabs.values()) {
      diff.original.dispose();
      diff.modified.dispose();
    }
    for (const group of this.groups) group.dispose();
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

/**
 * Mounts the editor into the workbench <paramref name="root"/> (its hosts are `[data-host=…]` elements: explorer,
 * search, scm, editors, problems, status-left, status-right); Blazor calls dispose() when the page goes away.
 */
export function mount(root, options) {
  // esbuild puts the editor's styles (and Monaco's) next to this module; load them with it, not on every page.
  if (!document.querySelector('link[data-editor-styles]')) {
    document.head.append(el('link', { rel: 'stylesheet', href: new URL('./editor.css', import.meta.url).href, 'data-editor-styles': '' }));
  }
  const ide = new Ide(typeof root === 'string' ? document.getElementById(root) : root, options);
  return { dispose: () => ide.dispose() };
}
