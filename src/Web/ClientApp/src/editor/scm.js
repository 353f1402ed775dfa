// The source control panel: changed files, diffs in Monaco's diff editor, stage/unstage, commit, pull, push, branches.
import { el, baseName, parentOf, debounce } from './util.js';

const STATUS_NAMES = { M: 'Modified', A: 'Added', D: 'Deleted', R: 'Renamed', C: 'Copied', T: 'Type changed', U: 'Conflict', '?': 'Untracked' };

export class SourceControlPanel {
  /** @param {import('./editor.js').Ide} ide */
  constructor(ide, pane) {
    this.ide = ide;
    this.branch = el('select', { class: 'scm-branch', 'aria-label': 'Branch' });
    this.branch.addEventListener('change', () => this.switchBranch());
    const action = (icon, title, onClick) => {
      const b = el('button', { class: 'icon-button', type: 'button', title, 'aria-label': title }, el('span', { class: `codicon codicon-${icon}` }));
      b.addEventListener('click', onClick);
      return b;
    };
    this.message = el('textarea', { class: 'scm-message', rows: 3, placeholder: 'Message (Ctrl+Enter to commit)', 'aria-label': 'Commit message' });
    this.message.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) this.commit();
    });
    this.commitButton = el('button', { class: 'primary scm-commit', type: 'button' }, 'Commit');
    this.commitButton.addEventListener('click', () => this.commit());
    this.result = el('div', { class: 'scm-result small', role: 'status', 'aria-live': 'polite' });
    this.sync = el('div', { class: 'scm-sync muted small' });
    this.staged = el('div', { class: 'scm-list', 'data-list': 'staged' });
    this.changes = el('div', { class: 'scm-list', 'data-list': 'changes' });
    this.stagedHeader = el('div', { class: 'scm-group' });
    this.changesHeader = el('div', { class: 'scm-group' });
    this.body = el('div', { class: 'scm-body' },
      el('div', { class: 'scm-branch-row' }, el('span', { class: 'codicon codicon-git-branch' }), this.branch, this.sync),
      this.message, this.commitButton, this.result,
      this.stagedHeader, this.staged, this.changesHeader, this.changes);
    pane.append(
      el('header', { class: 'pane-header' }, el('span', { class: 'pane-title' }, 'Source Control'),
        action('repo-pull', 'Pull', () => this.run('Pull', [], 'Pulling…')),
        action('repo-push', 'Push', () => this.run('Push', [], 'Pushing…')),
        action('refresh', 'Refresh', () => this.refresh())),
      this.body);
    this.refreshSoon = debounce(() => this.refresh(), 400);
  }

  async refresh() {
    let status;
    try {
      status = await this.ide.git.invoke('Status');
    } catch (e) {
      this.show(e.message, false);
      return;
    }
    this.status = status;
    if (!status.IsRepository || status.Error) {
      this.show(status.Error ?? 'This workspace is not a Git repository.', false);
      this.ide.status?.setBranch(null);
      return;
    }
    this.ide.status?.setBranch(status.Branch ?? '(detached)', status);
    const sync = [];
    if (status.Upstream) sync.push(`${status.Ahead} ↑ ${status.Behind} ↓ ${status.Upstream}`);
    if (status.Unpushed > 0) sync.push(`${status.Unpushed} unpushed commit${status.Unpushed === 1 ? '' : 's'}`);
    this.sync.textContent = sync.join(' · ');
    const staged = status.Changes.filter((c) => c.Index && c.Index !== '?');
    const unstaged = status.Changes.filter((c) => c.WorkTree || c.Conflicted);
    this.renderGroup(this.stagedHeader, 'Staged Changes', staged.length, 'Unstage All', () => this.run('Unstage', [staged.map((c) => c.Path)]));
    this.renderGroup(this.changesHeader, 'Changes', unstaged.length, 'Stage All', () => this.run('Stage', [unstaged.map((c) => c.Path)]));
    this.staged.replaceChildren(...staged.map((c) => this.row(c, true)));
    this.changes.replaceChildren(...unstaged.map((c) => this.row(c, false)));
    this.loadBranches(status.Branch);
  }

  renderGroup(header, title, count, actionTitle, onClick) {
    const button = el('button', { type: 'button', class: 'link-button', hidden: count === 0 }, actionTitle);
    button.addEventListener('click', onClick);
    header.replaceChildren(el('span', {}, `${title} `), el('span', { class: 'badge' }, String(count)), button);
  }

  row(change, staged) {
    const code = staged ? change.Index : change.Conflicted ? 'U' : change.WorkTree;
    const toggle = el('button', { type: 'button', class: 'icon-button', title: staged ? 'Unstage' : 'Stage', 'aria-label': `${staged ? 'Unstage' : 'Stage'} ${change.Path}` },
      el('span', { class: `codicon codicon-${staged ? 'remove' : 'add'}` }));
    toggle.addEventListener('click', (e) => {
      e.stopPropagation();
      this.run(staged ? 'Unstage' : 'Stage', [[change.Path]]);
    });
    const open = el('button', { type: 'button', class: 'icon-button', title: 'Open File', 'aria-label': `Open ${change.Path}` }, el('span', { class: 'codicon codicon-go-to-file' }));
    open.addEventListener('click', (e) => {
      e.stopPropagation();
      this.ide.open(change.Path);
    });
    const row = el('div', { class: `scm-row status-${code === '?' ? 'untracked' : code}`, role: 'button', tabindex: '0', 'data-path': change.Path, title: `${change.Path} · ${STATUS_NAMES[code] ?? code}` },
      el('span', { class: 'name' }, baseName(change.Path)), ' ', el('span', { class: 'muted small' }, parentOf(change.Path)),
      el('span', { class: 'actions' }, open, toggle), el('span', { class: 'code' }, code === '?' ? 'U' : code));
    row.addEventListener('click', () => this.diff(change, staged));
    return row;
  }

  async diff(change, staged) {
    try {
      const diff = await this.ide.git.invoke('Diff', change.Path, staged);
      if (diff.Binary) {
        this.show(`${change.Path} is binary: no text diff.`, false);
        return;
      }
      this.ide.tabs.openDiff(`${baseName(change.Path)} (${staged ? 'Index' : 'Working Tree'})`, diff.Original, diff.Modified, change.Path);
    } catch (e) {
      this.show(e.message, false);
    }
  }

  async commit() {
    if (!this.message.value.trim()) {
      this.show('Enter a commit message.', false);
      return;
    }
    const staged = this.status?.Changes.some((c) => c.Index && c.Index !== '?');
    if (!staged && this.status?.Changes.length > 0 && confirm('Nothing is staged. Stage all changes and commit them?')) {
      await this.run('Stage', [this.status.Changes.map((c) => c.Path)]);
    }
    const ok = await this.run('Commit', [this.message.value], 'Committing…');
    if (ok) this.message.value = '';
  }

  async loadBranches(current) {
    try {
      const branches = await this.ide.git.invoke('Branches');
      const options = branches.Branches.map((b) => el('option', { value: b.Name, selected: b.IsCurrent }, b.IsRemote ? `${b.Name} (remote)` : b.Name));
      if (!current) options.unshift(el('option', { value: '', selected: true }, '(detached HEAD)'));
      options.push(el('option', { value: '__new__' }, '+ Create new branch…'));
      this.branch.replaceChildren(...options);
      this.branch.value = current ?? '';
    } catch {
      // The status above already says what is wrong.
    }
  }

  async switchBranch() {
    const value = this.branch.value;
    if (value === '__new__') {
      const name = prompt('New branch name (created from the current commit and switched to):');
      if (name) {
        await this.run('CreateBranch', [name.trim()], 'Creating the branch…');
      } else {
        this.refresh();
      }
    } else if (value) {
      await this.run('SwitchBranch', [value], `Switching to ${value}…`);
    }
  }

  /** Runs a Git operation, shows its result (errors as the agent words them), refreshes. */
  async run(method, args, progress) {
    if (progress) this.show(progress, true);
    let result;
    try {
      result = await this.ide.git.invoke(method, ...args);
    } catch (e) {
      result = { Ok: false, Message: e.message };
    }
    if (progress || !result.Ok) this.show(result.Message || (result.Ok ? 'Done.' : 'Failed.'), result.Ok, result.Error);
    await this.refresh();
    return result.Ok;
  }

  show(text, ok, kind) {
    this.result.textContent = text;
    this.result.className = `scm-result small ${ok ? 'ok' : 'error'}`;
    this.result.dataset.error = kind ?? '';
  }

  dispose() {
    this.refreshSoon.cancel();
  }
}
