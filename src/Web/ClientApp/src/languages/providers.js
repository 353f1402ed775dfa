// Monaco's language features, each asking the session of the model's language. Conversions between LSP and Monaco
// types come from monaco-languageserver-types.
import { monaco } from '../editor/monaco.js';
import {
  fromPosition, fromRange, toCompletionItem, toHover, toSignatureHelp, toLocation, toLocationLink,
  toDocumentSymbol, toTextEdit, toDocumentHighlight, fromFormattingOptions, toRange, fromCompletionContext, fromSignatureHelpContext,
} from 'monaco-languageserver-types';
import { applyWorkspaceEdit, editTouchesOnly } from './edits.js';

const APPLY_EDIT = 'workspaces.languages.applyEdit';
const EXECUTE = 'workspaces.languages.executeCommand';
let commandsRegistered = false;

function doc(model) {
  return { uri: model.uri.toString() };
}

function at(model, position) {
  return { textDocument: doc(model), position: fromPosition(position) };
}

/** Locations outside the checkout (scheme `outside:`) are dropped and said so: the editor never opens them. */
function inside(locations, ide) {
  const kept = locations.filter((l) => (l.uri ?? l.targetUri).startsWith('file:///'));
  if (kept.length < locations.length) ide.notify(`${locations.length - kept.length} location(s) outside the workspace not shown`);
  return kept;
}

function toLocations(result, ide) {
  if (!result) return null;
  const list = Array.isArray(result) ? result : [result];
  return inside(list, ide).map((l) => ('targetUri' in l ? toLocationLink(l) : toLocation(l)));
}

export function registerProviders(language, languages) {
  const { ide } = languages;
  const session = (model) => languages.forModel(model);
  const can = (model, capability) => Boolean(session(model)?.capabilities?.[capability]);
  const first = [...languages.sessions.values()].find((s) => s.language === language);
  const completion = first?.capabilities?.completionProvider ?? {};
  const signature = first?.capabilities?.signatureHelpProvider ?? {};

  if (!commandsRegistered) {
    commandsRegistered = true;
    monaco.editor.registerCommand(APPLY_EDIT, (_accessor, edit, label) => applyWorkspaceEdit(ide, edit, label));
    monaco.editor.registerCommand(EXECUTE, (_accessor, language, command) =>
      languages.sessions.get(language)?.request('workspace/executeCommand', { command: command.command, arguments: command.arguments }));
  }

  const originals = new WeakMap(); // Monaco item → the server's item, for completionItem/resolve
  monaco.languages.registerCompletionItemProvider(language, {
    triggerCharacters: completion.triggerCharacters ?? [],
    async provideCompletionItems(model, position, context, token) {
      if (!can(model, 'completionProvider')) return null;
      const result = await session(model).request('textDocument/completion', { ...at(model, position), context: fromCompletionContext(context) }, token);
      if (!result) return null;
      const word = model.getWordUntilPosition(position);
      const range = new monaco.Range(position.lineNumber, word.startColumn, position.lineNumber, word.endColumn);
      const items = Array.isArray(result) ? result : result.items;
      const suggestions = items.map((item) => {
        const converted = toCompletionItem(item, { range, itemDefaults: result.itemDefaults });
        originals.set(converted, item);
        return converted;
      });
      return { suggestions, incomplete: Boolean(result.isIncomplete) };
    },
    async resolveCompletionItem(item, token) {
      const original = originals.get(item);
      const model = ide.editor.getModel();
      if (!original || !model || !session(model)?.capabilities?.completionProvider?.resolveProvider) return item;
      const resolved = await session(model).request('completionItem/resolve', original, token);
      if (!resolved) return item;
      return { ...item, ...toCompletionItem(resolved, { range: item.range }), range: item.range, insertText: item.insertText, insertTextRules: item.insertTextRules };
    },
  });

  monaco.languages.registerHoverProvider(language, {
    async provideHover(model, position, token) {
      if (!can(model, 'hoverProvider')) return null;
      const result = await session(model).request('textDocument/hover', at(model, position), token);
      return result ? toHover(result) : null;
    },
  });

  monaco.languages.registerSignatureHelpProvider(language, {
    signatureHelpTriggerCharacters: signature.triggerCharacters ?? ['(', ','],
    signatureHelpRetriggerCharacters: signature.retriggerCharacters ?? [],
    async provideSignatureHelp(model, position, token, context) {
      if (!can(model, 'signatureHelpProvider')) return null;
      const result = await session(model).request('textDocument/signatureHelp', { ...at(model, position), context: fromSignatureHelpContext(context) }, token);
      return result ? { value: toSignatureHelp(result), dispose() {} } : null;
    },
  });

  monaco.languages.registerDefinitionProvider(language, {
    async provideDefinition(model, position, token) {
      if (!can(model, 'definitionProvider')) return null;
      return toLocations(await session(model).request('textDocument/definition', at(model, position), token), ide);
    },
  });

  monaco.languages.registerReferenceProvider(language, {
    async provideReferences(model, position, context, token) {
      if (!can(model, 'referencesProvider')) return null;
      return toLocations(await session(model).request('textDocument/references', { ...at(model, position), context: { includeDeclaration: context.includeDeclaration } }, token), ide);
    },
  });

  monaco.languages.registerDocumentHighlightProvider(language, {
    async provideDocumentHighlights(model, position, token) {
      if (!can(model, 'documentHighlightProvider')) return null;
      const result = await session(model).request('textDocument/documentHighlight', at(model, position), token);
      return result ? result.map(toDocumentHighlight) : null;
    },
  });

  monaco.languages.registerDocumentSymbolProvider(language, {
    displayName: 'Language server',
    async provideDocumentSymbols(model, token) {
      if (!can(model, 'documentSymbolProvider')) return null;
      const result = await session(model).request('textDocument/documentSymbol', { textDocument: doc(model) }, token);
      if (!result) return null;
      // Flat SymbolInformation (older servers) becomes symbols without children.
      return result.map((s) => ('location' in s
        ? toDocumentSymbol({ name: s.name, kind: s.kind, range: s.location.range, selectionRange: s.location.range, tags: s.tags })
        : toDocumentSymbol(s)));
    },
  });

  monaco.languages.registerDocumentFormattingEditProvider(language, {
    async provideDocumentFormattingEdits(model, options, token) {
      if (!can(model, 'documentFormattingProvider')) return null;
      const result = await session(model).request('textDocument/formatting', { textDocument: doc(model), options: fromFormattingOptions(options) }, token);
      return result ? result.map(toTextEdit) : null;
    },
  });

  monaco.languages.registerDocumentRangeFormattingEditProvider(language, {
    async provideDocumentRangeFormattingEdits(model, range, options, token) {
      if (!can(model, 'documentRangeFormattingProvider')) return null;
      const result = await session(model).request('textDocument/rangeFormatting', { textDocument: doc(model), range: fromRange(range), options: fromFormattingOptions(options) }, token);
      return result ? result.map(toTextEdit) : null;
    },
  });

  monaco.languages.registerRenameProvider(language, {
    async provideRenameEdits(model, position, newName, token) {
      if (!can(model, 'renameProvider')) return null;
      const result = await session(model).request('textDocument/rename', { ...at(model, position), newName }, token);
      if (!result) return { edits: [], rejectReason: 'The language server could not rename this.' };
      // Every file changes through the editor's save path (with its version checks), so Monaco applies nothing itself.
      await applyWorkspaceEdit(ide, result, `Rename to ${newName}`, { save: true });
      return { edits: [] };
    },
    async resolveRenameLocation(model, position, token) {
      const word = model.getWordAtPosition(position);
      const fallback = word ? { range: new monaco.Range(position.lineNumber, word.startColumn, position.lineNumber, word.endColumn), text: word.word } : null;
      if (!session(model)?.capabilities?.renameProvider?.prepareProvider) return fallback;
      const result = await session(model).request('textDocument/prepareRename', at(model, position), token);
      if (!result) return { ...fallback, rejectReason: 'This symbol cannot be renamed.' };
      if ('range' in result) return { range: toRange(result.range), text: result.placeholder ?? model.getValueInRange(toRange(result.range)) };
      if ('start' in result) return { range: toRange(result), text: model.getValueInRange(toRange(result)) };
      return fallback;
    },
  });

  monaco.languages.registerCodeActionProvider(language, {
    async provideCodeActions(model, range, context, token) {
      if (!can(model, 'codeActionProvider')) return null;
      const s = session(model);
      const diagnostics = (s.diagnostics.get(model.uri.toString()) ?? []).filter((d) => monaco.Range.areIntersectingOrTouching(toRange(d.range), range));
      const result = await s.request('textDocument/codeAction', {
        textDocument: doc(model),
        range: fromRange(range),
        context: { diagnostics, only: context.only ? [context.only] : undefined, triggerKind: context.trigger },
      }, token);
      if (!result) return null;
      const actions = result.map((action) => toMonacoAction(action, model, language));
      return { actions, dispose() {} };
    },
  }, { providedCodeActionKinds: ['quickfix', 'refactor', 'source'] });
}

/** A code action's edit runs our edit command (through the save path for other files); its command asks the server. */
function toMonacoAction(action, model, language) {
  if (typeof action.command === 'string') { // a bare Command
    return { title: action.title, command: { id: EXECUTE, title: action.title, arguments: [language, action] } };
  }
  const result = { title: action.title, kind: action.kind, isPreferred: action.isPreferred, disabled: action.disabled?.reason };
  if (action.edit && editTouchesOnly(action.edit, model.uri.toString())) {
    // Only the open file: Monaco applies it to the model (undoable), and the file is saved as any edit is.
    result.edit = { edits: textEditsOf(action.edit).map((e) => ({ resource: model.uri, versionId: undefined, textEdit: toTextEdit(e) })) };
  } else if (action.edit) {
    result.command = { id: APPLY_EDIT, title: action.title, arguments: [action.edit, action.title] };
  }
  if (action.command && !result.command) {
    result.command = { id: EXECUTE, title: action.command.title, arguments: [language, action.command] };
  }
  return result;
}

function textEditsOf(edit) {
  if (edit.documentChanges) return edit.documentChanges.flatMap((c) => c.edits ?? []);
  return Object.values(edit.changes ?? {}).flat();
}
