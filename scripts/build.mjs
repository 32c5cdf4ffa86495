// `npm install` in a checkout runs this (the package's own `prepare`; a consumer's install never does):
// it compiles ts/ into dist/, then builds the native binding when cargo is on PATH.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function hasCargo() {
  return spawnSync('cargo', ['--version'], { stdio: 'ignore' }).status === 0;
}

function buildTypeScript() {
  run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json']);
  // The ESM entry re-exports the CommonJS one by name, so `import { server } from 'ferrosocket'` works everywhere.
  const names = Object.keys(require(path.join(root, 'dist', 'index.js'))).filter((name) => name !== 'default');
  const lines = [
    "import ferrosocket from './index.js';",
    `export const { ${names.join(', ')} } = ferrosocket;`,
    'export default ferrosocket;',
    '',
  ];
  writeFileSync(path.join(root, 'dist', 'index.mjs'), lines.join('\n'));
}

function buildNative() {
  const cli = path.join(path.dirname(require.resolve('@napi-rs/cli/package.json')), 'dist', 'cli.js');
  // ts/codec/loader.ts is the loader and ts/codec/native.ts holds the types, so napi's generated JS and .d.ts are not wanted.
  run(process.execPath, [cli, 'build', '--platform', '--release', '--no-js', '--no-dts-cache', '--dts', 'target/napi-binding.d.ts']);
}

const what = process.argv[2] ?? 'all';
if (what === 'ts' || what === 'all') buildTypeScript();
if (what === 'native' || what === 'all') {
  if (hasCargo()) buildNative();
  else if (what === 'native') {
    console.error('ferrosocket: cargo is not on PATH, so the native binding cannot be built.');
    process.exit(1);
  } else console.log('ferrosocket: cargo not found, so the pure-TypeScript codec will be used (install Rust and run `npm run build:native` for the native one).');
}
