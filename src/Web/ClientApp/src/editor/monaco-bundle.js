// Monaco as one classic script (dist/monaco.js, built as an IIFE that sets globalThis.WorkspacesMonaco), loaded by
// monaco.js. Classic, not a module, for the warm visit: Chromium reuses V8's compiled code (its code cache) for a
// classic script from the HTTP cache, but parses and compiles a module script from source on every visit, and for
// Monaco (4 MB) that was about a second on the path to typing. Everything of Monaco the page uses comes from here, so
// there is one copy of it: the editor API and, for src/languages/fallback.js, the TypeScript mode's setup.
import * as monaco from 'monaco-editor';
import { setupTypeScript, setupJavaScript } from 'monaco-editor/languages/features/typescript/tsMode.js';

export { monaco, setupTypeScript, setupJavaScript };
