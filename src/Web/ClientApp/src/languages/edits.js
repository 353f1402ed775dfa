// Edits a language server asks for (rename, code actions, commands) reach files only through the editor's own save
// path: an open file is edited in its model and saved by the editor; any other file is read, edited and saved with
// the version it was read at, so a change made meanwhile by someone else is refused, never overwritten.
import { monaco } from '../editor/monaco.js';
import { toRange } from 'monaco-languageserver-types';
import { pathOf } from './uris.js';

function byUri(edit) {
  const files = new Map();
  const add = (uri, edits) => files.set(uri, [...(files.get(uri) ?? []), ...edits]);
  const unsupported = [];
  for (const change of edit.documentChanges ?? []) {
    if (change.kind) unsupported.push(`${change.kind} ${change.uri ?? change.newUri}`);
    else add(change.textDocument.uri, change.edits);
  }
  for (const [uri, edits] of Object.entries(edit.changes ?? {})) add(uri, edits);
  return { files, unsupported };
}

export function editTouchesOnly(edit, uri) {
  const { files, unsupported } = byUri(edit);
  return unsupported.length === 0 && [...files.keys()].every((u) => u === uri);
}

function operations(edits) {
  return edits.map((e) => ({ range: toRange(e.range), text: e.newText, forceMoveMarkers: true }));
}

/**
 * Applies a WorkspaceEdit; resolves to LSP's ApplyWorkspaceEditResult. `save` saves open files too (rename).
 * @param {import('../editor/editor.js').Ide} ide
 */
export async function applyWorkspaceEdit(ide, edit, label = 'Edit', { save = true } = {}) {
  const { files, unsupported } = byUri(edit);
  const failures = [...unsupported.map((u) => `not applied: ${u} (file operations are not supported)`)];
  for (const [uri, edits] of files) {
    const path = pathOf(uri);
    if (path === null) {
      failures.push(`${uri} is outside the workspace`);
      continue;
    }
    const doc = ide.docs.get(path);
    if (doc?.model) {
      if (doc.readOnly) {
        failures.push(`${path} is read-only`);
        continue;
      }
      doc.model.pushEditOperations([], operations(edits), () => null);
      if (save) await ide.saving.save(path);
      if (doc.dirty && save) failures.push(`${path} was changed but not saved`);
      continue;
    }
    try {
      const content = await ide.files.invoke('ReadFile', path);
      if (content.Kind !== 'Text' || content.ReadOnly) {
        failures.push(`${path} cannot be edited here`);
        continue;
      }
      const scratch = monaco.editor.createModel(content.Text);
      scratch.pushEditOperations([], operations(edits), () => null);
      const text = scratch.getValue();
      scratch.dispose();
      const result = await ide.files.invoke('SaveFile', { Path: path, Text: text, ExpectedVersion: content.Version, Encoding: content.Encoding, Bom: content.Bom });
      if (result.Saved) {
        window.dispatchEvent(new CustomEvent('workspaces:file-saved', { detail: { path } }));
      } else {
        failures.push(`${path}: ${result.Message}`);
      }
    } catch (e) {
      failures.push(`${path}: ${e.message}`);
    }
  }
  const changed = files.size - failures.length;
  if (failures.length) {
    ide.notify(`${label}: ${failures.join('; ')}`, 'error');
  } else {
    ide.notify(`${label}: ${files.size} file${files.size === 1 ? '' : 's'} changed and saved`);
  }
  return { applied: failures.length === 0 && changed >= 0, failureReason: failures.join('; ') || undefined };
}
