// An open file: its content as last read, its Monaco model (text only) and where it stands against the disk. Documents
// belong to the Ide (ide.docs, by path) and may show in both editor groups at once.
import { monaco } from './monaco.js';
import { imageType } from './util.js';
import { languageModelOpened } from '../languages/loader.js';

export class Document {
  /** @param {string} path */
  constructor(path) {
    this.path = path;
    /** @type {'loading' | 'text' | 'image' | 'binary' | 'too-large'} */
    this.kind = 'loading';
    this.content = null;
    /** @type {import('monaco-editor').editor.ITextModel | null} */
    this.model = null;
    this.version = null;
    this.savedAltId = 0;
    this.saving = false;
    this.diskChanged = null; // the disk's FileContent while it differs from a dirty editor
    this.deleted = false;
    /** @type {string | null} why the file on disk cannot be read now (it exists: not found is `deleted`) */
    this.unreadable = null;
  }

  get dirty() {
    return this.model !== null && !this.readOnly && this.model.getAlternativeVersionId() !== this.savedAltId;
  }

  get readOnly() {
    return this.content?.ReadOnly ?? true;
  }
}

/** Monaco's line-ending setting for a FileContent's LineEnding (or a model's EOL string). */
export const eolSequence = (lineEnding) => (lineEnding === 'CRLF' || lineEnding === '\r\n'
  ? monaco.editor.EndOfLineSequence.CRLF
  : monaco.editor.EndOfLineSequence.LF);

/** The model's URI for a path of the checkout (language servers know files by it). */
export const modelUri = (path) => monaco.Uri.from({ scheme: 'file', path: '/' + path });

/**
 * Reads the file into the document: text gets a Monaco model (its edits mark the tabs dirty and schedule auto save),
 * anything else a kind the group shows as an image or a message.
 * @param {import('./editor.js').Ide} ide
 * @param {Document} doc
 */
export async function loadDocument(ide, doc) {
  const content = await (ide.takeRead(doc.path) ?? ide.files.invoke('ReadFile', doc.path));
  doc.content = content;
  doc.version = content.Version;
  if (content.Kind === 'Text') {
    doc.kind = 'text';
    const uri = modelUri(doc.path);
    monaco.editor.getModel(uri)?.dispose();
    doc.model = monaco.editor.createModel(content.Text, undefined, uri);
    doc.model.setEOL(eolSequence(content.LineEnding));
    doc.savedAltId = doc.model.getAlternativeVersionId();
    watchModel(ide, doc);
  } else {
    doc.kind = content.Kind === 'Binary' && imageType(doc.path) ? 'image' : content.Kind === 'Binary' ? 'binary' : 'too-large';
  }
}

/**
 * Dirty markers and auto save follow the model's edits.
 * @param {import('./editor.js').Ide} ide
 * @param {Document} doc
 */
export function watchModel(ide, doc) {
  languageModelOpened(ide, doc.model);
  doc.model.onDidChangeContent(() => {
    ide.tabs.renderTabs();
    if (doc.dirty) ide.saving.changed();
  });
}
