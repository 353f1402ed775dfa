// An editor group: its tabs, a banner, and what its active tab shows (Monaco, a diff, an image or binary message, or a
// preview of a port). Documents (Monaco models) belong to the Ide and may be open in both groups at once.
import { monaco } from './monaco.js';
import { renderMedia } from './media.js';
import { el, baseName } from './util.js';

export class EditorGroup {
  /**
   * @param {import('./editor.js').Ide} ide
   * @param {number} index
   */
  constructor(ide, index) {
    this.ide = ide;
    this.index = index;
    this.keys = []; // tab order: a path, 'diff:…' or 'preview:…'
    this.active = null;
    this.viewStates = new Map(); // key → Monaco view state (cursor, selections, scroll) while another tab is shown
    const name = `Editor group ${index + 1}`;
    this.tabs = el('div', { class: 'ide-tabs', 'aria-label': name });
    this.banner = el('div', { class: 'ide-banner', hidden: true, role: 'status' });
    this.editorHost = el('div', { class: 'ide-editor', hidden: true });
    this.diffHost = el('div', { class: 'ide-editor ide-diff', hidden: true });
    this.placeholder = el('div', { class: 'ide-placeholder' },
      el('p', {}, 'Open a file from the tree, or press ', el('kbd', {}, 'Ctrl+P'), ' to find one by name.'),
      el('p', { class: 'muted' }, el('kbd', {}, 'Ctrl+Shift+P'), ' lists every command · ', el('kbd', {}, 'Ctrl+Shift+F'), ' searches in files · ', el('kbd', {}, 'Ctrl+\\'), ' splits the editor'));
    this.preview = el('div', { class: 'ide-preview', hidden: true });
    this.web = el('div', { class: 'ide-web', hidden: true });
    this.element = el('section', { class: 'ide-group', 'data-group': String(index), 'aria-label': name },
      this.tabs, this.banner, el('div', { class: 'ide-body' }, this.placeholder, this.editorHost, this.diffHost, this.preview, this.web));
    this.editor = monaco.editor.create(this.editorHost, {
      model: null,
      automaticLayout: true,
      fontSize: 13,
      minimap: { enabled: true },
      scrollBeyondLastLine: false,
      renderWhitespace: 'selection',
      ariaLabel: `${name}: editor`,
    });
    /** @type {import('monaco-editor').editor.IStandaloneDiffEditor | undefined} created with the first diff shown */
    this.diffEditor = undefined;
    this.editor.onDidChangeCursorPosition(() => ide.layout.viewChanged(this));
    this.editor.onDidScrollChange(() => ide.layout.viewChanged(this));
    this.element.addEventListener('focusin', () => ide.tabs.setActiveGroup(this));
    this.element.addEventListener('pointerdown', () => ide.tabs.setActiveGroup(this), true);
  }

  add(key, after = this.active) {
    if (this.keys.includes(key)) return;
    const index = this.keys.indexOf(after);
    this.keys.splice(index < 0 ? this.keys.length : index + 1, 0, key);
  }

  remove(key) {
    this.keys = this.keys.filter((k) => k !== key);
    this.viewStates.delete(key);
  }

  rememberView() {
    const doc = this.ide.docs.get(this.active);
    if (doc?.model && this.editor.getModel() === doc.model) {
      this.viewStates.set(this.active, this.editor.saveViewState());
    }
  }

  activate(key, focus = true) {
    const ide = this.ide;
    this.rememberView();
    this.active = key;
    const doc = ide.docs.get(key);
    const diff = ide.tabs.diffTabs.get(key);
    const web = ide.tabs.previews.get(key);
    this.placeholder.hidden = Boolean(doc || diff || web);
    this.editorHost.hidden = !(doc?.kind === 'text');
    this.diffHost.hidden = !diff;
    this.preview.hidden = !(doc && doc.kind !== 'text');
    this.web.hidden = !web;
    if (doc?.kind === 'text') {
      this.editor.setModel(doc.model);
      this.editor.updateOptions({ readOnly: doc.readOnly });
      const view = this.viewStates.get(key);
      if (view) this.editor.restoreViewState(view);
      if (focus) this.editor.focus();
    } else if (doc) {
      this.editor.setModel(null);
      renderMedia(ide, doc, this.preview);
    } else if (diff) {
      this.diffEditor ??= monaco.editor.createDiffEditor(this.diffHost, { automaticLayout: true, readOnly: true, originalEditable: false, renderSideBySide: true });
      this.diffEditor.setModel({ original: diff.original, modified: diff.modified });
    } else {
      this.editor.setModel(null);
    }
    if (web) {
      if (web.element.parentElement !== this.web) this.web.append(web.element);
      for (const child of this.web.children) child.hidden = child !== web.element;
      if (focus) web.address.focus();
    }
    this.renderTabs();
    this.renderBanner();
    if (this === ide.tabs.activeGroup) ide.status.render();
    if (doc) ide.tree?.reveal(doc.path);
    ide.layout.saveSoon();
  }

  renderTabs() {
    const ide = this.ide;
    // A tab list only while it has tabs (an empty one is not).
    if (this.keys.length) this.tabs.setAttribute('role', 'tablist');
    else this.tabs.removeAttribute('role');
    this.tabs.replaceChildren(...this.keys.map((key) => {
      const doc = ide.docs.get(key);
      if (doc) return this.tab(key, baseName(key), key, doc.dirty, doc.kind === 'text' ? 'codicon-file' : 'codicon-file-binary');
      const diff = ide.tabs.diffTabs.get(key);
      if (diff) return this.tab(key, diff.title, diff.title, false, 'codicon-diff');
      const web = ide.tabs.previews.get(key);
      return this.tab(key, web ? web.title : key, web ? web.url() : key, false, 'codicon-globe');
    }));
  }

  tab(key, title, tooltip, dirty, icon) {
    const selected = key === this.active;
    // Not a button inside the tab (a control in a control): the keyboard closes a tab with Delete or Alt+W.
    const close = el('span', { class: 'tab-close', title: 'Close (Delete)', 'aria-hidden': 'true' }, el('span', { class: `codicon ${dirty ? 'codicon-circle-filled' : 'codicon-close'}` }));
    const tab = el('div', {
      class: `ide-tab${selected ? ' active' : ''}${dirty ? ' dirty' : ''}`,
      role: 'tab',
      tabindex: selected ? '0' : '-1',
      'aria-selected': String(selected),
      title: tooltip,
      'data-path': key,
    }, el('span', { class: `codicon ${icon}`, 'aria-hidden': 'true' }), el('span', { class: 'tab-title' }, title), close);
    tab.addEventListener('click', () => this.activate(key));
    tab.addEventListener('auxclick', (e) => { if (e.button === 1) this.ide.tabs.close(key, this); });
    tab.addEventListener('keydown', (e) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
      if (step) {
        const next = this.keys[(this.keys.indexOf(key) + step + this.keys.length) % this.keys.length];
        this.activate(next, false);
        this.tabs.querySelector('[aria-selected="true"]')?.focus();
      } else if (e.key === 'Enter') {
        this.activate(key);
      } else if (e.key === 'Delete') {
        this.ide.tabs.close(key, this);
      } else {
        return;
      }
      e.preventDefault();
    });
    close.addEventListener('click', (e) => {
      e.stopPropagation();
      this.ide.tabs.close(key, this);
    });
    return tab;
  }

  renderBanner() {
    const doc = this.ide.docs.get(this.active);
    const parts = [];
    const action = (label, onClick, primary) => {
      const b = el('button', { type: 'button', class: primary ? 'primary' : '' }, label);
      b.addEventListener('click', onClick);
      return b;
    };
    const ide = this.ide;
    if (doc?.diskChanged) {
      parts.push(el('span', { class: 'codicon codicon-warning' }),
        el('span', {}, `${baseName(doc.path)} changed on disk while you were editing it.`),
        action('Compare', () => ide.conflicts.compareWithDisk(doc), true),
        action('Keep mine', () => ide.conflicts.keepMine(doc)),
        action('Use the disk version', () => ide.conflicts.replaceText(doc, doc.diskChanged)));
    } else if (doc?.deleted) {
      parts.push(el('span', { class: 'codicon codicon-warning' }), el('span', {}, `${baseName(doc.path)} was deleted on disk. Saving creates it again.`));
    } else if (doc?.unreadable) {
      // Not "deleted": something is there that a save would not replace, so say what and keep the text.
      parts.push(el('span', { class: 'codicon codicon-error' }),
        el('span', {}, `${baseName(doc.path)} cannot be read from disk: ${doc.unreadable} ${doc.model ? 'Your text stays here. ' : ''}Make the file readable again (it is checked each time it changes), or try again.`),
        action('Try again', () => ide.conflicts.checkDisk(doc)));
    } else if (doc?.content?.ReadOnly && doc.kind === 'text') {
      parts.push(el('span', { class: 'codicon codicon-lock' }), el('span', {}, doc.content.Message ?? 'Read-only.'));
    }
    const diff = ide.tabs.diffTabs.get(this.active);
    if (diff?.actions) {
      parts.push(el('span', {}, diff.note ?? ''), ...diff.actions.map(([label, onClick]) => action(label, () => {
        onClick();
        ide.tabs.close(this.active, this);
        ide.open(diff.path);
      })));
    }
    this.banner.replaceChildren(...parts);
    this.banner.hidden = parts.length === 0;
    this.banner.dataset.kind = doc?.diskChanged ? 'conflict' : doc?.deleted ? 'deleted' : doc?.unreadable ? 'unreadable' : 'info';
  }

  dispose() {
    this.diffEditor?.dispose();
    this.editor.dispose();
    this.element.remove();
  }
}
