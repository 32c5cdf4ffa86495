/**
 * Finds the native binding, in this order:
 *   1. the per-platform npm package (`ferrosocket-<platform>-<arch>[-<abi>]`, the napi-rs optionalDependencies layout);
 *   2. a local build in the package root (`ferrosocket.<platform>-<arch>[-<abi>].node`, as `napi build --platform` names it);
 *   3. `prebuilds/<platform>-<arch>/*.node` inside the package (the prebuildify / node-gyp-build layout);
 * and otherwise reports that none loaded, so the caller falls back to the TypeScript codec.
 *
 * Everything the search depends on is a parameter, so each branch can be tested without touching the real package.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REQUIRED_EXPORTS, type NativeBinding } from './native';

/** What the search needs to know about the machine and the package. */
export interface LoaderEnvironment {
  platform: NodeJS.Platform;
  arch: string;
  /** Whether the C library is musl (Alpine); only read on Linux. */
  isMusl: boolean;
  /** The directory holding the package's package.json. */
  packageRoot: string;
  /** Loads a module by name or path (a `require` function). */
  load: (specifier: string) => unknown;
  /** Lists a directory, or throws when it does not exist. */
  readdir: (dir: string) => string[];
}

/** One place that was tried, and why it was not used. */
export interface LoadAttempt {
  source: string;
  error: string;
}

/** The outcome of a search. */
export type LoadResult =
  | { binding: NativeBinding; source: string; attempts: LoadAttempt[] }
  | { binding: null; source: null; attempts: LoadAttempt[] };

/** The napi-rs name of a platform: `linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`, ... */
export function platformTriple(platform: NodeJS.Platform, arch: string, isMusl: boolean): string {
  if (platform === 'linux') return `${platform}-${arch}-${isMusl ? 'musl' : 'gnu'}`;
  if (platform === 'win32') return `${platform}-${arch}-msvc`;
  return `${platform}-${arch}`;
}

/** Whether this process runs on musl: glibc reports its version in the process report, musl does not. */
export function detectMusl(): boolean {
  if (process.platform !== 'linux') return false;
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return !report?.header?.glibcVersionRuntime;
}

/** The loader environment of this process and package. */
export function currentEnvironment(): LoaderEnvironment {
  return {
    platform: process.platform,
    arch: process.arch,
    isMusl: detectMusl(),
    // ts/codec/ in a checkout run through tsx, dist/codec/ in the published package: the root is two levels up.
    packageRoot: path.resolve(__dirname, '..', '..'),
    load: require,
    readdir: (dir) => fs.readdirSync(dir),
  };
}

/** The .node files of a prebuilds directory worth trying on this libc, best first. */
function prebuildFiles(files: string[], isMusl: boolean): string[] {
  const binaries = files.filter((name) => name.endsWith('.node'));
  const forOtherLibc = (name: string) => (isMusl ? name.includes('glibc') : name.includes('musl'));
  return binaries.filter((name) => !forOtherLibc(name)).sort();
}

function missingExport(candidate: unknown): string | null {
  if (candidate === null || typeof candidate !== 'object') return 'it exports no object';
  const record = candidate as Record<string, unknown>;
  const missing = REQUIRED_EXPORTS.filter((name) => typeof record[name] !== 'function');
  return missing.length === 0 ? null : `it lacks ${missing.join(', ')} (a stale or foreign binary)`;
}

/** Searches the three places in order and returns the first binding that loads and has every export. */
export function findNativeBinding(env: LoaderEnvironment): LoadResult {
  const triple = platformTriple(env.platform, env.arch, env.isMusl);
  const attempts: LoadAttempt[] = [];
  const tryLoad = (source: string, specifier: string): NativeBinding | null => {
    try {
      const candidate = env.load(specifier);
      const problem = missingExport(candidate);
      if (problem === null) return candidate as NativeBinding;
      attempts.push({ source, error: problem });
    } catch (error) {
      attempts.push({ source, error: (error as Error).message.split('\n')[0] });
    }
    return null;
  };

  const npmBinding = tryLoad(`npm package ferrosocket-${triple}`, `ferrosocket-${triple}`);
  if (npmBinding) return { binding: npmBinding, source: `npm package ferrosocket-${triple}`, attempts };
  const localSource = `local build ferrosocket.${triple}.node`;
  const localBinding = tryLoad(localSource, path.join(env.packageRoot, `ferrosocket.${triple}.node`));
  if (localBinding) return { binding: localBinding, source: localSource, attempts };

  const prebuildDir = path.join('prebuilds', `${env.platform}-${env.arch}`);
  let files: string[];
  try {
    files = env.readdir(path.join(env.packageRoot, prebuildDir));
  } catch {
    attempts.push({ source: `${prebuildDir}/`, error: 'no such directory' });
    files = [];
  }
  for (const file of prebuildFiles(files, env.isMusl)) {
    const source = `prebuild ${path.join(prebuildDir, file)}`;
    const binding = tryLoad(source, path.join(env.packageRoot, prebuildDir, file));
    if (binding) return { binding, source, attempts };
  }
  return { binding: null, source: null, attempts };
}
