// A preview of a workspace port as an editor tab: its own origin in a frame (never the IDE's), an address bar,
// reload, reload on save, and a link to open it in a browser tab.
import { el } from './util.js';

export function previewKey(url) {
  return `preview:${new URL(url).origin}`;
}

export function createPreview(url) {
  const start = new URL(url);
  const origin = start.origin;
  let path = start.pathname + start.search;
  const address = el('input', { class: 'mono preview-address', value: path, 'aria-label': 'Preview address', spellcheck: 'false' });
  const frame = el('iframe', {
    class: 'preview-frame', title: `Preview of ${origin}`, src: origin + path,
    sandbox: 'allow-scripts allow-forms allow-same-origin allow-popups allow-modals allow-downloads',
  });
  const reloadOnSave = el('input', { type: 'checkbox', class: 'reload-on-save' });
  const link = el('a', { href: origin + path, target: '_blank', rel: 'noopener' }, 'Open in a browser tab');
  const reloadButton = el('button', { type: 'button', 'aria-label': 'Reload preview', title: 'Reload' }, el('span', { class: 'codicon codicon-refresh', 'aria-hidden': 'true' }));
  const form = el('form', { class: 'preview-bar' },
    el('span', { class: 'mono small muted preview-origin' }, origin), address, el('button', { type: 'submit' }, 'Go'), reloadButton,
    el('label', { class: 'small check', title: 'Reload the preview each time a file is saved in the editor' }, reloadOnSave, ' Reload on save'),
    link);
  const element = el('div', { class: 'preview-tab', 'data-origin': origin }, form, frame);
  const preview = {
    key: `preview:${origin}`,
    title: `Preview ${start.hostname.split('-')[0]}`,
    element,
    address,
    url: () => origin + path,
    // The frame is another origin: the IDE cannot call reload() on it, so setting its address again navigates it afresh.
    reload: () => { frame.src = origin + path; },
    navigate(to) {
      const target = new URL(to, origin);
      if (target.origin !== origin) return;
      path = target.pathname + target.search;
      address.value = path;
      link.href = origin + path;
      frame.src = origin + path;
    },
    savedFile: () => { if (reloadOnSave.checked) preview.reload(); },
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    preview.navigate(address.value.startsWith('/') ? address.value : `/${address.value}`);
  });
  reloadButton.addEventListener('click', () => preview.reload());
  return preview;
}
