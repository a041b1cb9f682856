// Builds the realtime demo into a directory the local stack serves at /demo/: index.html as it is,
// and app.js bundled for the browser with esbuild (with @stream-io/feeds-client and its
// dependencies, all from scripts/node_modules, so it works offline after scripts/setup).
//
//   node examples/realtime-demo/build.mjs OUT_DIR
//
// scripts/dev runs this on start (OUT_DIR under .local/, git-ignored); the bundle is never committed.

import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const scripts = path.resolve(here, '../../scripts');
const scriptsRequire = createRequire(path.join(scripts, 'package.json'));

const out = process.argv[2];
if (!out) {
  console.error('usage: node examples/realtime-demo/build.mjs OUT_DIR');
  process.exit(2);
}

let esbuild;
try {
  esbuild = scriptsRequire('esbuild');
} catch {
  console.error('esbuild is not installed in scripts/node_modules: run scripts/setup');
  process.exit(1);
}

mkdirSync(out, { recursive: true });
copyFileSync(path.join(here, 'index.html'), path.join(out, 'index.html'));
await esbuild.build({
  entryPoints: [path.join(here, 'app.js')],
  outfile: path.join(out, 'app.js'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  sourcemap: true,
  // The page's imports resolve from scripts/node_modules (examples/ has no node_modules of its own).
  nodePaths: [path.join(scripts, 'node_modules')],
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});
