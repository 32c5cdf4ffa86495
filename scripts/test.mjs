// `npm test`: the Rust unit tests, then the whole ava suite once per codec (native when it can be built, and js).
// It ends with one plain "N passed, N failed" line summing every runner.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const extraArgs = process.argv.slice(2);
const totals = { passed: 0, failed: 0 };

/** Runs a command with its output shown as it comes, and adds the counts its closing lines report. */
function run(command, args, env = {}) {
  console.log(`\n> ${[...Object.entries(env).map(([k, v]) => `${k}=${v}`), command, ...args].join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: ['inherit', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      output += chunk;
    });
    child.on('close', (status) => {
      for (const [, n] of output.matchAll(/^\s*(\d+) tests? passed/gm)) totals.passed += Number(n);
      for (const [, n] of output.matchAll(/^\s*(\d+) tests? failed/gm)) totals.failed += Number(n);
      for (const [, p, f] of output.matchAll(/^test result: \w+\. (\d+) passed; (\d+) failed/gm)) {
        totals.passed += Number(p);
        totals.failed += Number(f);
      }
      if (status !== 0 && totals.failed === 0) totals.failed = 1;
      resolve(status === 0);
    });
  });
}

function finish(ok) {
  console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
  process.exit(ok ? 0 : 1);
}

const hasCargo = spawnSync('cargo', ['--version'], { stdio: 'ignore' }).status === 0;
const ava = path.join(root, 'node_modules', 'ava', 'entrypoints', 'cli.mjs');

if (!(await run(process.execPath, [path.join(root, 'scripts', 'build.mjs')]))) finish(false);
// tsconfig.json compiles ts/ alone; this also typechecks the tests and benchmarks.
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
if (!(await run(process.execPath, [tsc, '-p', 'tsconfig.check.json']))) finish(false);
const codecs = ['js'];
if (hasCargo) {
  if (!(await run('cargo', ['test', '--workspace', '--quiet']))) finish(false);
  codecs.unshift('native');
} else {
  console.log('ferrosocket: cargo not found, so the suite runs on the js codec only.');
}
// __test__/native/ (the differential tests) compares the two codecs, so it needs the binding and runs once.
let ok = true;
for (const codec of codecs) {
  const files = codec === 'native' ? [] : ['__test__/*.test.ts'];
  ok = (await run(process.execPath, [ava, ...files, ...extraArgs], { FERROSOCKET_CODEC: codec })) && ok;
}
finish(ok);
