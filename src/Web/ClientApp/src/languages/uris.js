// Models are named file:///<path in the checkout>; servers see the checkout's real path (the root the agent reports).
// Messages are rewritten as text, which is cheap next to parsing: every JSON string that starts with the one prefix
// becomes the other. A location outside the checkout gets the scheme `outside:`, which the editor never opens.

const MARK = '\u0001'; // never raw inside JSON text (control characters are escaped), so it cannot collide

export function toServer(text, rootUri) {
  return text.replaceAll('"file:///', `"${rootUri}/`);
}

export function fromServer(text, rootUri) {
  return text
    .replaceAll(`"${rootUri}/`, `"${MARK}`)
    .replaceAll('"file:///', '"outside:///')
    .replaceAll(`"${MARK}`, '"file:///');
}

/** The checkout-relative path of a model URI, or null for anything else. */
export function pathOf(uri) {
  const text = String(uri);
  return text.startsWith('file:///') ? decodeURIComponent(text.slice('file:///'.length)) : null;
}
