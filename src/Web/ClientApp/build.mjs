// Bundles the browser code into ../wwwroot/dist. Run by the web project's build (see Web.csproj) or `npm run build`.
import * as esbuild from 'esbuild';

const common = {
  bundle: true,
  target: ['chrome110', 'firefox110', 'safari16'],
  minify: true,
  sourcemap: true,
  outdir: '../wwwroot/dist',
  logLevel: 'warning',
};

await Promise.all([
  // The pages' modules (imported by Blazor components through JS interop).
  esbuild.build({
    ...common,
    entryPoints: { workbench: 'src/workbench/workbench.js', terminals: 'src/terminals.js', editor: 'src/editor/editor.js' },
    format: 'esm',
    loader: { '.css': 'css', '.ttf': 'file' },
    assetNames: '[name]',
  }),
  // Monaco's web workers, each a classic script the editor starts with `new Worker(url)` (see src/editor/monaco.js).
  // Not the TypeScript worker: 7 MB minified, committed with every change; JS/TS get highlighting without IntelliSense.
  esbuild.build({
    ...common,
    entryPoints: {
      'editor.worker': 'monaco-editor/editor/editor.worker.js',
      'json.worker': 'monaco-editor/language/json/json.worker.js',
      'css.worker': 'monaco-editor/language/css/css.worker.js',
      'html.worker': 'monaco-editor/language/html/html.worker.js',
    },
    format: 'iife',
  }),
]);
