// Search across files (Ctrl+Shift+F) and quick open (Ctrl+P); both answered by the agent.
import { el, baseName, parentOf, debounce } from './util.js';

export class SearchPanel {
  /** @param {import('./editor.js').Ide} ide */
  constructor(ide, pane) {
    this.ide = ide;
    this.query = el('input', { class: 'search-query', placeholder: 'Search', 'aria-label': 'Search in files', spellcheck: 'false' });
    this.include = el('input', { class: 'search-include', placeholder: 'files to include, e.g. *.cs, src/**', 'aria-label': 'Files to include', spellcheck: 'false' });
    this.toggles = {};
    const toggle = (name, label, title) => {
      const b = el('button', { type: 'button', class: 'toggle', title, 'aria-pressed': 'false' }, label);
      b.addEventListener('click', () => {
        b.setAttribute('aria-pressed', String(b.getAttribute('aria-pressed') !== 'true'));
        this.run();
      });
      this.toggles[name] = b;
      return b;
    };
    this.summary = el('div', { class: 'search-summary muted small', role: 'status' });
    this.results = el('div', { class: 'search-results' });
    pane.append(
      el('header', { class: 'pane-header' }, el('span', { class: 'pane-title' }, 'Search')),
      el('div', { class: 'search-form' },
        el('div', { class: 'search-row' }, this.query, toggle('matchCase', 'Aa', 'Match Case'), toggle('wholeWord', 'ab', 'Match Whole Word'), toggle('regex', '.*', 'Use Regular Expression')),
        this.include),
      this.summary,
      this.results);
    for (const input of [this.query, this.include]) {
      input.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') this.run();
      });
    }
    this.query.addEventListener('input', debounce(() => this.run(), 300));
  }

  focus() {
    this.query.focus();
    this.query.select();
  }

  setQuery(text) {
    this.query.value = text;
    this.run();
  }

  pressed(name) {
    return this.toggles[name].getAttribute('aria-pressed') === 'true';
  }

  async run() {
    const query = this.query.value;
    const ticket = (this.ticket = (this.ticket ?? 0) + 1);
    if (!query) {
      this.results.replaceChildren();
      this.summary.textContent = '';
      return;
    }
    this.summary.textContent = 'Searching…';
    let result;
    try {
      result = await this.ide.files.invoke('Search', {
        Query: query,
        IsRegex: this.pressed('regex'),
        MatchCase: this.pressed('matchCase'),
        WholeWord: this.pressed('wholeWord'),
        Include: this.include.value || null,
        MaxResults: 2000,
      });
    } catch (e) {
      if (ticket === this.ticket) this.summary.textContent = e.message;
      return;
    }
    if (ticket !== this.ticket) return;
    if (result.Error) {
      this.summary.textContent = result.Error;
      this.results.replaceChildren();
      return;
    }
    const byFile = new Map();
    for (const match of result.Matches) {
      if (!byFile.has(match.Path)) byFile.set(match.Path, []);
      byFile.get(match.Path).push(match);
    }
    this.summary.textContent = `${result.Matches.length}${result.Truncated ? '+' : ''} results in ${byFile.size} files · ${Math.round(result.ElapsedMilliseconds)} ms`;
    const groups = [];
    for (const [path, matches] of byFile) {
      const items = matches.map((m) => {
        const before = m.Preview.slice(0, Math.max(0, m.Column - 1));
        const hit = m.Preview.slice(m.Column - 1, m.Column - 1 + m.Length);
        const after = m.Preview.slice(m.Column - 1 + m.Length);
        const row = el('div', { class: 'search-match', role: 'button', tabindex: '0', 'data-path': m.Path, 'data-line': String(m.Line), title: `${m.Path}:${m.Line}` },
          el('span', { class: 'line-number' }, String(m.Line)),
          el('span', { class: 'preview' }, before.trimStart().slice(-40), el('mark', {}, hit), after.slice(0, 120)));
        const open = () => this.ide.open(m.Path, { line: m.Line, column: m.Column, length: m.Length });
        row.addEventListener('click', open);
        row.addEventListener('keydown', (e) => { if (e.key === 'Enter') open(); });
        return row;
      });
      groups.push(el('div', { class: 'search-file' },
        el('div', { class: 'search-file-name', title: path }, el('span', { class: 'codicon codicon-file' }), ` ${baseName(path)} `, el('span', { class: 'muted small' }, parentOf(path)), el('span', { class: 'badge' }, String(matches.length))),
        ...items));
    }
    this.results.replaceChildren(...groups);
  }
}

export class QuickOpen {
  /** @param {import('./editor.js').Ide} ide */
  constructor(ide, root) {
    this.ide = ide;
    this.input = el('input', { class: 'quick-open-input', placeholder: 'Search files by name (append :line to go to a line)', 'aria-label': 'Quick open', spellcheck: 'false' });
    this.list = el('div', { class: 'quick-open-list', role: 'listbox' });
    this.element = el('div', { class: 'quick-open', hidden: true, role: 'dialog', 'aria-label': 'Quick open' }, this.input, this.list);
    this.selected = 0;
    this.matches = [];
    this.input.addEventListener('input', debounce(() => this.query(), 25));
    this.input.addEventListener('keydown', (e) => this.onKey(e));
    this.input.addEventListener('blur', () => setTimeout(() => this.hide(), 150));
    root.append(this.element);
  }

  invalidate() {
    // The agent re-indexes by itself; nothing is cached here.
  }

  show() {
    this.element.hidden = false;
    this.input.value = '';
    this.input.focus();
    this.query();
  }

  hide() {
    this.element.hidden = true;
  }

  parse() {
    const match = /^(.*?)(?::(\d+))?$/.exec(this.input.value.trim());
    return { text: match[1], line: match[2] ? Number(match[2]) : null };
  }

  async query() {
    const { text } = this.parse();
    const ticket = (this.ticket = (this.ticket ?? 0) + 1);
    let result;
    try {
      result = await this.ide.files.invoke('QuickOpen', text, 50);
    } catch (e) {
      this.list.replaceChildren(el('div', { class: 'error' }, e.message));
      return;
    }
    if (ticket !== this.ticket) return;
    this.matches = result.Matches;
    this.selected = 0;
    this.render();
  }

  render() {
    this.list.replaceChildren(...this.matches.map((m, i) => {
      const positions = new Set(m.Positions);
      const name = baseName(m.Path);
      const offset = m.Path.length - name.length;
      const highlight = (text, start) => [...text].map((c, j) => (positions.has(start + j) ? el('b', {}, c) : c));
      const row = el('div', { class: `quick-open-item${i === this.selected ? ' selected' : ''}`, role: 'option', 'aria-selected': String(i === this.selected), 'data-path': m.Path },
        el('span', { class: 'codicon codicon-file' }), ' ', el('span', { class: 'name' }, ...highlight(name, offset)), ' ',
        el('span', { class: 'muted small' }, ...highlight(parentOf(m.Path), 0)));
      row.addEventListener('mousedown', (e) => {
        e.preventDefault();
        this.choose(i);
      });
      return row;
    }));
    if (this.matches.length === 0) this.list.append(el('div', { class: 'muted small quick-open-empty' }, 'No matching files'));
  }

  onKey(e) {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const count = this.matches.length;
      if (count > 0) {
        this.selected = (this.selected + (e.key === 'ArrowDown' ? 1 : count - 1)) % count;
        this.render();
        this.list.children[this.selected]?.scrollIntoView({ block: 'nearest' });
      }
    } else if (e.key === 'Enter') {
      e.preventDefault();
      this.choose(this.selected);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      this.hide();
      this.ide.editor?.focus();
    }
  }

  choose(index) {
    const match = this.matches[index];
    if (!match) return;
    const { line } = this.parse();
    this.hide();
    this.ide.open(match.Path, line ? { line, column: 1 } : undefined);
  }
}
