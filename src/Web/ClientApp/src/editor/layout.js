// The editor's layout across reloads, per user and workspace: the groups, their tabs (files and port previews), the
// active ones, and each editor's cursor, selections and scroll position.
import { MAX_GROUPS } from './tabs.js';
import { debounce } from './util.js';

export class Layout {
  /** @param {import('./editor.js').Ide} ide */
  constructor(ide, stateKey) {
    this.ide = ide;
    this.stateKey = stateKey;
    this.saveSoon = debounce(() => this.save(), 300);
  }

  /** A group's cursor or scroll moved. */
  viewChanged(group) {
    if (group === this.ide.tabs.activeGroup) this.ide.status.render();
    this.saveSoon();
  }

  save() {
    const { docs, tabs } = this.ide;
    const views = {};
    const groups = tabs.groups.map((group, i) => {
      group.rememberView();
      for (const key of group.keys) {
        if (group.viewStates.has(key)) views[`${i}:${key}`] = group.viewStates.get(key);
      }
      return {
        tabs: group.keys.filter((k) => docs.has(k) || tabs.previews.has(k))
          .map((k) => (tabs.previews.has(k) ? { preview: tabs.previews.get(k).url() } : { path: k })),
        active: group.active,
      };
    });
    localStorage.setItem(this.stateKey, JSON.stringify({ groups, activeGroup: tabs.groups.indexOf(tabs.activeGroup), views }));
  }

  /** @param {any} saved the layout as save() left it (saved-layout.js reads it), or null */
  async restore(saved) {
    const tabs = this.ide.tabs;
    if (!saved?.groups?.length) return;
    for (let i = 0; i < Math.min(saved.groups.length, MAX_GROUPS); i++) {
      const { tabs: keys, active } = saved.groups[i];
      if (!keys?.length) continue;
      const group = tabs.groups[i] ?? tabs.addGroup();
      for (const tab of keys) {
        if (tab.preview) {
          tabs.openPreview(tab.preview, { group, focus: false });
        } else if (tab.path) {
          // A file deleted since simply does not come back.
          await tabs.open(tab.path, null, { group, focus: false, quiet: true });
        }
      }
      for (const key of group.keys) {
        const view = saved.views?.[`${i}:${key}`];
        if (view) group.viewStates.set(key, view);
      }
      group.active = null;
      group.activate(group.keys.includes(active) ? active : group.keys[0] ?? null, false);
    }
    for (const group of [...tabs.groups]) {
      if (group.keys.length === 0 && tabs.groups.length > 1) tabs.afterClose(group, null);
    }
    tabs.setActiveGroup(tabs.groups[saved.activeGroup] ?? tabs.groups[0]);
    this.ide.root.dataset.restored = 'true';
  }

  dispose() {
    this.saveSoon.cancel();
    this.save();
  }
}
