// The commands the palette lists and the keys that run them. Each bundle (workbench, editor, terminals) is its own
// esbuild entry, so they share one registry through a global rather than a module instance.
const registry = (globalThis.__workspacesCommands ??= new Map());

/**
 * Registers commands: { id, title, key?, bind?, when?, run }. `key` is shown in the palette; with `bind` the workbench
 * runs the command on that key from anywhere on the page (the editor and the terminal included). Returns an unregister.
 */
export function registerCommands(list) {
  for (const command of list) registry.set(command.id, command);
  return () => {
    for (const command of list) {
      if (registry.get(command.id) === command) registry.delete(command.id);
    }
  };
}

export function availableCommands() {
  return [...registry.values()].filter((c) => !c.when || c.when());
}

export function runCommand(id, ...args) {
  const command = registry.get(id);
  if (!command || (command.when && !command.when(...args))) return false;
  command.run(...args);
  return true;
}

const CODE_NAMES = { Backquote: '`', Backslash: '\\', Slash: '/', Comma: ',', Period: '.', Minus: '-', Equal: '=', BracketLeft: '[', BracketRight: ']', Semicolon: ';', Quote: "'" };

/** "Ctrl+Shift+P" for a key event (by physical key, so Shift does not change the name). */
export function keyName(e) {
  let key;
  if (/^Key[A-Z]$/.test(e.code)) key = e.code.slice(3);
  else if (/^Digit\d$/.test(e.code)) key = e.code.slice(5);
  else key = CODE_NAMES[e.code] ?? e.key;
  if (key === 'Control' || key === 'Shift' || key === 'Alt' || key === 'Meta') return null;
  return [(e.ctrlKey || e.metaKey) && 'Ctrl', e.shiftKey && 'Shift', e.altKey && 'Alt', key].filter(Boolean).join('+');
}

/** The bound command for a key, if any. */
export function commandForKey(name) {
  for (const command of registry.values()) {
    if (command.bind && command.key === name && (!command.when || command.when())) return command;
  }
  return null;
}
