// Bundles the browser code into ../wwwroot/dist. Run by the web project's build (see Web.csproj) or `npm run build`.
import * as esbuild from 'esbuild';

await esbuild.build({
  entryPoints: { terminals: 'src/terminals.js' },
  bundle: true,
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  minify: true,
  sourcemap: true,
  outdir: '../wwwroot/dist',
  loader: { '.css': 'css' },
  logLevel: 'warning',
});
