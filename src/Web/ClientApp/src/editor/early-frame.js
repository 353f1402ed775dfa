// The editor before Blazor's circuit is up: a frame of the workbench that the page's shell draws where the workbench
// was on the last visit (same window size), with the editor's hosts in it, so that the file tree and the restored tabs
// are there, and accept typing, while the circuit starts and renders the workbench (0.5-0.8 s of a warm visit). When
// Blazor mounts the editor, the Ide moves what it built in the frame into the workbench's hosts (Ide.adopt) and the
// frame goes away; nothing typed in between is lost, because it is the same editor, models and undo stacks.
// The frame holds no data of its own: its geometry and the workbench's view attributes are saved here, per user and
// workspace, each time the editor is ready (and when the page goes away).
import { el } from './util.js';

/** The frame's regions, as WorkbenchView.razor has them; only the [data-host] ones get content (the editor's). */
const HOSTS = ['explorer', 'search', 'scm', 'editors', 'problems', 'status-left', 'status-right'];

/** @param {string} user @param {string} workspace */
const frameKey = (user, workspace) => `workspaces.workbench.${user}.${workspace}.frame`;

/**
 * Remembers where the workbench <paramref name="root"/> is and how it shows (its view, side bar and panel), for the
 * next visit's frame.
 * @param {HTMLElement} root @param {string} user @param {string} workspace
 */
export function saveFrame(root, user, workspace) {
  const rect = root.getBoundingClientRect();
  if (rect.width < 1 || rect.height < 1) return;
  const data = {};
  for (const name of ['view', 'sidebar', 'panel', 'panelView']) {
    if (root.dataset[name]) data[name] = root.dataset[name];
  }
  const frame = {
    viewport: [innerWidth, innerHeight],
    rect: [rect.left, rect.top, rect.width, rect.height].map(Math.round),
    data,
    sidebarWidth: root.style.getPropertyValue('--sidebar-width'),
    panelHeight: root.style.getPropertyValue('--panel-height'),
  };
  try {
    localStorage.setItem(frameKey(user, workspace), JSON.stringify(frame));
  } catch {
    // A full storage only costs the next visit its early editor.
  }
}

/**
 * The frame saved on the last visit, or null when there is none, it is not what saveFrame wrote, or the window has
 * another size now (the frame would not sit where the workbench comes).
 * @param {string} user @param {string} workspace
 */
export function readFrame(user, workspace) {
  let frame;
  try {
    frame = JSON.parse(localStorage.getItem(frameKey(user, workspace)) ?? 'null');
  } catch {
    return null;
  }
  const numbers = (value, length) => Array.isArray(value) && value.length === length && value.every((n) => Number.isFinite(n));
  if (!frame || !numbers(frame.viewport, 2) || !numbers(frame.rect, 4) || typeof frame.data !== 'object' || frame.data === null) return null;
  if (frame.viewport[0] !== innerWidth || frame.viewport[1] !== innerHeight) return null;
  return frame;
}

const cssLength = (value) => (typeof value === 'string' && /^\d+(\.\d+)?px$/.test(value) ? value : '');
const token = (value) => (typeof value === 'string' && /^[a-z-]{1,20}$/i.test(value) ? value : '');

/**
 * Draws the frame <paramref name="frame"/> (readFrame's) over the page, hidden until show(): the workbench's grid with
 * empty activity bar, panel bar and status bar, and the editor's hosts.
 * @param {NonNullable<ReturnType<typeof readFrame>>} frame
 */
export function drawFrame(frame) {
  const [left, top, width, height] = frame.rect;
  const root = el('div', { class: 'workbench workbench-early', 'data-early-frame': '', 'aria-busy': 'true' });
  Object.assign(root.style, {
    position: 'fixed', left: `${left}px`, top: `${top}px`, width: `${width}px`, height: `${height}px`, zIndex: '25', visibility: 'hidden',
  });
  for (const name of ['view', 'sidebar', 'panel', 'panelView']) {
    if (token(frame.data[name])) root.dataset[name] = token(frame.data[name]);
  }
  root.dataset.view ||= 'explorer';
  if (cssLength(frame.sidebarWidth)) root.style.setProperty('--sidebar-width', cssLength(frame.sidebarWidth));
  if (cssLength(frame.panelHeight)) root.style.setProperty('--panel-height', cssLength(frame.panelHeight));
  const part = (tag, attributes, ...children) => el(tag, { ...attributes, 'data-early-frame': '' }, ...children);
  const view = (name) => part('section', { class: 'wb-view', 'data-view': name, 'data-host': name });
  const problems = part('div', { class: 'wb-panel-view', 'data-panel': 'problems', 'data-host': 'problems' });
  problems.hidden = root.dataset.panelView !== 'problems';
  root.append(
    part('nav', { class: 'wb-activity' }),
    part('aside', { class: 'wb-sidebar' }, view('explorer'), view('search'), view('scm')),
    part('div', { class: 'wb-sash wb-sash-sidebar' }),
    part('div', { class: 'wb-editors', 'data-host': 'editors' }),
    part('div', { class: 'wb-sash wb-sash-panel' }),
    part('section', { class: 'wb-panel' }, part('div', { class: 'wb-panel-bar' }), problems),
    part('div', { class: 'wb-status' },
      part('div', { class: 'status-group', 'data-host': 'status-left' }), part('div', { class: 'status-group', 'data-host': 'status-right' })));
  document.body.append(root);
  return {
    root,
    show: () => { root.style.visibility = ''; },
    remove: () => root.remove(),
  };
}

/**
 * Moves what the editor built in the frame <paramref name="from"/> into the workbench <paramref name="to"/>: each host's
 * content into the host of the same name, and what the editor put on the frame itself (its menus, quick open) onto the
 * workbench. The focus stays where it was (moving a focused element drops it).
 * @param {HTMLElement} from @param {HTMLElement} to
 * @returns {() => void} gives the focus back, once the caller has re-pointed what it keeps
 */
export function moveFrameContent(from, to) {
  const focused = /** @type {HTMLElement | null} */ (from.contains(document.activeElement) ? document.activeElement : null);
  for (const name of HOSTS) {
    const source = /** @type {HTMLElement | null} */ (from.querySelector(`[data-host="${name}"]`));
    const target = /** @type {HTMLElement | null} */ (to.querySelector(`[data-host="${name}"]`));
    if (!source || !target) continue;
    if (source.dataset.groups) target.dataset.groups = source.dataset.groups;
    target.append(...source.childNodes);
  }
  for (const child of [...from.children]) {
    if (!child.hasAttribute('data-early-frame')) to.append(child);
  }
  if (from.dataset.restored) to.dataset.restored = from.dataset.restored;
  return () => focused?.isConnected && focused.focus({ preventScroll: true });
}

/**
 * Says on the frame <paramref name="frame"/> that its editor holds text that could not be saved (the page went on
 * without the workbench), and keeps it there, with the text, until the user lets it go.
 * @param {{ root: HTMLElement }} frame @param {() => void} discard
 */
export function showUnsaved(frame, discard) {
  frame.root.removeAttribute('aria-busy');
  frame.root.style.visibility = '';
  const button = el('button', { type: 'button', class: 'danger' }, 'Discard changes');
  const notice = el('div', { class: 'early-unsaved', role: 'alert', 'data-early-frame': '' },
    el('span', {}, 'Your changes could not be saved: the workspace is not running, or the file changed on disk. Copy what you need, or start the workspace in another tab and save again (Ctrl+S).'),
    button);
  button.addEventListener('click', () => {
    if (confirm('Discard the unsaved changes?')) discard();
  });
  frame.root.prepend(notice);
}
