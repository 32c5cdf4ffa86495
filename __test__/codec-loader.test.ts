import test from 'ava';
import * as path from 'node:path';
import { findNativeBinding, platformTriple, type LoaderEnvironment } from '../ts/codec/loader';
import { REQUIRED_EXPORTS } from '../ts/codec/native';
import { codec as codecInUse, selectCodec } from '../ts/codec';
import * as ferrosocket from '../ts/index';

const ROOT = '/pkg';

/** A binding object with every required export; `label` tells which place it came from. */
function fakeBinding(label: string): Record<string, unknown> {
  const binding: Record<string, unknown> = { label };
  for (const name of REQUIRED_EXPORTS) binding[name] = () => undefined;
  return binding;
}

/** A loader environment whose `load` serves the given specifiers and whose filesystem holds the given directories. */
function environment(modules: Record<string, unknown>, dirs: Record<string, string[]> = {}, overrides: Partial<LoaderEnvironment> = {}): LoaderEnvironment & { loaded: string[] } {
  const loaded: string[] = [];
  return {
    platform: 'linux',
    arch: 'x64',
    isMusl: false,
    packageRoot: ROOT,
    loaded,
    load(specifier) {
      loaded.push(specifier);
      if (specifier in modules) return modules[specifier];
      throw new Error(`Cannot find module '${specifier}'\nRequire stack: ...`);
    },
    readdir(dir) {
      if (dir in dirs) return dirs[dir];
      throw new Error('ENOENT');
    },
    ...overrides,
  };
}

const LOCAL = path.join(ROOT, 'ferrosocket.linux-x64-gnu.node');
const PREBUILDS = path.join(ROOT, 'prebuilds', 'linux-x64');

test('platform triples follow the napi-rs names', (t) => {
  t.is(platformTriple('linux', 'x64', false), 'linux-x64-gnu');
  t.is(platformTriple('linux', 'arm64', true), 'linux-arm64-musl');
  t.is(platformTriple('darwin', 'arm64', false), 'darwin-arm64');
  t.is(platformTriple('win32', 'x64', false), 'win32-x64-msvc');
});

test('the per-platform npm package is tried first', (t) => {
  const env = environment({ 'ferrosocket-linux-x64-gnu': fakeBinding('npm'), [LOCAL]: fakeBinding('local') });
  const result = findNativeBinding(env);
  t.is((result.binding as unknown as { label: string }).label, 'npm');
  t.is(result.source, 'npm package ferrosocket-linux-x64-gnu');
  t.deepEqual(env.loaded, ['ferrosocket-linux-x64-gnu']);
});

test('the local build is used when no npm package is installed', (t) => {
  const env = environment({ [LOCAL]: fakeBinding('local') }, { [PREBUILDS]: ['ferrosocket.node'] });
  const result = findNativeBinding(env);
  t.is((result.binding as unknown as { label: string }).label, 'local');
  t.is(result.source, 'local build ferrosocket.linux-x64-gnu.node');
  t.is(result.attempts[0].source, 'npm package ferrosocket-linux-x64-gnu');
  t.regex(result.attempts[0].error, /^Cannot find module 'ferrosocket-linux-x64-gnu'$/);
});

test('prebuilds/<platform>-<arch>/ is tried after the local build, skipping binaries for the other libc', (t) => {
  const glibcFile = path.join(PREBUILDS, 'node.napi.glibc.node');
  const env = environment({ [glibcFile]: fakeBinding('prebuild') }, { [PREBUILDS]: ['README', 'node.napi.musl.node', 'node.napi.glibc.node'] });
  const result = findNativeBinding(env);
  t.is((result.binding as unknown as { label: string }).label, 'prebuild');
  t.is(result.source, 'prebuild prebuilds/linux-x64/node.napi.glibc.node');
  t.false(env.loaded.includes(path.join(PREBUILDS, 'node.napi.musl.node')));
});

test('a binding that lacks exports is refused as stale, and the search goes on', (t) => {
  const stale = { unmask() {} };
  const env = environment({ 'ferrosocket-linux-x64-gnu': stale, [LOCAL]: fakeBinding('local') });
  const result = findNativeBinding(env);
  t.is(result.source, 'local build ferrosocket.linux-x64-gnu.node');
  t.regex(result.attempts[0].error, /lacks mask, isValidUtf8, Utf8Validator, createParser, parse/);
});

test('with no binding anywhere the result is null, listing every place tried', (t) => {
  const result = findNativeBinding(environment({}));
  t.is(result.binding, null);
  t.deepEqual(
    result.attempts.map((a) => a.source),
    ['npm package ferrosocket-linux-x64-gnu', 'local build ferrosocket.linux-x64-gnu.node', 'prebuilds/linux-x64/'],
  );
});

test('FERROSOCKET_CODEC: unset or auto falls back to js, js forces js, native without a binding throws', (t) => {
  const none = environment({});
  t.is(selectCodec(undefined, none).codec.kind, 'js');
  t.is(selectCodec('auto', none).codec.kind, 'js');
  t.is(selectCodec('js', environment({ [LOCAL]: fakeBinding('local') })).codec.kind, 'js');
  const error = t.throws(() => selectCodec('native', none));
  t.regex(error!.message, /FERROSOCKET_CODEC=native, but no native binding loads/);
  t.regex(error!.message, /local build ferrosocket\.linux-x64-gnu\.node: Cannot find module/);
  t.throws(() => selectCodec('rust', none), { message: "FERROSOCKET_CODEC must be 'native', 'js' or 'auto', not 'rust'" });
});

test('a found binding gives the native codec, and it reports where it came from', (t) => {
  const selection = selectCodec('native', environment({ [LOCAL]: fakeBinding('local') }));
  t.is(selection.codec.kind, 'native');
  t.is(selection.source, 'local build ferrosocket.linux-x64-gnu.node');
});

test('the package reports the codec it loaded, and it is the one FERROSOCKET_CODEC asked for', (t) => {
  t.is(ferrosocket.codec, codecInUse.kind);
  if (process.env.FERROSOCKET_CODEC === 'native' || process.env.FERROSOCKET_CODEC === 'js') {
    t.is(ferrosocket.codec, process.env.FERROSOCKET_CODEC);
  } else {
    t.true(ferrosocket.codec === 'native' || ferrosocket.codec === 'js');
  }
});
