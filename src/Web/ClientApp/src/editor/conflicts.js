// Open files against the disk: a clean editor follows changes made elsewhere (a terminal, a formatter, git); a dirty
// one is never overwritten, it says so and offers to compare, keep its text or take the disk's. A file that is gone
// says it was deleted; one that is there but cannot be read says why, and its text stays in the editor.
import { loadDocument, eolSequence } from './document.js';
import { baseName, parentOf } from './util.js';

/** @typedef {import('./document.js').Document} Document */

export class Conflicts {
  /** @param {import('./editor.js').Ide} ide */
  constructor(ide) {
    this.ide = ide;
  }

  onFilesChanged(changes) {
    const ide = this.ide;
    ide.tree.refresh(changes.Overflow ? null : changes.Paths);
    for (const doc of ide.docs.values()) {
      if (changes.Overflow || changes.Paths.includes(doc.path)) {
        this.checkDisk(doc);
      }
    }
    if (changes.Git) ide.scm.refreshSoon();
    ide.quickOpen.invalidate();
  }

  /**
   * Reloads a clean editor whose file changed on disk; tells a dirty one and offers to compare.
   * @param {Document} doc
   */
  async checkDisk(doc) {
    const ide = this.ide;
    if (doc.kind === 'loading' || doc.saving) return;
    let content;
    try {
      content = await ide.files.invoke('ReadFile', doc.path);
    } catch (e) {
      await this.readFailed(doc, e);
      return;
    }
    doc.deleted = false;
    doc.unreadable = null;
    if (content.Version === doc.version) {
      doc.diskChanged = null;
      ide.tabs.renderBanner();
      return;
    }
    if (doc.kind !== 'text' || content.Kind !== 'Text') {
      doc.model?.dispose();
      doc.model = null;
      await loadDocument(ide, doc);
      for (const group of ide.tabs.groups) {
        if (group.active === doc.path) group.activate(doc.path, false);
      }
      return;
    }
    if (doc.dirty) {
      doc.diskChanged = content;
      ide.tabs.renderBanner();
      return;
    }
    this.replaceText(doc, content);
  }

  /**
   * Not found is "deleted" (saving creates it again); anything else (a folder in its place, no permission to read it)
   * is said as it is, since saving would not help.
   * @param {Document} doc
   * @param {Error} error
   */
  async readFailed(doc, error) {
    const ide = this.ide;
    // Failed with the connection: once back, every open file is checked again.
    if (!ide.files.connected) return;
    const missing = await this.missing(doc.path);
    if (!ide.files.connected) return;
    doc.deleted = missing;
    doc.unreadable = missing ? null : error.message;
    ide.tabs.renderBanner();
  }

  /** True when nothing is at the path: its folder's listing lacks it (or that folder is missing too). */
  async missing(path) {
    if (path === '') return false;
    try {
      const listing = await this.ide.files.invoke('ListDirectory', parentOf(path));
      return !listing.Entries.some((entry) => entry.Name === baseName(path));
    } catch {
      // The folder cannot be listed: whether it is there says whether the path can be.
      return this.missing(parentOf(path));
    }
  }

  /** @param {Document} doc */
  replaceText(doc, content) {
    const ide = this.ide;
    const showing = ide.tabs.groups.filter((g) => g.active === doc.path).map((group) => ({ group, view: group.editor.saveViewState() }));
    doc.model.pushEditOperations([], [{ range: doc.model.getFullModelRange(), text: content.Text }], () => null);
    doc.model.setEOL(eolSequence(content.LineEnding));
    doc.content = content;
    doc.version = content.Version;
    doc.savedAltId = doc.model.getAlternativeVersionId();
    doc.diskChanged = null;
    for (const { group, view } of showing) group.editor.restoreViewState(view);
    ide.tabs.renderTabs();
    ide.tabs.renderBanner();
  }

  /** @param {Document} doc */
  keepMine(doc) {
    // The next save replaces what is on disk now, deliberately.
    doc.version = doc.diskChanged.Version;
    doc.diskChanged = null;
    this.ide.tabs.renderBanner();
    this.ide.saving.save(doc.path);
  }

  /** @param {Document} doc */
  compareWithDisk(doc) {
    const disk = doc.diskChanged;
    this.ide.tabs.openDiff(`${baseName(doc.path)} (on disk ↔ yours)`, disk.Text, doc.model.getValue(), doc.path, {
      note: 'Left: the file on disk now. Right: your unsaved version.',
      actions: [['Keep mine', () => this.keepMine(doc)], ['Use the disk version', () => this.replaceText(doc, disk)]],
    });
  }
}

