// The editor's layout as layout.js saves it in local storage: { groups: [{ tabs: [{ path } | { preview }], active }],
// activeGroup, views }. Read by layout.js to restore it, and by editor.js to start reading its files before Monaco is
// there; this module imports nothing, so editor.js stays small.

/**
 * The saved layout, or null when there is none or it is not JSON (said once, on the console).
 * @param {string} stateKey
 */
export function readSavedLayout(stateKey) {
  try {
    return JSON.parse(localStorage.getItem(stateKey) ?? 'null');
  } catch (e) {
    console.warn(`The editor's saved layout is not JSON; starting without it: ${e.message}`);
    return null;
  }
}

/**
 * The files the saved layout opens again, each once.
 * @param {any} saved
 * @returns {string[]}
 */
export function savedFilePaths(saved) {
  const paths = new Set();
  for (const group of Array.isArray(saved?.groups) ? saved.groups : []) {
    for (const tab of Array.isArray(group?.tabs) ? group.tabs : []) {
      if (typeof tab?.path === 'string') paths.add(tab.path);
    }
  }
  return [...paths];
}
