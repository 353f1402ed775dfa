// The editor's half that needs Monaco: the editor groups and their tabs, the layout across reloads, saving, changes on
// disk, the status bar items, the Problems panel and the editor's commands. An entry of its own (dist/editing.js; its
// styles are in editor.css), imported by editor.js as soon as the page mounts the editor: the browser fetches, compiles
// and runs Monaco while editor.js connects to the agent and fills the file tree, and the restored tabs get the text
// editor.js read meanwhile.
import { monaco } from './monaco.js';
import { StatusBar } from './status.js';
import { ProblemsPanel } from './problems.js';
import { Tabs } from './tabs.js';
import { Layout } from './layout.js';
import { Saving, AUTO_SAVE_DELAY_MS } from './saving.js';
import { Conflicts } from './conflicts.js';
import { editorCommands } from './keys.js';
import { registerCommands } from '../workbench/commands.js';

/**
 * Gives the Ide its editor: Monaco's groups in the workbench's editors host, and the parts around them.
 * @param {import('./editor.js').Ide} ide
 * @returns {Promise<void>} settles once the saved layout's tabs are open again
 */
export function attachEditing(ide) {
  const host = ide.host;
  ide.saving = new Saving(ide);
  ide.conflicts = new Conflicts(ide);
  ide.layout = new Layout(ide, ide.stateKey);
  ide.status = new StatusBar(ide, host('status-left'), host('status-right'));
  ide.status.renderAutoSave(ide.saving.autoSave, AUTO_SAVE_DELAY_MS);
  ide.status.setConnection(ide.connection.text, ide.connection.detail);
  ide.tabs = new Tabs(ide, host('editors'));
  applyTheme();
  ide.problems = new ProblemsPanel(ide, host('problems'));
  ide.scm.refresh();

  ide.listeners = [
    ['beforeunload', (e) => {
      ide.layout.save();
      ide.rememberFrame();
      if ([...ide.docs.values()].some((d) => d.dirty)) {
        e.preventDefault();
        e.returnValue = '';
      }
    }],
    ['workspaces:theme', () => applyTheme()],
    ['workspaces:open-preview', (e) => ide.tabs.openPreview(e.detail.url)],
    ['workspaces:file-saved', () => { for (const p of ide.tabs.previews.values()) p.savedFile(); }],
    ['workspaces:view-shown', (e) => {
      if (e.detail.view === 'search') ide.search.focus();
      if (e.detail.view === 'scm') ide.scm.refresh();
    }],
  ];
  for (const [name, handler] of ide.listeners) window.addEventListener(name, handler);
  ide.unregister = registerCommands(editorCommands(ide));
  // The reads editor.js started serve this restore only; anything opened later reads the file afresh.
  return ide.layout.restore(ide.savedLayout).finally(() => ide.reads.clear());
}

function applyTheme() {
  monaco.editor.setTheme(document.documentElement.dataset.theme === 'dark' ? 'vs-dark' : 'vs');
}
