// The editor's one hook into language intelligence: called when a model is created. The client (and its libraries)
// is a chunk of its own, fetched the first time a file of a language opens, never for the first paint, and started
// only once the editor accepts typing (workbench/startup.js): its chunk, its hub connection and the server's first
// answers would otherwise share the main thread with the editor's start. A model opened before that waits for it.
import { afterEditorReady } from '../workbench/startup.js';

let languages = null;

/**
 * Connects a model to its language's server in the workspace (through the agent's language hub).
 * @param {import('../editor/editor.js').Ide} ide
 */
export function languageModelOpened(ide, model) {
  if (model.getLanguageId() === 'plaintext') return;
  languages ??= afterEditorReady().then(() => import('./client.js')).then((m) => m.createLanguages(ide));
  languages.then((l) => l.open(model)).catch((e) => {
    window.dispatchEvent(new CustomEvent('workspaces:output', { detail: { channel: 'Language servers', text: `Language features are off: ${e.message}` } }));
  });
}
