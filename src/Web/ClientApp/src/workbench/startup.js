// The workspace page's loading order: the editor first, then what can wait. The editor (editor.js) says when it accepts
// typing (its restored tabs are open and painted); the terminals' connection and the language client start after that,
// when the main thread is idle, so that their handshakes, the terminals' restored output and the language client's
// start do not queue on the one main thread in front of the editor. Each bundle is its own esbuild entry, so they meet
// through the document (an attribute, and an event for whoever waits), not through a module instance.
const READY_EVENT = 'workspaces:editor-ready';

// A page whose editor never says it is ready (its script failed, or it is still loading on a very slow machine) does
// not keep the terminals waiting longer than this.
const READY_TIMEOUT_MS = 4000;
// Idle time after the editor is ready, at most this long: the editor's first frames and the first keystrokes go first.
const IDLE_TIMEOUT_MS = 500;

/** The editor accepts typing (or gave up loading): what waits for it may start. Once per page. */
export function markEditorReady() {
  const root = document.documentElement;
  if (root.dataset.editorReady === 'true') return;
  root.dataset.editorReady = 'true';
  window.dispatchEvent(new Event(READY_EVENT));
}

/** Settles when the editor accepts typing and the main thread is idle (each with a bound, so it always settles). */
export function afterEditorReady() {
  return new Promise((resolve) => {
    const idle = () => {
      if ('requestIdleCallback' in window) requestIdleCallback(() => resolve(undefined), { timeout: IDLE_TIMEOUT_MS });
      else setTimeout(resolve, 0);
    };
    // A page without an editor has nothing to wait for.
    if (document.documentElement.dataset.editorReady === 'true' || !document.querySelector('[data-host="editors"]')) {
      idle();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      window.removeEventListener(READY_EVENT, done);
      idle();
    };
    const timer = setTimeout(done, READY_TIMEOUT_MS);
    window.addEventListener(READY_EVENT, done);
  });
}

/** Settles after the browser has painted the current frame (two animation frames: the one that paints, then the next). */
export function afterPaint() {
  return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(undefined))));
}
