// Monaco from npm, with every language it ships and its web workers served from our own dist/ (never a CDN).
import * as monaco from 'monaco-editor';

const workers = {
  json: 'json.worker.js',
  css: 'css.worker.js',
  scss: 'css.worker.js',
  less: 'css.worker.js',
  html: 'html.worker.js',
  handlebars: 'html.worker.js',
  razor: 'html.worker.js',
  typescript: 'ts.worker.js',
  javascript: 'ts.worker.js',
};

// The workers sit in dist/ itself. This module is bundled into a shared chunk (dist/chunks/) as soon as another chunk
// imports it too (the language client does), and a worker URL resolved next to the chunk is a 404: the Worker's error
// event then reaches the page as an unhandled rejection of a bare Event.
const here = new URL('.', import.meta.url);
const dist = here.pathname.endsWith('/chunks/') ? new URL('..', here) : here;

self.MonacoEnvironment = {
  getWorker(_moduleId, label) {
    const file = workers[label] ?? 'editor.worker.js';
    return new Worker(new URL(file, dist), { name: label });
  },
};

// The TypeScript service stays off: language servers in the workspace serve JS/TS. Without one, src/languages/fallback.js
// turns it on (and only then is its worker fetched).
const typescript = /** @type {typeof monaco.typescript} */ (monaco.typescript ?? monaco.languages.typescript);
if (typescript) {
  const off = {
    completionItems: false, hovers: false, documentSymbols: false, definitions: false, references: false,
    documentHighlights: false, rename: false, diagnostics: false, documentRangeFormattingEdits: false,
    signatureHelp: false, onTypeFormattingEdits: false, codeActions: false, inlayHints: false,
  };
  for (const defaults of [typescript.typescriptDefaults, typescript.javascriptDefaults]) {
    defaults?.setModeConfiguration?.(off);
    defaults?.setDiagnosticsOptions?.({ noSemanticValidation: true, noSyntaxValidation: true, noSuggestionDiagnostics: true });
  }
}

export { monaco };
