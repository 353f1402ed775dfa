// The command palette (Ctrl+Shift+P, F1): every registered command with its key, filtered as you type.
import { el } from '../editor/util.js';
import { availableCommands } from './commands.js';

export class CommandPalette {
  constructor(host) {
    this.input = el('input', {
      class: 'palette-input', role: 'combobox', 'aria-expanded': 'true', 'aria-controls': 'palette-list',
      'aria-autocomplete': 'list', 'aria-label': 'Type the name of a command to run', spellcheck: 'false', placeholder: 'Type a command',
    });
    this.list = el('ul', { class: 'palette-list', id: 'palette-list', role: 'listbox', 'aria-label': 'Commands' });
    this.element = el('div', { class: 'palette', role: 'dialog', 'aria-modal': 'true', 'aria-label': 'Command palette', hidden: true }, this.input, this.list);
    this.input.addEventListener('input', () => this.render());
    this.input.addEventListener('keydown', (e) => this.onKey(e));
    this.input.addEventListener('blur', () => setTimeout(() => { if (!this.element.contains(document.activeElement)) this.hide(false); }, 150));
    host.append(this.element);
  }

  get open() {
    return !this.element.hidden;
  }

  show() {
    this.returnFocus = /** @type {HTMLElement | null} */ (document.activeElement);
    this.element.hidden = false;
    this.input.value = '';
    this.selected = 0;
    this.render();
    this.input.focus();
  }

  hide(restoreFocus = true) {
    if (this.element.hidden) return;
    this.element.hidden = true;
    if (restoreFocus && this.returnFocus?.isConnected) this.returnFocus.focus();
  }

  render() {
    const words = this.input.value.toLowerCase().split(/\s+/).filter(Boolean);
    this.matches = availableCommands()
      .filter((c) => words.every((w) => c.title.toLowerCase().includes(w) || (c.key ?? '').toLowerCase().includes(w)))
      .sort((a, b) => a.title.localeCompare(b.title));
    this.selected = Math.min(this.selected, Math.max(0, this.matches.length - 1));
    this.list.replaceChildren(...this.matches.map((c, i) => {
      const item = el('li', { class: `palette-item${i === this.selected ? ' selected' : ''}`, role: 'option', id: `palette-${i}`, 'aria-selected': String(i === this.selected), 'data-command': c.id },
        el('span', { class: 'palette-title' }, c.title), c.key ? el('kbd', {}, c.key) : null);
      item.addEventListener('mousedown', (e) => e.preventDefault());
      item.addEventListener('click', () => this.run(c));
      return item;
    }));
    if (this.matches.length === 0) this.list.append(el('li', { class: 'palette-empty muted', role: 'option', 'aria-disabled': 'true' }, 'No matching commands'));
    this.input.setAttribute('aria-activedescendant', this.matches.length ? `palette-${this.selected}` : '');
    this.list.children[this.selected]?.scrollIntoView({ block: 'nearest' });
  }

  onKey(e) {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const n = this.matches.length;
      if (n) this.selected = (this.selected + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
      this.render();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const command = this.matches[this.selected];
      if (command) this.run(command);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      this.hide();
    }
  }

  run(command) {
    this.hide();
    // After the palette is gone, so a command that moves focus keeps it.
    setTimeout(() => command.run(), 0);
  }
}
