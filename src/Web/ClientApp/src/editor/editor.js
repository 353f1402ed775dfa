// The workspace editor inside the workbench: the explorer, search and source control views, editor groups around
// Monaco, the Problems panel and the editor's status bar items. Files and Git travel over the agent's hubs (through the
// web app); Blazor only renders the host elements, so file contents never pass through its render loop.
// This module is small on purpose and starts at once: it connects to the agent, lists the files into the tree and reads
// the files the saved layout opens again, while Monaco (most of the editor's script) loads beside it as editing.js: the
// editor groups (tabs.js, group.js), the layout across reloads (layout.js), saving (saving.js), changes on disk
// (conflicts.js), the status bar (status.js), the Problems panel and the commands with their keys (keys.js). File
// operations (fileops.js), the tree (tree.js), search and source control need no Monaco; what they open waits for it.
import { Hub, startEarly } from '../hub.js';
import { FileTree } from './tree.js';
import { SearchPanel, QuickOpen } from './search.js';
import { SourceControlPanel } from './scm.js';
import { FileOperations } from './fileops.js';
import { el } from './util.js';
import { readSavedLayout, savedFilePaths } from './saved-layout.js';
import { runCommand, keyName, commandForKey } from '../workbench/commands.js';
import { preloadMonacoScript, startMonacoScript } from './monaco-script.js';
import { markEditorReady, afterPaint, afterEditorReady } from '../workbench/startup.js';
import { readFrame, drawFrame, moveFrameContent, saveFrame, showUnsaved } from './early-frame.js';
import './editor.css';

/**
 * @typedef {{ user: string, workspace: string, filesHub: string, gitHub: string, downloadUrl: string,
 *   workspaceName?: string, languagesHub?: string }} EditorOptions
 */

/** How long Monaco's script waits for the file tree's first listing at most (ms). */
const MONACO_WAIT_MS = 1000;

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long a connection started by the page's shell (connectEarly) waits for the editor to take it over (ms). */
const EARLY_TAKE_OVER_MS = 15000;

/** How long the page may show without the workbench before the editor started early goes (s, see startEditorEarly). */
const EARLY_ORPHAN_S = 5;

/** Connections started by the page's shell before the editor mounts, by URL: each is taken over once. */
const early = new Map();

/**
 * Starts the connection to the agent's files hub as soon as the page's shell is there, before Blazor's circuit renders
 * the editor (about 0.3 s later): the file list and the saved tabs' text are asked for over a connection that is open
 * by then. It is the same request the editor makes, authorized by the web app; one that the editor does not take over
 * in time (the page shows no editor: the workspace is stopped) is closed.
 * @param {string} url the files hub's address, as the editor's options will have it
 */
export function connectEarly(url) {
  if (early.has(url)) return;
  const connection = startEarly(url);
  early.set(url, connection);
  setTimeout(() => {
    if (early.get(url) !== connection) return;
    early.delete(url);
    connection.started.finally(() => connection.connection.stop()).catch(() => {});
  }, EARLY_TAKE_OVER_MS);
}

/** @type {{ ide: Ide, frame: ReturnType<typeof drawFrame> } | null} the editor started by the page's shell, until adopted */
let earlyEditor = null;

/**
 * Starts the editor itself from the page's shell, before Blazor's circuit is up, when this user has a saved layout for
 * the workspace and the workbench's frame from the last visit fits this window (early-frame.js); otherwise only the
 * files hub's connection (connectEarly). The editor lives in the frame until the workbench mounts it (mount adopts it);
 * its frame shows once the agent accepted the connection (the same request through the web app as the editor's), and
 * goes away with the editor if the agent refuses it (a stopped workspace, no access).
 * @param {EditorOptions} options
 */
export function startEditorEarly(options) {
  connectEarly(options.filesHub);
  if (earlyEditor || document.getElementById('workbench')?.querySelector('[data-host="editors"]')?.childElementCount) {
    startCircuit();
    return;
  }
  const saved = readFrame(options.user, options.workspace);
  if (!saved || savedFilePaths(readSavedLayout(editorStateKey(options))).length === 0) {
    startCircuit();
    return;
  }
  const started = early.get(options.filesHub)?.started;
  if (!started) {
    startCircuit();
    return;
  }
  const frame = drawFrame(saved);
  loadEditorStyles();
  preloadMonacoScript();
  const ide = new Ide(frame.root, options, true);
  // The editor's keys (Ctrl+S, Ctrl+P…) until the workbench, which runs them from anywhere on the page, is there.
  const keys = (/** @type {KeyboardEvent} */ e) => {
    const name = keyName(e);
    const command = name && frame.root.contains(/** @type {Node} */ (e.target)) ? commandForKey(name) : null;
    if (!command) return;
    e.preventDefault();
    // The workbench's own key handler, on the same node, may be there already: the command runs once.
    e.stopImmediatePropagation();
    command.run();
  };
  document.addEventListener('keydown', keys, true);
  // Someone who went into the editor before the circuit keeps the focus when Blazor renders the page (Routes.razor's
  // FocusOnNavigate skips the heading then); the mark goes with the editor (dispose).
  frame.root.addEventListener('focusin', () => { document.documentElement.dataset.earlyEditorFocus = ''; });
  const removeFrame = () => {
    document.removeEventListener('keydown', keys, true);
    frame.remove();
  };
  earlyEditor = { ide, frame: { ...frame, remove: removeFrame } };
  const discard = () => {
    startCircuit();
    if (earlyEditor?.ide !== ide) return;
    earlyEditor = null;
    ide.dispose();
    removeFrame();
  };
  started.then(() => { if (earlyEditor?.ide === ide) frame.show(); }, discard);
  // A page that never mounts the editor (Blazor rendered the start screen, or the page without the workbench for
  // EARLY_ORPHAN_S seconds: the workspace stopped meanwhile) does not keep the frame over it: what was typed is saved
  // first (through the same version-checked save), then the frame goes. A circuit that is slow to come only leaves the
  // editor in its frame.
  let orphaned = 0;
  const watch = setInterval(() => {
    if (earlyEditor?.ide !== ide) {
      clearInterval(watch);
      return;
    }
    const workbench = document.getElementById('workbench');
    orphaned = document.querySelector('main') && !workbench ? orphaned + 1 : 0;
    if (orphaned < EARLY_ORPHAN_S && !(document.querySelector('.start-screen') && !workbench)) return;
    clearInterval(watch);
    Promise.resolve(ide.saving?.saveAll()).catch((e) => console.warn(e)).finally(() => {
      // A save that failed (the workspace stopped, the file changed on disk) keeps the editor and its text on screen.
      if ([...ide.docs.values()].some((d) => d.dirty)) {
        startCircuit();
        showUnsaved(frame, discard);
      } else {
        discard();
      }
    });
  }, 1000);
}

/** Where this browser keeps the editor's layout (open tabs, cursors) for a user and workspace. @param {EditorOptions} options */
const editorStateKey = (options) => `workspaces.workbench.${options.user}.${options.workspace}.editor`;

/**
 * Lets Blazor's circuit start: on a return visit the page's shell holds it back until the editor it started accepts
 * typing (App.razor, EarlyAgentConnection.razor), or that editor did not start. Harmless otherwise.
 */
function startCircuit() {
  /** @type {any} */ (globalThis).workspacesStartCircuit?.();
}

/** The shell's early connection to <paramref name="url"/>, once (then undefined). @param {string} url */
function takeEarly(url) {
  const connection = early.get(url);
  early.delete(url);
  return connection;
}

export class Ide {
  /**
   * @param {HTMLElement} root
   * @param {EditorOptions} options
   * @param {boolean} [early] started from the page's shell, before Blazor's circuit (startEditorEarly)
   */
  constructor(root, options, early = false) {
    this.options = options;
    this.root = root;
    this.disposed = false;
    /** @type {Map<string, import('./document.js').Document>} by path */
    this.docs = new Map();
    /** @param {string} name */
    this.host = (name) => /** @type {HTMLElement} */ (root.querySelector(`[data-host="${name}"]`));
    this.stateKey = editorStateKey(options);
    /** What the status bar says about the connection, kept for the status bar that comes with editing.js. */
    this.connection = { text: '', detail: /** @type {string | undefined} */ (undefined) };
    // Set by editing.js (attachEditing) once Monaco is there.
    /** @type {import('./saving.js').Saving | undefined} */ this.saving = undefined;
    /** @type {import('./conflicts.js').Conflicts | undefined} */ this.conflicts = undefined;
    /** @type {import('./layout.js').Layout | undefined} */ this.layout = undefined;
    /** @type {import('./status.js').StatusBar | undefined} */ this.status = undefined;
    /** @type {import('./tabs.js').Tabs | undefined} */ this.tabs = undefined;
    /** @type {import('./problems.js').ProblemsPanel | undefined} */ this.problems = undefined;
    /** @type {[string, (e: any) => void][]} window listeners, added with the editor */
    this.listeners = [];
    this.unregister = () => {};

    this.files = new Hub(options.filesHub, (state, detail) => this.setConnection(state, detail), takeEarly(options.filesHub));
    // Its failures show where they happen (the source control view); a dropped connection is the file hub's to say.
    // It connects once the editor accepts typing: its upgrade through the web app would otherwise delay the files
    // hub's, and the tree and the restored tabs wait for that.
    this.git = new Hub(options.gitHub, undefined, undefined, afterEditorReady());
    this.files.on('FilesChanged', (changes) => this.conflicts?.onFilesChanged(changes));
    /** The layout to restore, read once: its files are read now, its tabs opened when Monaco is there. */
    this.savedLayout = readSavedLayout(this.stateKey);
    this.reads = readSavedTabs(this.files, this.savedLayout);

    this.fileOps = new FileOperations(this, root);
    this.tree = new FileTree(this, this.fileOps.buildExplorer(this.host('explorer')));
    this.search = new SearchPanel(this, this.host('search'));
    this.quickOpen = new QuickOpen(this, root);
    this.scm = new SourceControlPanel(this, this.host('scm'));
    const listed = this.tree.load(this.tree.root);
    listed.catch((e) => this.notify(e.message, 'error'));
    // Monaco's script (preloaded by mount) runs once the tree's first listing is painted: its evaluation holds the main
    // thread for a while (0.15-0.3 s), and the agent's answers would queue behind it. An agent that answers late does
    // not hold the editor back longer than MONACO_WAIT_MS. Started from the page's shell (startEditorEarly), the editor
    // lets it run at once: the main thread is idle then, while the agent's connection opens and Blazor's circuit starts.
    if (early) startMonacoScript();
    else Promise.race([listed.then(afterPaint), delay(MONACO_WAIT_MS)]).finally(startMonacoScript).catch(() => {});

    /** @type {Promise<unknown>} the saved layout's tabs opened again */
    let restored = Promise.resolve();
    /** Settles once the editor (Monaco and the parts around it) is attached. */
    this.ready = import('./editing.js').then((m) => {
      if (!this.disposed) restored = m.attachEditing(this);
    });
    this.ready.catch((e) => {
      console.error(e);
      this.host('editors')?.append(el('p', { class: 'ide-placeholder', role: 'alert' },
        `The editor could not load (${e.message}). The file tree works; reload the page to try the editor again.`));
    });
    // Once the restored tabs are painted the editor accepts typing; the terminals' connection and the language client
    // start after that (workbench/startup.js). A failure says so above and lets them start as well.
    this.ready.then(() => restored).then(afterPaint).finally(() => {
      markEditorReady();
      startCircuit();
      this.rememberFrame();
    }).catch((e) => console.error(e));
  }

  /** Where the workbench is, for the next visit's early editor (early-frame.js); not while the editor is in the frame. */
  rememberFrame() {
    if (!this.disposed && this.root.id === 'workbench') saveFrame(this.root, this.options.user, this.options.workspace);
  }

  /**
   * Moves the editor started by the page's shell (in its frame) into the workbench <paramref name="root"/> that Blazor
   * rendered: the same tree, groups, models and undo stacks, so that nothing typed before is lost.
   * @param {HTMLElement} root @param {EditorOptions} options
   */
  adopt(root, options) {
    const from = this.root;
    const refocus = moveFrameContent(from, root);
    this.root = root;
    this.host = (name) => /** @type {HTMLElement} */ (root.querySelector(`[data-host="${name}"]`));
    this.options = options;
    if (this.tabs) this.tabs.area = this.host('editors');
    const title = this.host('explorer')?.querySelector('.pane-title');
    if (title && options.workspaceName) title.textContent = options.workspaceName;
    from.remove();
    refocus();
    performance.mark('workspaces:editor-adopted');
    if (document.documentElement.dataset.editorReady === 'true') this.rememberFrame();
  }

  /** The active group's tab: a path, 'diff:…' or 'preview:…' (null until the editor is there). */
  get active() {
    return this.tabs?.active ?? null;
  }

  /** The active group's Monaco editor. */
  get editor() {
    return this.tabs?.activeGroup.editor;
  }

  /** Opens a file in a tab (see Tabs.open), once the editor is there. */
  async open(path, position = null, options = {}) {
    await this.ready;
    return this.tabs?.open(path, position, options);
  }

  /**
   * The agent's answer to the read of <paramref name="path"/> started while the editor loaded, once (then null).
   * @param {string} path
   */
  takeRead(path) {
    const read = this.reads.get(path) ?? null;
    this.reads.delete(path);
    return read;
  }

  notify(text, kind = 'info') {
    if (this.status) this.status.notify(text, kind);
    else this.ready.then(() => this.status?.notify(text, kind), () => console.warn(text));
  }

  showView(name) {
    runCommand(`workbench.view.${name}`);
  }

  /** @param {import('../hub.js').HubState} state @param {import('../hub.js').HubStateDetail} detail */
  setConnection(state, { error }) {
    this.connection = { text: state === 'connected' ? '' : 'Reconnecting to the workspace…', detail: error?.message };
    this.status?.setConnection(this.connection.text, this.connection.detail);
    if (state === 'connected') {
      // Anything may have changed while we were away.
      this.tree?.refresh(null);
      for (const doc of this.docs.values()) {
        this.conflicts?.checkDisk(doc);
      }
    }
  }

  dispose() {
    this.disposed = true;
    delete document.documentElement.dataset.earlyEditorFocus;
    this.layout?.dispose();
    for (const [name, handler] of this.listeners) window.removeEventListener(name, handler);
    this.unregister();
    this.saving?.dispose();
    this.scm.dispose();
    this.problems?.dispose();
    this.status?.dispose();
    this.fileOps.dispose();
    for (const doc of this.docs.values()) doc.model?.dispose();
    this.tabs?.dispose();
    this.files.dispose();
    this.git.dispose();
  }
}

/**
 * Starts reading the files that the saved layout opens again, so their text is on its way while Monaco loads:
 * path → the agent's answer.
 * @param {Hub} files
 * @param {any} saved
 */
function readSavedTabs(files, saved) {
  /** @type {Map<string, Promise<any>>} */
  const reads = new Map();
  for (const path of savedFilePaths(saved)) {
    const read = files.invoke('ReadFile', path);
    // Its failure is the restore's to handle (a file deleted since does not come back).
    read.catch(() => {});
    reads.set(path, read);
  }
  return reads;
}

/**
 * Mounts the editor into the workbench <paramref name="root"/> (its hosts are `[data-host=…]` elements: explorer,
 * search, scm, editors, problems, status-left, status-right); Blazor calls dispose() when the page goes away.
 * @param {string | HTMLElement} root the element or its id
 * @param {EditorOptions} options
 */
export function mount(root, options) {
  const element = typeof root === 'string' ? document.getElementById(root) : root;
  const started = earlyEditor;
  earlyEditor = null;
  if (started && started.ide.options.user === options.user && started.ide.options.workspace === options.workspace) {
    started.ide.adopt(element, options);
    started.frame.remove();
    return { dispose: () => started.ide.dispose() };
  }
  if (started) {
    // Another workspace's page: what was typed into the early editor is saved before it goes.
    started.frame.remove();
    Promise.resolve(started.ide.saving?.saveAll()).catch((e) => console.warn(e)).finally(() => started.ide.dispose());
  }
  loadEditorStyles();
  // Monaco's script (4 MB, its compiled code cached by the browser) is fetched while the agent connection and the file
  // tree start; the Ide lets it run once the tree is painted, and editing.js, imported by the Ide, waits for it. A
  // failure shows through the Ide's `ready`.
  preloadMonacoScript();
  const ide = new Ide(element, options);
  return { dispose: () => ide.dispose() };
}

/**
 * esbuild puts the editor's styles and Monaco's (monaco.css, beside dist/monaco.js) next to this module; they load with
 * it, not on every page, and Monaco's now, while its script loads.
 */
function loadEditorStyles() {
  if (document.querySelector('link[data-editor-styles]')) return;
  for (const file of ['./editor.css', './monaco.css']) {
    document.head.append(el('link', { rel: 'stylesheet', href: new URL(file, import.meta.url).href, 'data-editor-styles': '' }));
  }
}
