// Light and dark: follows the operating system (prefers-color-scheme) unless the user picked one. App.razor sets the
// first value before anything paints; Monaco and xterm.js follow the `workspaces:theme` event.
const KEY = 'workspaces.theme';
const system = matchMedia('(prefers-color-scheme: dark)');

export const themeSetting = () => localStorage.getItem(KEY) ?? 'system';

export function applyTheme() {
  const setting = themeSetting();
  const theme = setting === 'dark' || (setting === 'system' && system.matches) ? 'dark' : 'light';
  document.documentElement.dataset.theme = theme;
  document.documentElement.style.colorScheme = theme;
  window.dispatchEvent(new CustomEvent('workspaces:theme', { detail: { theme, setting } }));
}

/** 'light', 'dark' or 'system'. */
export function setTheme(setting) {
  if (setting === 'system') localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, setting);
  applyTheme();
}

export function watchSystemTheme() {
  const onChange = () => { if (themeSetting() === 'system') applyTheme(); };
  system.addEventListener('change', onChange);
  return () => system.removeEventListener('change', onChange);
}
