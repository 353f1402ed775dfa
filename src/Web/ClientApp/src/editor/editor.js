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
import { runCommand } from '../workbench/commands.js';
import { preloadMonacoScript, startMonacoScript } from './monaco-script.js';
import { markEditorReady, afterPaint } from '../workbench/startup.js';
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
   */
  constructor(root, options) {
    this.options = options;
    this.root = root;
    this.disposed = false;
    /** @type {Map<string, import('./document.js').Document>} by path */
    this.docs = new Map();
    /** @param {string} name */
    this.host = (name) => /** @type {HTMLElement} */ (root.querySelector(`[data-host="${name}"]`));
    this.stateKey = `workspaces.workbench.${options.user}.${options.workspace}.editor`;
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
    this.git = new Hub(options.gitHub);
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
    // not hold the editor back longer than MONACO_WAIT_MS.
    Promise.race([listed.then(afterPaint), delay(MONACO_WAIT_MS)]).finally(startMonacoScript).catch(() => {});

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
    this.ready.then(() => restored).then(afterPaint).finally(markEditorReady).catch((e) => console.error(e));
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
  // esbuild puts the editor's styles and Monaco's (monaco.css, beside dist/monaco.js) next to this module; load them
  // with it, not on every page, and Monaco's now, while its script loads.
  if (!document.querySelector('link[data-editor-styles]')) {
    for (const file of ['./editor.css', './monaco.css']) {
      document.head.append(el('link', { rel: 'stylesheet', href: new URL(file, import.meta.url).href, 'data-editor-styles': '' }));
    }
  }
  // Monaco's script (4 MB, its compiled code cached by the browser) is fetched while the agent connection and the file
  // tree start; the Ide lets it run once the tree is painted, and editing.js, imported by the Ide, waits for it. A
  // failure shows through the Ide's `ready`.
  preloadMonacoScript();
  const ide = new Ide(typeof root === 'string' ? document.getElementById(root) : root, options);
  return { dispose: () => ide.dispose() };
}
