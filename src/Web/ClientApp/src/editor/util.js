// Small DOM and path helpers for the editor.

/** Creates an element: attributes (hidden/disabled as booleans), then children (strings become text). */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) {
      continue;
    }
    if (name === 'hidden' || name === 'disabled' || name === 'checked') {
      element[name] = Boolean(value);
    } else if (name === 'value') {
      element.value = value;
    } else {
      element.setAttribute(name, value === true ? '' : value);
    }
  }
  element.append(...children.filter((c) => c !== null && c !== undefined));
  return element;
}

export const parentOf = (path) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');
export const baseName = (path) => path.slice(path.lastIndexOf('/') + 1);
export const joinPath = (folder, name) => (folder ? `${folder}/${name}` : name);

const IMAGE_TYPES = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', bmp: 'image/bmp',
  ico: 'image/x-icon', svg: 'image/svg+xml', avif: 'image/avif',
};

export const extensionOf = (path) => {
  const name = baseName(path);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
};

export const imageType = (path) => IMAGE_TYPES[extensionOf(path)] ?? null;

const CODE = new Set(['js', 'mjs', 'cjs', 'ts', 'tsx', 'jsx', 'cs', 'razor', 'cshtml', 'py', 'go', 'rs', 'java', 'kt', 'c', 'h', 'cpp', 'hpp', 'rb', 'php', 'swift', 'scala', 'sh', 'bash', 'ps1', 'sql', 'lua', 'r', 'dart', 'fs', 'vb', 'css', 'scss', 'less', 'html', 'htm', 'xml', 'vue', 'svelte']);

/** A codicon for a tree row: folders, code, data, documents, images. */
export function iconFor(entry) {
  if (entry.Kind === 'Directory') return 'codicon-folder';
  if (entry.Kind === 'Other') return 'codicon-circle-slash';
  const ext = extensionOf(entry.Name);
  const name = entry.Name.toLowerCase();
  if (IMAGE_TYPES[ext]) return 'codicon-file-media';
  if (ext === 'json' || ext === 'yml' || ext === 'yaml' || ext === 'toml') return 'codicon-json';
  if (ext === 'md' || ext === 'markdown') return 'codicon-markdown';
  if (name === 'dockerfile' || name.startsWith('.git') || name.startsWith('.env') || ext === 'config' || ext === 'ini') return 'codicon-gear';
  if (ext === 'zip' || ext === 'gz' || ext === 'tgz' || ext === 'jar' || ext === 'nupkg') return 'codicon-file-zip';
  if (ext === 'pdf') return 'codicon-file-pdf';
  if (CODE.has(ext)) return 'codicon-file-code';
  return 'codicon-file';
}

export function encodingLabel(content) {
  const names = { 'utf-8': 'UTF-8', 'utf-16le': 'UTF-16 LE', 'utf-16be': 'UTF-16 BE', 'iso-8859-1': 'ISO 8859-1' };
  const name = names[content.Encoding] ?? content.Encoding;
  return content.Bom ? `${name} with BOM` : name;
}

export function debounce(fn, ms) {
  let timer = null;
  const debounced = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  debounced.cancel = () => clearTimeout(timer);
  return debounced;
}
