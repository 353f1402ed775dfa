// Small helpers for the Blazor shell. Keep bytes (terminal, files) out of here: they travel on their own connections.
window.workspaces = {
  copy(text) { return navigator.clipboard?.writeText(text); },
};
