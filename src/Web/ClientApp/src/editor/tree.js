// The file tree: folders load when opened, rows carry type cues, drag and drop moves, dropping files uploads. Keys as
// in VS Code's explorer: arrows move and open folders, Enter opens, F2 renames, Delete deletes, Shift+F10 the menu.
import { el, iconFor, parentOf, joinPath, baseName } from './util.js';

const UPLOAD_CHUNK = 4 * 1024 * 1024;
const TREE_KEYS = new Set(['ArrowDown', 'ArrowUp', 'Home', 'End', 'ArrowRight', 'ArrowLeft', 'Enter', ' ', 'F2', 'Delete', 'ContextMenu', 'F10']);

export class FileTree {
  /** @param {import('./editor.js').Ide} ide */
  constructor(ide, container) {
    this.ide = ide;
    this.container = container;
    this.nodes = new Map(); // path → node; '' is the root
    this.selected = null;
    /** @type {Promise<void>} the keys being handled, in order */
    this.keys = Promise.resolve();
    this.root = { path: '', name: '', kind: 'Directory', expanded: true, children: null, depth: -1, element: null, childrenElement: el('div', { class: 'tree-children', role: 'group' }) };
    this.nodes.set('', this.root);
    container.append(this.root.childrenElement);
    container.addEventListener('contextmenu', (e) => {
      if (e.target === container || e.target === this.root.childrenElement) {
        e.preventDefault();
        this.ide.fileOps.showContextMenu(e, this.root);
      }
    });
    this.enableDrop(container, this.root);
    container.addEventListener('keydown', (e) => this.onKey(e));
  }

  async load(node) {
    const listing = await this.ide.files.invoke('ListDirectory', node.path);
    const previous = new Map((node.children ?? []).map((c) => [c.path, c]));
    node.children = listing.Entries.map((entry) => {
      const existing = previous.get(entry.Path);
      if (existing && existing.kind === entry.Kind) {
        existing.entry = entry;
        previous.delete(entry.Path);
        return existing;
      }
      return this.createNode(entry, node);
    });
    for (const gone of previous.values()) {
      this.forget(gone);
    }
    this.renderChildren(node);
    if (!this.container.querySelector('.tree-row[tabindex="0"]')) {
      const first = this.container.querySelector('.tree-row[data-path]');
      if (first) first.tabIndex = 0;
    }
  }

  createNode(entry, parent) {
    const node = { path: entry.Path, name: entry.Name, kind: entry.Kind, entry, expanded: false, children: null, depth: parent.depth + 1 };
    const twisty = el('span', { class: `codicon ${entry.Kind === 'Directory' ? 'codicon-chevron-right' : 'codicon-blank'} twisty` });
    const icon = el('span', { class: `codicon ${iconFor(entry)} file-icon` });
    const label = el('span', { class: 'label' }, entry.Name);
    node.element = el('div', {
      class: `tree-row kind-${entry.Kind.toLowerCase()}${entry.IsSymlink ? ' symlink' : ''}`,
      role: 'treeitem',
      tabindex: '-1',
      'aria-level': String(node.depth + 1),
      'aria-selected': 'false',
      'aria-expanded': entry.Kind === 'Directory' ? 'false' : null,
      draggable: 'true',
      'data-path': entry.Path,
      title: entry.Path + (entry.IsSymlink ? ' (link)' : ''),
      style: `padding-left: ${0.4 + node.depth * 0.9}rem`,
    }, twisty, icon, label);
    node.twisty = twisty;
    node.icon = icon;
    node.childrenElement = el('div', { class: 'tree-children', role: 'group', hidden: true });
    node.element.addEventListener('click', () => this.activate(node));
    node.element.addEventListener('contextmenu', (e) => {
      e.preventDefault();
      this.select(node);
      this.ide.fileOps.showContextMenu(e, node);
    });
    node.element.addEventListener('dragstart', (e) => {
      e.dataTransfer.setData('application/x-workspace-path', node.path);
      e.dataTransfer.effectAllowed = 'move';
    });
    if (entry.Kind === 'Directory') {
      this.enableDrop(node.element, node);
    } else {
      this.enableDrop(node.element, parent);
    }
    this.nodes.set(node.path, node);
    return node;
  }

  forget(node) {
    this.nodes.delete(node.path);
    for (const child of node.children ?? []) {
      this.forget(child);
    }
  }

  renderChildren(node) {
    node.childrenElement.replaceChildren(...node.children.flatMap((c) => [c.element, c.childrenElement]));
  }

  async activate(node) {
    this.select(node);
    if (node.kind === 'Directory') {
      await this.toggle(node);
    } else if (node.kind === 'File') {
      await this.ide.open(node.path);
    } else {
      this.ide.notify(`${node.path} is not a regular file (a device, socket, pipe or a link out of the workspace).`, 'error');
    }
  }

  select(node) {
    if (this.selected?.element) {
      this.selected.element.classList.remove('selected');
      this.selected.element.setAttribute('aria-selected', 'false');
    }
    this.selected = node;
    if (!node.element) return;
    node.element.classList.add('selected');
    node.element.setAttribute('aria-selected', 'true');
    // One row in the tab order (a roving tabindex): the selected one.
    for (const row of this.container.querySelectorAll('.tree-row[tabindex="0"]')) row.tabIndex = -1;
    node.element.tabIndex = 0;
  }

  focusNode(node) {
    if (!node?.element) return;
    this.select(node);
    node.element.focus();
    node.element.scrollIntoView({ block: 'nearest' });
  }

  visibleRows() {
    return [...this.container.querySelectorAll('.tree-row[data-path]')].filter((row) => row.offsetParent !== null);
  }

  /**
   * Keys are handled one after another: a folder opened with ArrowRight lists its children before the ArrowDown typed
   * right after it moves on, as a fast typist expects, instead of jumping past them.
   */
  onKey(e) {
    const row = e.target.closest?.('.tree-row[data-path]');
    if (!row || !this.nodes.has(row.dataset.path) || !TREE_KEYS.has(e.key) || (e.key === 'F10' && !e.shiftKey)) return;
    e.preventDefault();
    e.stopPropagation();
    this.keys = this.keys.then(() => this.handleKey(e.key, row)).catch((error) => this.ide.notify(error.message, 'error'));
  }

  /** @param {Element} target the row the key was typed on; the row focused by the keys before it, if any, wins */
  async handleKey(key, target) {
    const focused = this.container.contains(document.activeElement) ? document.activeElement?.closest('.tree-row[data-path]') : null;
    const row = /** @type {HTMLElement} */ (focused ?? target);
    const node = this.nodes.get(row.dataset.path);
    if (!node) return;
    const rows = this.visibleRows();
    const index = rows.indexOf(row);
    const at = (i) => this.nodes.get(rows[Math.max(0, Math.min(rows.length - 1, i))]?.dataset.path);
    const isDirectory = node.kind === 'Directory';
    switch (key) {
      case 'ArrowDown': this.focusNode(at(index + 1)); break;
      case 'ArrowUp': this.focusNode(at(index - 1)); break;
      case 'Home': this.focusNode(at(0)); break;
      case 'End': this.focusNode(at(rows.length - 1)); break;
      case 'ArrowRight':
        if (isDirectory && !node.expanded) await this.toggle(node, true);
        else if (isDirectory) this.focusNode(node.children?.[0]);
        break;
      case 'ArrowLeft':
        if (isDirectory && node.expanded) await this.toggle(node, false);
        else this.focusNode(this.nodes.get(parentOf(node.path)) === this.root ? node : this.nodes.get(parentOf(node.path)));
        break;
      case 'Enter':
        await this.activate(node);
        break;
      case ' ':
        if (isDirectory) await this.toggle(node);
        else await this.ide.open(node.path, null, { focus: false });
        this.focusNode(node);
        break;
      case 'F2': this.ide.fileOps.rename(node); break;
      case 'Delete': this.ide.fileOps.remove(node); break;
      case 'ContextMenu':
      case 'F10':
        this.ide.fileOps.showContextMenu({}, node);
        break;
    }
  }

  async toggle(node, expand = !node.expanded) {
    node.expanded = expand;
    node.twisty.className = `codicon ${expand ? 'codicon-chevron-down' : 'codicon-chevron-right'} twisty`;
    node.icon.className = `codicon ${expand ? 'codicon-folder-opened' : 'codicon-folder'} file-icon`;
    node.childrenElement.hidden = !expand;
    node.element?.setAttribute('aria-expanded', String(expand));
    if (expand) {
      try {
        await this.load(node);
      } catch (e) {
        this.ide.notify(e.message, 'error');
      }
    }
  }

  /** Shows a path: opens its folders and selects it. */
  async reveal(path, focus = false) {
    const parts = path.split('/');
    let current = '';
    for (const part of parts.slice(0, -1)) {
      current = joinPath(current, part);
      const node = this.nodes.get(current);
      if (!node) {
        return;
      }
      if (!node.expanded) {
        await this.toggle(node, true);
      }
    }
    const node = this.nodes.get(path);
    if (node && focus) {
      this.focusNode(node);
    } else if (node) {
      this.select(node);
      node.element.scrollIntoView({ block: 'nearest' });
    }
  }

  /** Reloads the open folders that hold one of <paramref name="paths"/> (all of them when null). */
  async refresh(paths) {
    const folders = new Set();
    if (paths === null) {
      for (const node of this.nodes.values()) {
        if (node.kind === 'Directory' && node.expanded) {
          folders.add(node.path);
        }
      }
    } else {
      for (const path of paths) {
        folders.add(parentOf(path));
        folders.add(path); // a folder that was replaced
      }
    }
    for (const path of [...folders].sort((a, b) => a.length - b.length)) {
      const node = this.nodes.get(path);
      if (node && node.kind === 'Directory' && node.expanded && this.nodes.get(path) === node) {
        try {
          await this.load(node);
        } catch {
          // Gone meanwhile: its parent's reload drops it.
        }
      }
    }
  }

  enableDrop(target, folder) {
    target.addEventListener('dragover', (e) => {
      const types = e.dataTransfer.types;
      if (types.includes('application/x-workspace-path') || types.includes('Files')) {
        e.preventDefault();
        e.stopPropagation();
        e.dataTransfer.dropEffect = types.includes('Files') ? 'copy' : 'move';
        target.classList.add('drop-target');
      }
    });
    target.addEventListener('dragleave', () => target.classList.remove('drop-target'));
    target.addEventListener('drop', async (e) => {
      e.preventDefault();
      e.stopPropagation();
      target.classList.remove('drop-target');
      const from = e.dataTransfer.getData('application/x-workspace-path');
      if (from) {
        await this.move(from, folder.path);
      } else if (e.dataTransfer.files.length > 0) {
        await this.upload(folder.path, [...e.dataTransfer.files]);
      }
    });
  }

  async move(from, folder) {
    const to = joinPath(folder, baseName(from));
    if (to === from || folder === from || folder.startsWith(from + '/')) {
      return;
    }
    try {
      await this.ide.files.invoke('Move', from, to);
      this.ide.tabs?.renamed(from, to);
      await this.refresh([from, to]);
    } catch (e) {
      this.ide.notify(e.message, 'error');
    }
  }

  async upload(folder, files) {
    for (const file of files) {
      const path = joinPath(folder, file.name);
      if (this.nodes.has(path) && !confirm(`${path} exists. Replace it with the uploaded file?`)) {
        continue;
      }
      this.ide.notify(`Uploading ${file.name}…`);
      try {
        for (let offset = 0; offset < Math.max(file.size, 1); offset += UPLOAD_CHUNK) {
          const bytes = new Uint8Array(await file.slice(offset, offset + UPLOAD_CHUNK).arrayBuffer());
          await this.ide.files.invoke('Upload', path, bytes, offset > 0);
        }
        this.ide.notify(`Uploaded ${path}`);
      } catch (e) {
        this.ide.notify(`Uploading ${file.name} failed: ${e.message}`, 'error');
      }
    }
    const node = this.nodes.get(folder);
    if (node && !node.expanded) {
      await this.toggle(node, true);
    } else {
      await this.refresh([joinPath(folder, 'x')]);
    }
  }

  /** An inline name box in the tree (new file, rename). Resolves to the name, or null when cancelled. */
  askName(folderNode, initial, replacing) {
    return new Promise((resolve) => {
      const depth = replacing ? replacing.depth : folderNode.depth + 1;
      const input = el('input', { class: 'tree-input', value: initial, spellcheck: 'false', 'aria-label': 'Name' });
      const row = el('div', { class: 'tree-row editing', style: `padding-left: ${0.4 + depth * 0.9}rem` }, input);
      let done = false;
      const finish = (value) => {
        if (done) return;
        done = true;
        row.remove();
        if (replacing) replacing.element.hidden = false;
        resolve(value && value.trim() ? value.trim() : null);
      };
      input.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') finish(input.value);
        if (e.key === 'Escape') finish(null);
        e.stopPropagation();
      });
      input.addEventListener('blur', () => finish(input.value));
      if (replacing) {
        replacing.element.hidden = true;
        replacing.element.after(row);
      } else {
        folderNode.childrenElement.prepend(row);
      }
      input.focus();
      const dot = initial.lastIndexOf('.');
      input.setSelectionRange(0, dot > 0 ? dot : initial.length);
    });
  }

  async expandFolder(node) {
    if (node !== this.root && !node.expanded) {
      await this.toggle(node, true);
    }
  }
}
