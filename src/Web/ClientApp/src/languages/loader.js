// The editor's one hook into language intelligence: called when a model is created. The client (and its libraries)
// is a chunk of its own, fetched the first time a file of a language opens, never for the first paint.
let languages = null;

/**
 * Connects a model to its language's server in the workspace (through the agent's language hub).
 * @param {import('../editor/editor.js').Ide} ide
 */
export function languageModelOpened(ide, model) {
  if (model.getLanguageId() === 'plaintext') return;
  languages ??= import('./client.js').then((m) => m.createLanguages(ide));
  languages.then((l) => l.open(model)).catch((e) => {
    window.dispatchEvent(new CustomEvent('workspaces:output', { detail: { channel: 'Language servers', text: `Language features are off: ${e.message}` } }));
  });
}
