// Monaco from npm, with every language it ships, for the modules that use it: dist/monaco.js (a classic script, see
// monaco-bundle.js), loaded by monaco-script.js; editor.js has usually started that already.
import { loadMonacoScript } from './monaco-script.js';

const bundle = await loadMonacoScript();

/** @type {typeof import('monaco-editor')} */
export const monaco = bundle.monaco;

/** The TypeScript mode's setup, for src/languages/fallback.js (one copy of Monaco: the one in dist/monaco.js). */
export const { setupTypeScript, setupJavaScript } = bundle;

// The TypeScript service stays off: language servers in the workspace serve JS/TS. Without one, src/languages/fallback.js
// turns it on (and only then is its worker fetched).
const typescript = /** @type {typeof monaco.typescript} */ (monaco.typescript ?? monaco.languages.typescript);
if (typescript) {
  const off = {
    completionItems: false, hovers: false, documentSymbols: false, definitions: false, references: false,
    documentHighlights: false, rename: false, diagnostics: false, documentRangeFormattingEdits: false,
    signatureHelp: false, onTypeFormattingEdits: false, codeActions: false, inlayHints: false,
  };
  for (const defaults of [typescript.typescriptDefaults, typescript.javascriptDefaults]) {
    defaults?.setModeConfiguration?.(off);
    defaults?.setDiagnosticsOptions?.({ noSemanticValidation: true, noSyntaxValidation: true, noSuggestionDiagnostics: true });
  }
}
