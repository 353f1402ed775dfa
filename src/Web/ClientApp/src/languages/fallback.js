// Monaco's own TypeScript service for JavaScript and TypeScript when the workspace has no language server: its worker
// (ts.worker.js, several MB) is fetched only now, never for the first paint. The mode's setup (22 KB) is in dist/monaco.js.
import { monaco, setupTypeScript, setupJavaScript } from '../editor/monaco.js';

let enabled = false;

export async function enableTypeScriptWorker() {
  if (enabled) return;
  enabled = true;
  const typescript = /** @type {typeof monaco.typescript} */ (monaco.typescript ?? monaco.languages.typescript);
  if (!typescript) return;
  const on = {
    completionItems: true, hovers: true, documentSymbols: true, definitions: true, references: true,
    documentHighlights: true, rename: true, diagnostics: true, documentRangeFormattingEdits: true,
    signatureHelp: true, onTypeFormattingEdits: true, codeActions: true, inlayHints: false,
  };
  for (const defaults of [typescript.typescriptDefaults, typescript.javascriptDefaults]) {
    defaults.setModeConfiguration(on);
    defaults.setDiagnosticsOptions({ noSemanticValidation: false, noSyntaxValidation: false, noSuggestionDiagnostics: false });
  }
  // Monaco registers a mode's providers once, when the language is first used (with everything off, see
  // editor/monaco.js), so they are registered again here with the features on.
  setupTypeScript(typescript.typescriptDefaults);
  setupJavaScript(typescript.javascriptDefaults);
}
