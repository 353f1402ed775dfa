// Small helpers for the Blazor shell. Keep bytes (terminal, files) out of here: they travel on their own connections.
const OUTPUT_BACKLOG = 1000;

window.workspaces = {
  // True once the text is on the clipboard. Over plain HTTP (not localhost) there is no navigator.clipboard: fall back
  // to the older copy command on a selected, off-screen text area.
  async copy(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      const area = document.createElement('textarea');
      area.value = text;
      area.setAttribute('readonly', '');
      area.style.position = 'fixed';
      area.style.left = '-9999px';
      document.body.append(area);
      area.select();
      try {
        return document.execCommand('copy');
      } catch {
        return false;
      } finally {
        area.remove();
      }
    }
  },

  // Clicks an element outside Blazor's reach of the caller (the workbench's commands live under its own root).
  click(selector) { document.querySelector(selector)?.click(); },

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
