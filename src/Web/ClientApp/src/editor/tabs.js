// The editor groups and their tabs: opening and closing files, diffs and port previews, splitting to the side, and
// open tabs following a file that moved. What one group shows is group.js's; the layout across reloads is layout.js's.
import { monaco } from './monaco.js';
import { EditorGroup } from './group.js';
import { Document, loadDocument, watchModel, eolSequence, modelUri } from './document.js';
import { createPreview, previewKey } from './preview.js';
import { baseName } from './util.js';

export const MAX_GROUPS = 2;

export class Tabs {
  /**
   * @param {import('./editor.js').Ide} ide
   * @param {HTMLElement} area the host of the groups
   */
  constructor(ide, area) {
    this.ide = ide;
    this.area = area;
    this.diffTabs = new Map(); // 'diff:title' → { title, path, original, modified, note?, actions? }
    this.previews = new Map(); // 'preview:origin' → a port's preview (preview.js)
    /** @type {EditorGroup[]} */
    this.groups = [];
    this.activeGroup = this.addGroup();
  }

  get active() {
    return this.activeGroup.active;
  }

  // ---- groups ----

  addGroup() {
    const group = new EditorGroup(this.ide, this.groups.length);
    this.groups.push(group);
    this.area.append(group.element);
    this.area.dataset.groups = String(this.groups.length);
    return group;
  }

  setActiveGroup(group) {
    if (this.activeGroup === group) return;
    this.activeGroup = group;
    for (const g of this.groups) g.element.classList.toggle('active-group', g === group);
    this.ide.status.render();
    this.ide.layout.saveSoon();
  }

  /** Ctrl+\: the active editor again in a group to the side (as VS Code), or focus that group when there are two. */
  split() {
    const from = this.activeGroup;
    const to = this.groups[from.index + 1] ?? (this.groups.length < MAX_GROUPS ? this.addGroup() : this.groups[0]);
    const key = from.active;
    if (key && (this.ide.docs.has(key) || this.diffTabs.has(key))) {
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
    const doc = this.ide.docs.get(group.active);
    if (doc?.kind === 'text') group.editor.focus();
    else /** @type {HTMLElement | null} */ (group.tabs.querySelector('[aria-selected="true"]') ?? group.element.querySelector('.ide-placeholder'))?.focus?.();
    return true;
  }

  // ---- documents and tabs ----

  /**
   * Opens a file in a tab of a group (the active one by default), optionally at a line and column.
   * @param {string} path
   * @param {{ line: number, column: number, length?: number } | null} [position]
   * @param {{ group?: EditorGroup, focus?: boolean, quiet?: boolean }} [options] quiet: a file that fails to open says nothing
   */
  async open(path, position, { group = this.activeGroup, focus = true, quiet = false } = {}) {
    const ide = this.ide;
    let doc = ide.docs.get(path);
    if (!doc) {
      doc = new Document(path);
      ide.docs.set(path, doc);
      group.add(path);
      this.renderTabs();
      try {
        await loadDocument(ide, doc);
      } catch (e) {
        ide.docs.delete(path);
        for (const g of this.groups) g.remove(path);
        this.renderTabs();
        if (!quiet) ide.notify(e.message, 'error');
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

  renderTabs() {
    for (const group of this.groups) group.renderTabs();
  }

  renderBanner() {
    for (const group of this.groups) group.renderBanner();
  }

  close(key, group = this.activeGroup) {
    const ide = this.ide;
    const doc = ide.docs.get(key);
    const elsewhere = this.groups.some((g) => g !== group && g.keys.includes(key));
    if (!elsewhere && doc?.dirty && !confirm(`${doc.path} has unsaved changes. Close it and lose them?`)) {
      return;
    }
    group.remove(key);
    if (!elsewhere) {
      if (doc) {
        doc.model?.dispose();
        ide.docs.delete(key);
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
      this.area.dataset.groups = String(this.groups.length);
      this.activeGroup = null;
      this.setActiveGroup(this.groups[0]);
      this.ide.layout.saveSoon();
      return;
    }
    if (group.active === key) {
      group.active = null;
      group.activate(group.keys[group.keys.length - 1] ?? null);
    } else {
      group.renderTabs();
    }
    this.ide.layout.saveSoon();
  }

  /** Open tabs follow a file (or folder) that moved. */
  renamed(from, to) {
    const ide = this.ide;
    const moved = [...ide.docs.entries()].filter(([path]) => path === from || path.startsWith(from + '/'));
    for (const [path, doc] of moved) {
      const target = to + path.slice(from.length);
      ide.docs.delete(path);
      doc.path = target;
      if (doc.model) {
        const text = doc.model.getValue();
        const altDirty = doc.dirty;
        const eol = doc.model.getEOL();
        doc.model.dispose();
        doc.model = monaco.editor.createModel(text, undefined, modelUri(target));
        doc.model.setEOL(eolSequence(eol));
        doc.savedAltId = altDirty ? -1 : doc.model.getAlternativeVersionId();
        watchModel(ide, doc);
      }
      ide.docs.set(target, doc);
      for (const group of this.groups) {
        group.keys = group.keys.map((k) => (k === path ? target : k));
        if (group.active === path) group.active = target;
      }
    }
    if (moved.length > 0) {
      for (const group of this.groups) group.activate(group.active, false);
    }
  }

  // ---- previews of ports, diffs ----

  /**
   * A port's preview as a tab: beside the code (the other group), unless the window is narrow.
   * @param {string} url
   * @param {{ group?: EditorGroup, focus?: boolean }} [options]
   */
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
    const narrow = this.area.clientWidth < 700;
    const target = group ?? (narrow ? this.activeGroup : this.groups[1] ?? (this.activeGroup.keys.length > 0 ? this.addGroup() : this.activeGroup));
    target.add(key);
    this.setActiveGroup(target);
    target.activate(key, focus);
  }

  /** A diff tab: Monaco's diff editor, read-only. */
  openDiff(title, originalText, modifiedText, path, extra = {}) {
    const key = `diff:${title}`;
    const existing = this.diffTabs.get(key);
    if (existing) {
      existing.original.dispose();
      existing.modified.dispose();
    }
    const language = languageFor(path);
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

  dispose() {
    for (const diff of this.diffTabs.values()) {
      diff.original.dispose();
      diff.modified.dispose();
    }
    for (const group of this.groups) group.dispose();
  }
}

/** The language of a path: its open model's, else the one Monaco registers for its name or extension. */
function languageFor(path) {
  const open = monaco.editor.getModel(modelUri(path))?.getLanguageId();
  if (open) return open;
  const name = baseName(path).toLowerCase();
  const language = monaco.languages.getLanguages().find((l) =>
    (l.filenames ?? []).some((f) => f.toLowerCase() === name) || (l.extensions ?? []).some((ext) => name.endsWith(ext.toLowerCase())));
  return language?.id ?? 'plaintext';
}
