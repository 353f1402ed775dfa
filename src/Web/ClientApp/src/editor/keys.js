// The editor's commands: in the palette (Ctrl+Shift+P) and, where VS Code has one, on their keys.
import { runCommand } from '../workbench/commands.js';

/** @param {import('./editor.js').Ide} ide */
export function editorCommands(ide) {
  const { tabs, saving, fileOps, scm } = ide;
  const text = () => ide.docs.get(ide.active)?.kind === 'text';
  const selected = () => ide.tree.selected && ide.tree.selected !== ide.tree.root;
  const trigger = (action) => { ide.editor.focus(); ide.editor.trigger('palette', action, undefined); };
  return [
    { id: 'workbench.action.files.save', title: 'File: Save', key: 'Ctrl+S', bind: true, run: () => saving.save(ide.active) },
    { id: 'workbench.action.files.saveAll', title: 'File: Save All', run: () => saving.saveAll() },
    { id: 'workbench.action.toggleAutoSave', title: 'File: Toggle Auto Save', run: () => saving.toggleAutoSave() },
    { id: 'workbench.action.quickOpen', title: 'Go to File…', key: 'Ctrl+P', bind: true, run: () => ide.quickOpen.show() },
    { id: 'workbench.action.findInFiles', title: 'Search: Find in Files', key: 'Ctrl+Shift+F', bind: true, run: () => findInFiles(ide) },
    { id: 'editor.action.gotoLine', title: 'Go to Line/Column…', key: 'Ctrl+G', when: text, run: () => trigger('editor.action.gotoLine') },
    { id: 'editor.action.startFindReplaceAction', title: 'Find and Replace', key: 'Ctrl+H', when: text, run: () => trigger('editor.action.startFindReplaceAction') },
    { id: 'editor.action.changeEOL', title: 'Change End of Line Sequence (LF/CRLF)', when: text, run: () => saving.toggleEol() },
    { id: 'explorer.newFile', title: 'File: New File…', run: () => fileOps.newEntry(fileOps.targetFolder(), 'File') },
    { id: 'explorer.newFolder', title: 'File: New Folder…', run: () => fileOps.newEntry(fileOps.targetFolder(), 'Directory') },
    { id: 'explorer.rename', title: 'File: Rename Selected File…', key: 'F2', when: selected, run: () => fileOps.rename(ide.tree.selected) },
    { id: 'explorer.duplicate', title: 'File: Duplicate Selected File', when: selected, run: () => fileOps.duplicate(ide.tree.selected) },
    { id: 'explorer.delete', title: 'File: Delete Selected File…', key: 'Delete', when: selected, run: () => fileOps.remove(ide.tree.selected) },
    { id: 'explorer.download', title: 'File: Download Selected File', when: selected, run: () => fileOps.download(ide.tree.selected.path) },
    { id: 'explorer.downloadAll', title: 'File: Download the Workspace as .zip', run: () => fileOps.download('') },
    { id: 'explorer.refresh', title: 'File: Refresh Explorer', run: () => ide.tree.refresh(null) },
    { id: 'explorer.collapse', title: 'File: Collapse Folders in Explorer', run: () => fileOps.collapseAll() },
    { id: 'workbench.action.closeActiveEditor', title: 'View: Close Editor', key: 'Alt+W', bind: true, when: () => Boolean(ide.active), run: () => tabs.close(ide.active, tabs.activeGroup) },
    { id: 'workbench.action.splitEditor', title: 'View: Split Editor', key: 'Ctrl+\\', bind: true, run: () => tabs.split() },
    { id: 'editor.focus', title: 'View: Focus Active Editor Group', run: () => tabs.focusGroup(tabs.activeGroup) },
    { id: 'workbench.action.focusFirstEditorGroup', title: 'View: Focus First Editor Group', key: 'Ctrl+1', bind: true, run: () => tabs.focusGroup(tabs.groups[0]) },
    { id: 'workbench.action.focusSecondEditorGroup', title: 'View: Focus Second Editor Group', key: 'Ctrl+2', bind: true, run: () => tabs.focusGroup(tabs.groups[1] ?? tabs.split()) },
    { id: 'git.commit', title: 'Git: Commit', run: () => { ide.showView('scm'); scm.message.focus(); } },
    { id: 'git.pull', title: 'Git: Pull', run: () => scm.run('Pull', [], 'Pulling…') },
    { id: 'git.push', title: 'Git: Push', run: () => scm.run('Push', [], 'Pushing…') },
    { id: 'git.refresh', title: 'Git: Refresh', run: () => scm.refresh() },
    { id: 'git.branch', title: 'Git: Create Branch…', run: () => { scm.branch.value = '__new__'; scm.switchBranch(); } },
    { id: 'git.checkout', title: 'Git: Switch Branch…', run: () => { ide.showView('scm'); scm.branch.focus(); } },
  ];
}

/** Ctrl+Shift+F: the search view, seeded with the editor's one-line selection (as VS Code). */
function findInFiles(ide) {
  const editor = ide.editor;
  const selection = editor.hasTextFocus() ? editor.getModel()?.getValueInRange(editor.getSelection()) : '';
  runCommand('workbench.view.search') || ide.search.focus();
  if (selection && !selection.includes('\n')) ide.search.setQuery(selection);
  ide.search.focus();
}
