/**
 * The interop suite of one test file: one ava test per (pairing, scheme, scenario) the pairing has the APIs for,
 * each failing with the scenario's problems in its message, and a matrix (pairing × scenario: ✓, ✗ or n.a.)
 * printed once at the end, naming the codec. Also the checks for the peers installed outside npm and the temp
 * files the peers read their certificate from.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codec } from '../../ts/codec';
import { checkExchange, SCENARIOS, SCHEMES, type Exchange, type Scenario, type Scheme } from './scenarios';

/** One pairing of a ferrosocket end with a peer, e.g. 'ws client → ferrosocket server'. */
export interface InteropPairing {
  name: string;
  /** The scenarios both ends have the APIs for; the others show as n.a. in the matrix and have no test. */
  scenarios: readonly Scenario[];
  /** The type the peer reports binary messages as in a scenario (see {@link checkExchange}). */
  binaryKind(scenario: Scenario): string;
  /** Plays one scenario over one scheme; both sides' reports. */
  run(scenario: Scenario, scheme: Scheme): Promise<Exchange>;
}

/** What {@link defineInteropSuite} needs. */
export interface InteropSuiteOptions {
  /** The matrix title, asked for at the end (so it can name versions found in the set-up). */
  title(): string;
  pairings: readonly InteropPairing[];
  /** Why the peers cannot run (set in the file's test.before), or null; every test fails with it when set. */
  unavailable(): string | null;
}

/** Every scenario but `excluded`, in matrix order. */
export function scenariosWithout(...excluded: Scenario[]): Scenario[] {
  return SCENARIOS.filter((scenario) => !excluded.includes(scenario));
}

/** ✓, ✗ and n.a. by pairing, scheme and scenario. */
class Matrix {
  private readonly passed = new Set<string>();

  constructor(private readonly pairings: readonly InteropPairing[]) {}

  record(pairing: InteropPairing, scheme: Scheme, scenario: Scenario): void {
    this.passed.add(`${pairing.name}|${scheme}|${scenario}`);
  }

  /** The table; a cell whose test failed or never finished is ✗. */
  table(title: string): string {
    const label = (pairing: InteropPairing, scheme: Scheme): string => `${pairing.name} (${scheme}://)`;
    const width = Math.max(...this.pairings.flatMap((pairing) => SCHEMES.map((scheme) => label(pairing, scheme).length)));
    const lines = [title, ['', ...SCENARIOS].map((name, i) => (i === 0 ? name.padEnd(width) : name)).join('  ')];
    let passed = 0;
    let total = 0;
    for (const pairing of this.pairings) {
      for (const scheme of SCHEMES) {
        const cells = SCENARIOS.map((scenario) => {
          let cell = 'n.a.';
          if (pairing.scenarios.includes(scenario)) {
            total++;
            const ok = this.passed.has(`${pairing.name}|${scheme}|${scenario}`);
            if (ok) passed++;
            cell = ok ? '✓' : '✗';
          }
          return cell.padEnd(scenario.length);
        });
        lines.push([label(pairing, scheme).padEnd(width), ...cells].join('  ').trimEnd());
      }
    }
    lines.push(`${passed} of ${total} passed`);
    return lines.join('\n');
  }
}

/** Registers the tests of every pairing and the matrix printed after them. */
export function defineInteropSuite(options: InteropSuiteOptions): void {
  const matrix = new Matrix(options.pairings);
  for (const pairing of options.pairings) {
    for (const scheme of SCHEMES) {
      for (const scenario of pairing.scenarios) {
        test(`${pairing.name} ${scheme}:// ${scenario}`, async (t) => {
          const unavailable = options.unavailable();
          if (unavailable !== null) {
            t.fail(unavailable);
            return;
          }
          const problems = checkExchange(scenario, await pairing.run(scenario, scheme), pairing.binaryKind(scenario));
          if (problems.length === 0) matrix.record(pairing, scheme, scenario);
          t.deepEqual(problems, [], `${scenario} over ${scheme}://`);
        });
      }
    }
  }
  test.after.always(() => {
    console.log(`\n${matrix.table(`${options.title()} (codec: ${codec.kind})`)}\n`);
  });
}

/** The instruction every missing-peer failure ends with. */
const INSTALL_HINT = 'run .ci/install-interop-deps (as root) to install it';

/** Where the interop tests expect Debian's chromium, and the Python that has Debian's websockets module. */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** Null when Chromium is installed at {@link CHROMIUM_PATH}, else a failure message. */
export function chromiumMissing(): string | null {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return null;
  } catch {
    return `Chromium is not installed at ${CHROMIUM_PATH}: ${INSTALL_HINT}`;
  }
}

/** Null when {@link SYSTEM_PYTHON} can import `websockets`, else a failure message. */
export function pythonWebsocketsMissing(): string | null {
  const result = spawnSync(SYSTEM_PYTHON, ['-c', 'import websockets'], { encoding: 'utf8', timeout: 10_000 });
  if (result.status === 0) return null;
  const why = result.error ? result.error.message : result.stderr.trim().split('\n').pop();
  return `${SYSTEM_PYTHON} cannot import websockets (${why}): ${INSTALL_HINT} (Debian python3-websockets)`;
}

/** Files written to a fresh temp directory, and their removal. */
export interface TempFiles {
  path(name: string): string;
  remove(): void;
}

/** Writes `files` (name → content) into a new temp directory. */
export function writeTempFiles(files: Record<string, string | Buffer>): TempFiles {
  const dir = mkdtempSync(join(tmpdir(), 'ferrosocket-interop-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return {
    path: (name) => join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
