// The workspace editor inside the workbench: the explorer, search and source control views, editor groups around
// Monaco, the Problems panel and the editor's status bar items. Files and Git travel over the agent's hubs (through the
// web app); Blazor only renders the host elements, so file contents never pass through its render loop.
// The Ide holds the parts together; each part is a module: tabs and groups (tabs.js, group.js), the layout across
// reloads (layout.js), saving (saving.js), changes on disk (conflicts.js), the status bar (status.js), file operations
// (fileops.js) and the commands with their keys (keys.js).
import { monaco } from './monaco.js';
import { Hub } from '../hub.js';
import { FileTree } from './tree.js';
import { SearchPanel, QuickOpen } from './search.js';
import { SourceControlPanel } from './scm.js';
import { StatusBar } from './status.js';
import { ProblemsPanel } from './problems.js';
import { FileOperations } from './fileops.js';
import { Tabs } from './tabs.js';
import { Layout } from './layout.js';
import { Saving, AUTO_SAVE_DELAY_MS } from './saving.js';
import { Conflicts } from './conflicts.js';
import { editorCommands } from './keys.js';
import { el } from './util.js';
import { registerCommands, runCommand } from '../workbench/commands.js';
import './editor.css';

/**
 * @typedef {{ user: string, workspace: string, filesHub: string, gitHub: string, downloadUrl: string,
 *   workspaceName?: string, languagesHub?: string }} EditorOptions
 */

export class Ide {
  /**
   * @param {HTMLElement} root
   * @param {EditorOptions} options
   */
  constructor(root, options) {
    this.options = options;
    this.root = root;
    /** @type {Map<string, import('./document.js').Document>} by path */
    this.docs = new Map();
    const host = (name) => /** @type {HTMLElement} */ (root.querySelector(`[data-host="${name}"]`));

    this.saving = new Saving(this);
    this.conflicts = new Conflicts(this);
    this.layout = new Layout(this, `workspaces.workbench.${options.user}.${options.workspace}.editor`);
    this.status = new StatusBar(this, host('status-left'), host('status-right'));
    this.status.renderAutoSave(this.saving.autoSave, AUTO_SAVE_DELAY_MS);
    this.tabs = new Tabs(this, host('editors'));
    this.applyTheme();

    this.files = new Hub(options.filesHub, (state, detail) => this.setConnection(state, detail));
    // Its failures show where they happen (the source control view); a dropped connection is the file hub's to say.
    this.git = new Hub(options.gitHub);
    this.files.on('FilesChanged', (changes) => this.conflicts.onFilesChanged(changes));

    this.fileOps = new FileOperations(this, root);
    this.tree = new FileTree(this, this.fileOps.buildExplorer(host('explorer')));
    this.search = new SearchPanel(this, host('search'));
    this.quickOpen = new QuickOpen(this, root);
    this.scm = new SourceControlPanel(this, host('scm'));
    this.problems = new ProblemsPanel(this, host('problems'));
    this.tree.load(this.tree.root).catch((e) => this.notify(e.message, 'error'));
    this.scm.refresh();

    /** @type {[string, (e: any) => void][]} */
    this.listeners = [
      ['beforeunload', (e) => {
        this.layout.save();
        if ([...this.docs.values()].some((d) => d.dirty)) {
          e.preventDefault();
          e.returnValue = '';
        }
      }],
      ['workspaces:theme', () => this.applyTheme()],
      ['workspaces:open-preview', (e) => this.tabs.openPreview(e.detail.url)],
      ['workspaces:file-saved', () => { for (const p of this.tabs.previews.values()) p.savedFile(); }],
      ['workspaces:view-shown', (e) => {
        if (e.detail.view === 'search') this.search.focus();
        if (e.detail.view === 'scm') this.scm.refresh();
      }],
    ];
    for (const [name, handler] of this.listeners) window.addEventListener(name, handler);
    this.unregister = registerCommands(editorCommands(this));
    this.layout.restore();
  }

  /** The active group's tab: a path, 'diff:…' or 'preview:…'. */
  get active() {
    return this.tabs.active;
  }

  /** The active group's Monaco editor. */
  get editor() {
    return this.tabs.activeGroup.editor;
  }

  /** Opens a file in a tab (see Tabs.open). */
  open(path, position = null, options = {}) {
    return this.tabs.open(path, position, options);
  }

  notify(text, kind = 'info') {
    this.status.notify(text, kind);
  }

  applyTheme() {
    monaco.editor.setTheme(document.documentElement.dataset.theme === 'dark' ? 'vs-dark' : 'vs');
  }

  showView(name) {
    runCommand(`workbench.view.${name}`);
  }

  /** @param {import('../hub.js').HubState} state @param {import('../hub.js').HubStateDetail} detail */
  setConnection(state, { error }) {
    this.status.setConnection(state === 'connected' ? '' : 'Reconnecting to the workspace…', error?.message);
    if (state === 'connected') {
      // Anything may have changed while we were away.
      this.tree?.refresh(null);
      for (const doc of this.docs.values()) {
        this.conflicts.checkDisk(doc);
      }
    }
  }

  dispose() {
    this.layout.dispose();
    for (const [name, handler] of this.listeners) window.removeEventListener(name, handler);
    this.unregister();
    this.saving.dispose();
    this.scm.dispose();
    this.problems.dispose();
    this.status.dispose();
    this.fileOps.dispose();
    for (const doc of this.docs.values()) doc.model?.dispose();
    this.tabs.dispose();
    this.files.dispose();
    this.git.dispose();
  }
}

/**
 * Mounts the editor into the workbench <paramref name="root"/> (its hosts are `[data-host=…]` elements: explorer,
 * search, scm, editors, problems, status-left, status-right); Blazor calls dispose() when the page goes away.
 * @param {string | HTMLElement} root the element or its id
 * @param {EditorOptions} options
 */
export function mount(root, options) {
  // esbuild puts the editor's styles (and Monaco's) next to this module; load them with it, not on every page.
  if (!document.querySelector('link[data-editor-styles]')) {
    document.head.append(el('link', { rel: 'stylesheet', href: new URL('./editor.css', import.meta.url).href, 'data-editor-styles': '' }));
  }
  const ide = new Ide(typeof root === 'string' ? document.getElementById(root) : root, options);
  return { dispose: () => ide.dispose() };
}
