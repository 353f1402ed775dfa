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

await Promise.all([
  // The pages' modules (imported by Blazor components through JS interop). Split, so that language intelligence
  // (src/languages/, imported dynamically when a file of a language opens) is a chunk of its own and Monaco is shared.
  // editing.js (Monaco and the editor groups) is an entry of its own that editor.js imports dynamically: editor.js stays
  // small and starts the file tree and the agent connection at once. editor.css has the styles of both.
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
