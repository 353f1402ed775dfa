// File operations of the explorer: its toolbar and context menu, new file/folder, rename, duplicate, delete, download.
import { el, baseName, parentOf, joinPath } from './util.js';

export class FileOperations {
  /**
   * @param {import('./editor.js').Ide} ide
   * @param {HTMLElement} host where the context menu lives
   */
  constructor(ide, host) {
    this.ide = ide;
    this.menu = el('div', { class: 'context-menu', hidden: true, role: 'menu', 'aria-label': 'File actions' });
    this.menu.addEventListener('keydown', (e) => this.menuKey(e));
    host.append(this.menu);
    this.onDocumentClick = () => { this.menu.hidden = true; };
    document.addEventListener('click', this.onDocumentClick);
  }

  /** The explorer's header (title and toolbar) into its pane; returns the element the file tree fills. */
  buildExplorer(pane) {
    const button = (icon, title, onClick) => {
      const b = el('button', { class: 'icon-button', title, 'aria-label': title, type: 'button' }, el('span', { class: `codicon codicon-${icon}`, 'aria-hidden': 'true' }));
      b.addEventListener('click', onClick);
      return b;
    };
    const tree = el('div', { class: 'tree', role: 'tree', 'aria-label': 'Files' });
    pane.append(
      el('header', { class: 'pane-header' },
        el('h2', { class: 'pane-title' }, this.ide.options.workspaceName || 'Explorer'),
        button('new-file', 'New File…', () => this.newEntry(this.targetFolder(), 'File')),
        button('new-folder', 'New Folder…', () => this.newEntry(this.targetFolder(), 'Directory')),
        button('refresh', 'Refresh', () => this.tree.refresh(null)),
        button('collapse-all', 'Collapse Folders', () => this.collapseAll())),
      tree);
    return tree;
  }

  get tree() {
    return this.ide.tree;
  }

  targetFolder() {
    const selected = this.tree.selected;
    if (!selected) return this.tree.root;
    return selected.kind === 'Directory' ? selected : this.tree.nodes.get(parentOf(selected.path)) ?? this.tree.root;
  }

  /** At the pointer, or under a row when opened from the keyboard (Shift+F10, the context menu key). */
  showContextMenu(e, node) {
    const folder = node.kind === 'Directory' ? node : this.tree.nodes.get(parentOf(node.path)) ?? this.tree.root;
    const returnFocus = document.activeElement;
    const item = (label, onClick, disabled = false) => {
      const b = el('button', { type: 'button', role: 'menuitem', disabled, tabindex: '-1' }, label);
      b.addEventListener('click', () => {
        this.menu.hidden = true;
        onClick();
      });
      return b;
    };
    const isRoot = node === this.tree.root;
    this.menu.replaceChildren(
      item('New File…', () => this.newEntry(folder, 'File')),
      item('New Folder…', () => this.newEntry(folder, 'Directory')),
      el('hr'),
      item('Rename…', () => this.rename(node), isRoot),
      item('Duplicate', () => this.duplicate(node), isRoot),
      item(node.kind === 'Directory' ? 'Download as .zip' : 'Download', () => this.download(node.path)),
      el('hr'),
      item('Delete', () => this.remove(node), isRoot));
    this.returnFocus = /** @type {HTMLElement | null} */ (returnFocus);
    this.menu.hidden = false;
    const anchor = e.clientX || e.clientY ? { x: e.clientX, y: e.clientY } : (() => {
      const r = (node.element ?? this.tree.container).getBoundingClientRect();
      return { x: r.left + 24, y: r.bottom };
    })();
    this.menu.style.left = `${Math.min(anchor.x, window.innerWidth - 200)}px`;
    this.menu.style.top = `${Math.min(anchor.y, window.innerHeight - 220)}px`;
    e.stopPropagation?.();
    /** @type {HTMLElement | null} */ (this.menu.querySelector('button:not(:disabled)'))?.focus();
  }

  menuKey(e) {
    const items = [...this.menu.querySelectorAll('button:not(:disabled)')];
    const index = items.indexOf(document.activeElement);
    const step = { ArrowDown: 1, ArrowUp: -1 }[e.key];
    if (step) {
      e.preventDefault();
      items[(index + step + items.length) % items.length]?.focus();
    } else if (e.key === 'Escape' || e.key === 'Tab') {
      e.preventDefault();
      this.menu.hidden = true;
      this.returnFocus?.focus();
    }
  }

  async newEntry(folder, kind) {
    this.ide.showView('explorer');
    await this.tree.expandFolder(folder);
    const name = await this.tree.askName(folder, '');
    if (!name) return;
    const path = joinPath(folder.path, name);
    try {
      await this.ide.files.invoke(kind === 'File' ? 'CreateFile' : 'CreateDirectory', path);
      await this.tree.refresh([path]);
      if (kind === 'File') await this.ide.open(path);
    } catch (e) {
      this.ide.notify(e.message, 'error');
    }
  }

  async rename(node) {
    if (!node || node === this.tree.root) return;
    const name = await this.tree.askName(this.tree.nodes.get(parentOf(node.path)) ?? this.tree.root, node.name, node);
    if (!name || name === node.name) {
      node.element?.focus();
      return;
    }
    const to = joinPath(parentOf(node.path), name);
    try {
      await this.ide.files.invoke('Move', node.path, to);
      this.ide.tabs?.renamed(node.path, to);
      await this.tree.refresh([node.path, to]);
      await this.tree.reveal(to, true);
    } catch (e) {
      this.ide.notify(e.message, 'error');
    }
  }

  async duplicate(node) {
    try {
      const copy = await this.ide.files.invoke('Duplicate', node.path);
      await this.tree.refresh([copy.Path]);
      await this.tree.reveal(copy.Path);
    } catch (e) {
      this.ide.notify(e.message, 'error');
    }
  }

  async remove(node) {
    if (!node || node === this.tree.root) return;
    const what = node.kind === 'Directory' ? `the folder ${node.path} and everything in it` : node.path;
    if (!confirm(`Delete ${what}? This cannot be undone (unless Git has it).`)) return;
    try {
      await this.ide.files.invoke('Delete', node.path);
      await this.tree.refresh([node.path]);
    } catch (e) {
      this.ide.notify(e.message, 'error');
    }
  }

  downloadUrl(path) {
    return `${this.ide.options.downloadUrl}?path=${encodeURIComponent(path)}`;
  }

  download(path) {
    const link = el('a', { href: this.downloadUrl(path), download: baseName(path) || 'workspace.zip' });
    document.body.append(link);
    link.click();
    link.remove();
  }

  collapseAll() {
    for (const node of this.tree.nodes.values()) {
      if (node !== this.tree.root && node.expanded) this.tree.toggle(node, false);
    }
  }

  dispose() {
    document.removeEventListener('click', this.onDocumentClick);
    this.menu.remove();
  }
}
