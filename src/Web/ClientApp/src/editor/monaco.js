// Monaco from npm, with every language it ships and its web workers served from our own dist/ (never a CDN). Monaco
// itself is dist/monaco.js, a classic script (see monaco-bundle.js for why): this module loads it once, by its
// fingerprinted URL from the page's import map (served immutable, so a warm visit takes it and its compiled code from
// the cache), and hands its API to the modules that import this one.

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

// The workers and monaco.js sit in dist/ itself. This module is bundled into a shared chunk (dist/chunks/) as soon as
// another chunk imports it too (the language client does), and a URL resolved next to the chunk is a 404: the Worker's
// error event then reaches the page as an unhandled rejection of a bare Event.
const here = new URL('.', import.meta.url);
const dist = here.pathname.endsWith('/chunks/') ? new URL('..', here) : here;

self.MonacoEnvironment = {
  getWorker(_moduleId, label) {
    const file = workers[label] ?? 'editor.worker.js';
    return new Worker(new URL(file, dist), { name: label });
  },
};

/** @typedef {{ monaco: typeof import('monaco-editor'), setupTypeScript: Function, setupJavaScript: Function }} MonacoBundle */

/** @returns {Promise<MonacoBundle>} */
function loadMonaco() {
  const loaded = /** @type {any} */ (globalThis).WorkspacesMonaco;
  if (loaded) return Promise.resolve(loaded);
  // The import map maps dist/monaco.js to its fingerprinted URL; without one (no map) the plain URL still works.
  const url = import.meta.resolve(new URL('monaco.js', dist).href);
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = url;
    script.onload = () => {
      const bundle = /** @type {any} */ (globalThis).WorkspacesMonaco;
      if (bundle) resolve(bundle);
      else reject(new Error(`${url} loaded but did not define the editor`));
    };
    script.onerror = () => reject(new Error(`the editor's script ${url} did not load`));
    document.head.append(script);
  });
}

const bundle = await loadMonaco();

/** @type {typeof import('monaco-editor')} */
export const monaco = bundle.monaco;

/** The TypeScript mode's setup, for src/languages/fallback.js (one copy of Monaco: the one in dist/monaco.js). */
export const { setupTypeScript, setupJavaScript } = bundle;

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
