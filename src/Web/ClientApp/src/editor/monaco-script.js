// Loads dist/monaco.js, Monaco as one classic script (see monaco-bundle.js for why), once per page, in two steps so
// that the file tree is on screen before Monaco takes the main thread: editor.js preloads the script as soon as the
// page mounts the editor (the browser fetches it and decodes its cached code off the main thread while the agent
// connection and the file tree start), and lets it run once the tree's first listing is painted (startMonacoScript);
// monaco.js waits for it. By its fingerprinted URL from the page's import map (served immutable, so a warm visit takes
// it and its compiled code from the cache). Monaco's web workers are served from our own dist/ too.

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
let preloaded = false;
/** @type {(value?: unknown) => void} */
let release = () => {};
const released = new Promise((resolve) => { release = resolve; });

/** The script's URL: the import map maps dist/monaco.js to its fingerprinted URL; a page without the map gets the plain one. */
const scriptUrl = () => import.meta.resolve(new URL('monaco.js', dist).href);

/** Fetches dist/monaco.js (with its cached code) without running it; loadMonacoScript runs it. */
export function preloadMonacoScript() {
  if (preloaded || /** @type {any} */ (globalThis).WorkspacesMonaco) return;
  preloaded = true;
  const link = document.createElement('link');
  link.rel = 'preload';
  link.as = 'script';
  link.href = scriptUrl();
  document.head.append(link);
}

/** Lets dist/monaco.js run: editor.js calls it once the file tree is painted (or after a bound, see editor.js). */
export function startMonacoScript() {
  release();
}

/** Monaco's API and the TypeScript mode's setup, once dist/monaco.js has run (after startMonacoScript). */
export function loadMonacoScript() {
  loading ??= released.then(load);
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
  const url = scriptUrl();
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
