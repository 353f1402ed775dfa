// Bundles the browser code into ../wwwroot/dist. Run by the web project's build (see Web.csproj) or `npm run build`.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

// Chunk names carry content hashes: start from an empty folder so stale ones never pile up in the committed bundle.
const chunks = '../wwwroot/dist/chunks';
fs.rmSync(chunks, { recursive: true, force: true });

const common = {
  bundle: true,
  target: ['chrome110', 'firefox110', 'safari16'],
  minify: true,
  sourcemap: true,
  outdir: '../wwwroot/dist',
  logLevel: 'warning',
};

// Monaco reaches the modules only through src/editor/monaco.js, which loads dist/monaco.js: an import of monaco-editor
// from a module would bundle a second copy of it into the chunks (and undo what dist/monaco.js is for).
const monacoOnlyFromItsScript = {
  name: 'monaco-only-from-its-script',
  setup(build) {
    build.onResolve({ filter: /^monaco-editor(\/|$)/ }, (args) => ({
      errors: [{ text: `${args.path} imported by ${args.importer}: use src/editor/monaco.js (Monaco is dist/monaco.js, a classic script)` }],
    }));
  },
};

await Promise.all([
  // The pages' modules (imported by Blazor components through JS interop). Split, so that language intelligence
  // (src/languages/, imported dynamically when a file of a language opens) is a chunk of its own.
  // editing.js (the editor groups on Monaco) is an entry of its own that editor.js imports dynamically: editor.js stays
  // small and starts the file tree and the agent connection at once. editor.css has the editor's styles.
  esbuild.build({
    ...common,
    entryPoints: {
      workbench: 'src/workbench/workbench.js',
      terminals: 'src/terminals.js',
      editor: 'src/editor/editor.js',
      editing: 'src/editor/editing.js',
    },
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    loader: { '.css': 'css', '.ttf': 'file' },
    assetNames: '[name]',
    plugins: [monacoOnlyFromItsScript],
  }),
  // Monaco itself: one classic script (an IIFE setting globalThis.WorkspacesMonaco) with its styles in monaco.css, both
  // loaded by src/editor/monaco.js. Classic because Chromium reuses a classic script's compiled code on a warm visit
  // and a module's not (see src/editor/monaco-bundle.js). Its languages' tokenizers, split out in a module build, are in it.
  esbuild.build({
    ...common,
    entryPoints: { monaco: 'src/editor/monaco-bundle.js' },
    format: 'iife',
    globalName: 'WorkspacesMonaco',
    loader: { '.css': 'css', '.ttf': 'file' },
    assetNames: '[name]',
  }),
  // Monaco's web workers, each a classic script the editor starts with `new Worker(url)` (see src/editor/monaco.js).
  // The TypeScript worker is fetched only for JS/TS in a workspace without a language server (src/languages/fallback.js).
  esbuild.build({
    ...common,
    entryPoints: {
      'editor.worker': 'monaco-editor/editor/editor.worker.js',
      'json.worker': 'monaco-editor/language/json/json.worker.js',
      'css.worker': 'monaco-editor/language/css/css.worker.js',
      'html.worker': 'monaco-editor/language/html/html.worker.js',
      'ts.worker': 'monaco-editor/language/typescript/ts.worker.js',
    },
    format: 'iife',
  }),
]);

// A chunk that imports CSS gets a copy of Monaco's styles, which nothing loads (editor.css has them): drop those.
for (const file of fs.readdirSync(chunks)) {
  if (/\.css(\.map)?$/.test(file)) fs.rmSync(path.join(chunks, file));
}
// The same for editing.js's copy: editor.js, which imports it, loads editor.css.
fs.rmSync('../wwwroot/dist/editing.css', { force: true });
fs.rmSync('../wwwroot/dist/editing.css.map', { force: true });
