// The Problems panel and the status bar's count: Monaco's markers, whoever sets them (language servers, Monaco's own
// JSON/CSS/HTML workers). Selecting a problem opens its file at the position.
import { monaco } from './monaco.js';
import { el, baseName, parentOf } from './util.js';

const SEVERITY = {
  [monaco.MarkerSeverity.Error]: ['error', 'codicon-error', 'Error'],
  [monaco.MarkerSeverity.Warning]: ['warning', 'codicon-warning', 'Warning'],
  [monaco.MarkerSeverity.Info]: ['info', 'codicon-info', 'Info'],
  [monaco.MarkerSeverity.Hint]: ['info', 'codicon-lightbulb', 'Hint'],
};

export class ProblemsPanel {
  /** @param {import('./editor.js').Ide} ide */
  constructor(ide, host) {
    this.ide = ide;
    this.list = el('div', { class: 'problems-list' });
    this.empty = el('p', { class: 'problems-empty muted' }, 'No problems have been detected in the workspace.');
    host?.append(this.empty, this.list);
    this.subscription = monaco.editor.onDidChangeMarkers(() => this.render());
    this.render();
  }

  render() {
    const markers = monaco.editor.getModelMarkers({}).filter((m) => m.resource.scheme === 'file');
    const errors = markers.filter((m) => m.severity === monaco.MarkerSeverity.Error).length;
    const warnings = markers.filter((m) => m.severity === monaco.MarkerSeverity.Warning).length;
    this.ide.status.setProblems(errors, warnings);
    const byFile = new Map();
    for (const marker of markers) {
      const path = marker.resource.path.replace(/^\//, '');
      if (!byFile.has(path)) byFile.set(path, []);
      byFile.get(path).push(marker);
    }
    const rows = [];
    for (const [path, list] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
      list.sort((a, b) => a.severity === b.severity ? a.startLineNumber - b.startLineNumber : b.severity - a.severity);
      rows.push(el('div', { class: 'problems-file', role: 'treeitem', 'aria-level': '1', 'aria-expanded': 'true', tabindex: '-1' },
        el('span', { class: 'codicon codicon-file', 'aria-hidden': 'true' }), ` ${baseName(path)} `, el('span', { class: 'muted small' }, parentOf(path)), el('span', { class: 'badge' }, String(list.length))));
      for (const m of list) {
        const [kind, icon, label] = SEVERITY[m.severity] ?? SEVERITY[monaco.MarkerSeverity.Info];
        const row = el('div', { class: `problem problem-${kind}`, role: 'treeitem', 'aria-level': '2', tabindex: '-1', 'data-path': path, 'data-line': String(m.startLineNumber) },
          el('span', { class: `codicon ${icon}`, role: 'img', 'aria-label': label }), ' ',
          el('span', { class: 'problem-message' }, m.message), ' ',
          el('span', { class: 'muted small' }, `${m.source ?? m.owner ?? ''}${m.code ? `(${typeof m.code === 'object' ? m.code.value : m.code})` : ''} [Ln ${m.startLineNumber}, Col ${m.startColumn}]`));
        const go = () => this.ide.open(path, { line: m.startLineNumber, column: m.startColumn });
        row.addEventListener('click', go);
        row.addEventListener('keydown', (e) => { if (e.key === 'Enter') go(); });
        rows.push(row);
      }
    }
    this.list.replaceChildren(...rows);
    // A tree only while it has items (an empty tree is not one).
    if (rows.length) {
      this.list.setAttribute('role', 'tree');
      this.list.setAttribute('aria-label', 'Problems');
    } else {
      this.list.removeAttribute('role');
      this.list.removeAttribute('aria-label');
    }
    this.empty.hidden = rows.length > 0;
    const first = this.list.querySelector('.problem');
    if (first) first.tabIndex = 0;
    this.list.onkeydown = (e) => {
      const items = [...this.list.querySelectorAll('.problem')];
      const index = items.indexOf(document.activeElement);
      const step = { ArrowDown: 1, ArrowUp: -1 }[e.key];
      if (step && index >= 0 && items[index + step]) {
        e.preventDefault();
        items[index].tabIndex = -1;
        items[index + step].tabIndex = 0;
        items[index + step].focus();
      }
    };
  }

  dispose() {
    this.subscription.dispose();
  }
}
