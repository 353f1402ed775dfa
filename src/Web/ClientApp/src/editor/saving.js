// Saving: Ctrl+S, Save All, auto save, and the line endings a save writes. A save names the version it replaces, so a
// change made on disk meanwhile is refused as a conflict (conflicts.js takes it from there), never overwritten.
import { monaco } from './monaco.js';
import { debounce } from './util.js';

const AUTO_SAVE_KEY = 'workspaces.editor.autoSave';
export const AUTO_SAVE_DELAY_MS = 1000;

export class Saving {
  /** @param {import('./editor.js').Ide} ide */
  constructor(ide) {
    this.ide = ide;
    this.autoSave = localStorage.getItem(AUTO_SAVE_KEY) === 'on';
    this.scheduleAutoSave = debounce(() => this.saveAll(), AUTO_SAVE_DELAY_MS);
  }

  /** A document's text changed (it is dirty). */
  changed() {
    if (this.autoSave) this.scheduleAutoSave();
  }

  async save(key) {
    const ide = this.ide;
    const doc = ide.docs.get(key);
    if (!doc || doc.kind !== 'text' || doc.readOnly || doc.saving) {
      return;
    }
    doc.saving = true;
    const altId = doc.model.getAlternativeVersionId();
    try {
      const result = await ide.files.invoke('SaveFile', {
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
        doc.unreadable = null;
        doc.diskChanged = null;
        ide.notify(`Saved ${doc.path}`);
        // For other panels on the page (the preview reloads on save), without a trip through Blazor.
        window.dispatchEvent(new CustomEvent('workspaces:file-saved', { detail: { path: doc.path } }));
      } else if (result.Conflict) {
        // Somebody else's change is on disk: never overwrite it silently.
        doc.diskChanged = result.Version ? await ide.files.invoke('ReadFile', doc.path) : null;
        doc.deleted = !result.Version;
        ide.notify(`Not saved: ${result.Message}`, 'error');
      } else {
        ide.notify(`Not saved: ${result.Message}`, 'error');
      }
    } catch (e) {
      ide.notify(`Not saved: ${e.message}`, 'error');
    } finally {
      doc.saving = false;
      ide.tabs.renderTabs();
      ide.tabs.renderBanner();
    }
  }

  async saveAll() {
    for (const [path, doc] of this.ide.docs) {
      if (doc.dirty && !doc.diskChanged) {
        await this.save(path);
      }
    }
  }

  toggleAutoSave() {
    this.autoSave = !this.autoSave;
    localStorage.setItem(AUTO_SAVE_KEY, this.autoSave ? 'on' : 'off');
    this.ide.status.renderAutoSave(this.autoSave, AUTO_SAVE_DELAY_MS);
    if (this.autoSave) this.scheduleAutoSave();
  }

  /** LF ↔ CRLF for the active file: an edit like any other (undo, dirty, saved as it is then). */
  toggleEol() {
    const doc = this.ide.docs.get(this.ide.active);
    if (!doc?.model || doc.readOnly) return;
    const crlf = doc.model.getEOL() === '\r\n';
    doc.model.pushEOL(crlf ? monaco.editor.EndOfLineSequence.LF : monaco.editor.EndOfLineSequence.CRLF);
    this.ide.status.render();
  }

  dispose() {
    this.scheduleAutoSave.cancel();
  }
}
