// The editor's items of the workbench's status bar: branch and sync, problems, connection and messages on the left;
// the current file's position, encoding, line endings, language, its language server, and auto save on the right.
// The workspace page puts its own items (workspace state, ports, start timings) between the two.
import { monaco } from './monaco.js';
import { el, encodingLabel } from './util.js';
import { runCommand } from '../workbench/commands.js';

export class StatusBar {
  /**
   * @param {import('./editor.js').Ide} ide
   * @param {HTMLElement | null} left
   * @param {HTMLElement | null} right
   */
  constructor(ide, left, right) {
    this.ide = ide;
    const button = (attributes, onClick) => {
      const b = el('button', { class: 'status-item status-button', type: 'button', ...attributes });
      b.addEventListener('click', onClick);
      return b;
    };
    this.branch = button({ 'data-status': 'branch', hidden: true }, () => runCommand('workbench.view.scm'));
    this.problems = button({ 'data-status': 'problems', title: 'Problems (Ctrl+Shift+M)' }, () => runCommand('workbench.panel.problems'));
    this.connection = el('span', { class: 'status-item status-connection' });
    this.message = el('span', { class: 'status-item status-message', role: 'status', 'aria-live': 'polite' });
    this.position = button({ 'data-status': 'position', title: 'Go to Line/Column (Ctrl+G)' }, () => runCommand('editor.action.gotoLine'));
    this.encoding = el('span', { class: 'status-item', 'data-status': 'encoding', title: 'Encoding (kept when saving)' });
    this.eol = button({ 'data-status': 'eol', title: 'Line endings (click to switch)' }, () => ide.saving.toggleEol());
    this.language = el('span', { class: 'status-item', 'data-status': 'language' });
    this.server = el('span', { class: 'status-item', 'data-status': 'language-server', hidden: true });
    this.autoSave = button({ 'data-status': 'auto-save' }, () => ide.saving.toggleAutoSave());
    left?.append(this.branch, this.problems, this.connection, this.message);
    right?.append(this.position, this.encoding, this.eol, this.language, this.server, this.autoSave);
    this.servers = new Map(); // language → { state, message }, from `workspaces:language-status` events
    this.onLanguageStatus = (e) => {
      const { language, state, message } = e.detail ?? {};
      if (!language) return;
      this.servers.set(language, { state, message });
      this.render();
    };
    window.addEventListener('workspaces:language-status', this.onLanguageStatus);
    this.setProblems(0, 0);
  }

  setProblems(errors, warnings) {
    // Named by its content (icons with names), so what is read is what is shown.
    this.problems.replaceChildren(
      el('span', { class: 'codicon codicon-error', role: 'img', 'aria-label': 'Errors' }), ` ${errors} `,
      el('span', { class: 'codicon codicon-warning', role: 'img', 'aria-label': 'Warnings' }), ` ${warnings}`);
    this.problems.dataset.errors = String(errors);
    this.problems.dataset.warnings = String(warnings);
  }

  setBranch(branch, status) {
    this.branch.hidden = !branch;
    const sync = status?.Upstream ? ` ${status.Behind ?? 0}↓ ${status.Ahead ?? 0}↑` : status && status.Unpushed > 0 ? ` ${status.Unpushed}↑` : '';
    this.branch.replaceChildren(...(branch ? [el('span', { class: 'codicon codicon-git-branch', 'aria-hidden': 'true' }), ` ${branch}${sync}`] : []));
    this.branch.title = branch && status?.Upstream
      ? `Branch ${branch}: ${status.Behind ?? 0} behind and ${status.Ahead ?? 0} ahead of ${status.Upstream} (Source Control)`
      : 'Branch (Source Control)';
  }

  /** Empty while connected; `reason` (why the connection is down) shows on hover. */
  setConnection(text, reason = '') {
    this.connection.textContent = text;
    this.connection.title = text && reason ? `${text} ${reason}` : '';
  }

  notify(text, kind = 'info') {
    this.message.textContent = text;
    this.message.className = `status-item status-message ${kind}`;
    clearTimeout(this.notifyTimer);
    if (kind !== 'error') {
      this.notifyTimer = setTimeout(() => { this.message.textContent = ''; }, 4000);
    }
  }

  renderAutoSave(on, delayMs) {
    this.autoSave.textContent = on ? 'Auto Save: on' : 'Auto Save: off';
    this.autoSave.title = `Save ${delayMs / 1000} s after the last change (click to switch)`;
  }

  /** The active group's current file. */
  render() {
    const ide = this.ide;
    const doc = ide.docs.get(ide.active);
    const text = doc?.kind === 'text' ? doc : null;
    const position = text ? ide.editor.getPosition() : null;
    this.position.textContent = position ? `Ln ${position.lineNumber}, Col ${position.column}` : '';
    this.position.hidden = !position;
    this.encoding.textContent = text ? encodingLabel(text.content) : '';
    this.eol.textContent = text ? (text.model.getEOL() === '\r\n' ? 'CRLF' : 'LF') : '';
    this.eol.hidden = !text;
    const languageId = text?.model.getLanguageId();
    const language = text ? monaco.languages.getLanguages().find((l) => l.id === languageId) : null;
    this.language.textContent = language ? (language.aliases?.[0] ?? language.id) : '';
    const server = languageId ? this.servers.get(languageId) : null;
    this.server.hidden = !server;
    this.server.textContent = server ? `{ } ${server.state}` : '';
    this.server.title = server?.message ?? '';
  }

  dispose() {
    window.removeEventListener('workspaces:language-status', this.onLanguageStatus);
    clearTimeout(this.notifyTimer);
  }
}
