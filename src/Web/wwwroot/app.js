// Small helpers for the Blazor shell. Keep bytes (terminal, files) out of here: they travel on their own connections.
window.workspaces = {
  copy(text) { return navigator.clipboard?.writeText(text); },
};

// "Reload on save" in the preview panel: the editor announces each save (see ClientApp/src/editor/editor.js). The frame
// is another origin, so it cannot be told to reload; setting its address again navigates it afresh.
window.addEventListener('workspaces:file-saved', () => {
  for (const panel of document.querySelectorAll('.preview-panel')) {
    const frame = panel.querySelector('iframe.preview-frame');
    if (frame && panel.querySelector('input.reload-on-save')?.checked) {
      frame.src = frame.src;
    }
  }
});
