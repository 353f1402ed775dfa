// Small helpers for the Blazor shell. Keep bytes (terminal, files) out of here: they travel on their own connections.
const OUTPUT_BACKLOG = 1000;

window.workspaces = {
  copy(text) { return navigator.clipboard?.writeText(text); },

  // Lines for the workbench's Output panel, as `workspaces:output` events ({ channel, text }) from anyone.
  output(channel, text) {
    window.dispatchEvent(new CustomEvent('workspaces:output', { detail: { channel, text } }));
  },
  // Those sent before the panel mounted (it reads them first).
  outputBacklog: [],

  // A port's preview as an editor tab (ClientApp/src/editor/preview.js).
  openPreview(url) {
    window.dispatchEvent(new CustomEvent('workspaces:open-preview', { detail: { url } }));
  },
};

window.addEventListener('workspaces:output', (e) => {
  const backlog = window.workspaces.outputBacklog;
  backlog.push(e.detail);
  if (backlog.length > OUTPUT_BACKLOG) backlog.splice(0, backlog.length - OUTPUT_BACKLOG);
});
