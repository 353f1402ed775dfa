// What a tab shows for a file that is not text: an image, or a message (binary, too large) with a download link.
import { el, baseName, imageType } from './util.js';

/**
 * @param {import('./editor.js').Ide} ide
 * @param {import('./document.js').Document} doc
 * @param {HTMLElement} host
 */
export async function renderMedia(ide, doc, host) {
  const download = el('a', { class: 'button', href: ide.fileOps.downloadUrl(doc.path), download: baseName(doc.path) }, 'Download');
  if (doc.kind === 'image') {
    const image = el('img', { alt: doc.path, class: 'image-preview' });
    host.replaceChildren(el('p', { class: 'muted' }, `${baseName(doc.path)} · ${formatSize(doc.content.Size)}`, ' ', download), image);
    try {
      const bytes = await ide.files.invoke('ReadBytes', doc.path);
      // A blob URL in an <img>: an SVG's scripts never run, and nothing is served from the IDE's origin.
      const url = URL.createObjectURL(new Blob([bytes], { type: imageType(doc.path) }));
      image.src = url;
      image.onload = () => URL.revokeObjectURL(url);
    } catch (e) {
      image.replaceWith(el('p', { class: 'error' }, e.message));
    }
  } else {
    host.replaceChildren(
      el('div', { class: 'binary-message', 'data-kind': doc.kind },
        el('span', { class: 'codicon codicon-file-binary' }),
        el('p', {}, doc.content.Message ?? 'This file cannot be shown in the editor.'),
        el('p', { class: 'muted' }, formatSize(doc.content.Size)),
        download));
  }
}

function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
