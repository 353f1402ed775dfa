// Loads dist/monaco.js, Monaco as one classic script (see monaco-bundle.js for why), once per page: editor.js starts
// it as soon as the page mounts the editor, so the script comes from the cache while the agent connection and the file
// tree start; monaco.js waits for it. By its fingerprinted URL from the page's import map (served immutable, so a warm
// visit takes it and its compiled code from the cache). Monaco's web workers are served from our own dist/ too.

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

// The workers and monaco.js sit in dist/ itself. This module is bundled into a shared chunk (dist/chunks/) when more
// than one entry imports it, and a URL resolved next to the chunk is a 404: the Worker's error event then reaches the
// page as an unhandled rejection of a bare Event.
const here = new URL('.', import.meta.url);
const dist = here.pathname.endsWith('/chunks/') ? new URL('..', here) : here;

/** @typedef {{ monaco: typeof import('monaco-editor'), setupTypeScript: Function, setupJavaScript: Function }} MonacoBundle */

/** @type {Promise<MonacoBundle> | undefined} */
let loading;

/** Monaco's API and the TypeScript mode's setup, once dist/monaco.js has run. */
export function loadMonacoScript() {
  loading ??= load();
  return loading;
}

/** @returns {Promise<MonacoBundle>} */
function load() {
  self.MonacoEnvironment = {
    getWorker(_moduleId, label) {
      const file = workers[label] ?? 'editor.worker.js';
      return new Worker(new URL(file, dist), { name: label });
    },
  };
  const loaded = /** @type {any} */ (globalThis).WorkspacesMonaco;
  if (loaded) return Promise.resolve(loaded);
  // The import map maps dist/monaco.js to its fingerprinted URL; a page without the map gets the plain URL.
  const url = import.meta.resolve(new URL('monaco.js', dist).href);
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = url;
    script.onload = () => {
      const bundle = /** @type {any} */ (globalThis).WorkspacesMonaco;
      if (bundle) resolve(bundle);
      else reject(new Error(`${url} ran but did not define the editor`));
    };
    script.onerror = () => reject(new Error(`the editor's script ${url} did not load`));
    document.head.append(script);
  });
}
