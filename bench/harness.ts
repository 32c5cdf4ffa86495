/**
 * A small timing harness shared by the benchmarks.
 *
 * A benchmark declares its cells as data ({@link Cell}: a name, the bytes or items one operation handles, and the
 * operation); {@link measureGroup} warms cells up, sizes each one's batch to the requested duration, times a few
 * interleaved batches with `process.hrtime.bigint()` and reports each cell's median. {@link compileAsShipped} gives
 * the benchmarks the product's code as tsc emits it, and the formatting helpers turn results into aligned Markdown.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';

/** One thing to time. */
export interface Cell {
  /** What is measured, e.g. `native binding`. */
  name: string;
  /** Bytes one operation processes (for GB/s); 0 when a byte rate means nothing. */
  bytes: number;
  /** Items one operation processes (frames, calls), for items/s; 1 unless given. */
  items?: number;
  /**
   * One operation. `i` counts the operations of the current round from 0, so an operation that consumes its input
   * can pick the i-th prepared copy. A truthy result is counted, so the call cannot be optimised away.
   */
  run: (i: number) => unknown;
  /**
   * For operations that consume their input (parsing unmasks in place): at most `size` operations run between two
   * calls of `refresh(used)`, which restores the inputs of the `used` operations outside the timed region.
   */
  rounds?: { size: number; refresh: (used: number) => void };
}

/** How long to time a cell. */
export interface TimingOptions {
  /** Number of timed batches; the median is reported. */
  batches: number;
  /** Target duration of one batch, in milliseconds (a batch runs at least one operation). */
  batchMs: number;
  /** Untimed warm-up before the batch size is chosen, in milliseconds. */
  warmupMs: number;
}

/** The default: 5 batches of 40 ms, about 200 ms of timed work per cell. */
export const DEFAULT_TIMING: TimingOptions = { batches: 5, batchMs: 40, warmupMs: 20 };

/** What {@link measureGroup} found for one cell. */
export interface Measurement {
  cell: Cell;
  /** Median over the batches of the time per operation, in nanoseconds. */
  nsPerOp: number;
  /** Operations per batch. */
  opsPerBatch: number;
  /** (slowest - fastest) / median of the batches' time per operation: how noisy the cell was. */
  spread: number;
}

/** A loop over `run`, returning how many results were truthy. */
type Loop = (run: (i: number) => unknown, count: number) => number;

let loopCount = 0;
/** Truthy results of every timed operation, read at the end so no result is dead. */
let resultCount = 0;

/**
 * A fresh loop function per cell: compiled from its own source, it has its own feedback, so its call site stays
 * monomorphic and one cell's closures cannot slow down (or deoptimise) the next cell's loop.
 */
function compileLoop(): Loop {
  const source = `// timing loop ${loopCount++}
let truthy = 0;
for (let i = 0; i < count; i++) if (run(i)) truthy++;
return truthy;`;
  return new Function('run', 'count', source) as Loop;
}

/** Runs `count` operations and returns the nanoseconds they took, leaving round refreshes out of the time. */
function timeOperations(cell: Cell, loop: Loop, count: number): number {
  let elapsed = 0n;
  let done = 0;
  while (done < count) {
    const now = cell.rounds ? Math.min(cell.rounds.size, count - done) : count - done;
    const start = process.hrtime.bigint();
    resultCount += loop(cell.run, now);
    elapsed += process.hrtime.bigint() - start;
    cell.rounds?.refresh(now);
    done += now;
  }
  return Number(elapsed);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** A cell ready to time: its own loop and the batch size its warm-up chose. */
interface PreparedCell {
  cell: Cell;
  loop: Loop;
  opsPerBatch: number;
}

/** Warms a cell up with growing operation counts until the warm-up time is spent, and sizes its batch from the last rate. */
function prepare(cell: Cell, options: TimingOptions): PreparedCell {
  const loop = compileLoop();
  let count = 1;
  let lastNs = timeOperations(cell, loop, count);
  let spent = lastNs;
  while (spent < options.warmupMs * 1e6) {
    if (lastNs < (options.warmupMs * 1e6) / 4) count *= 2;
    lastNs = timeOperations(cell, loop, count);
    spent += lastNs;
  }
  const nsPerOpGuess = Math.max(lastNs / count, 0.1);
  return { cell, loop, opsPerBatch: Math.max(1, Math.ceil((options.batchMs * 1e6) / nsPerOpGuess)) };
}

/**
 * Times cells that will be compared with each other. Their batches are interleaved (cell A, B, C, then A, B, C
 * again...), so a burst of other work on the machine hits every cell of the comparison alike instead of one.
 */
export function measureGroup(cells: Cell[], options: TimingOptions = DEFAULT_TIMING): Measurement[] {
  const prepared = cells.map((cell) => prepare(cell, options));
  const perOp = cells.map(() => [] as number[]);
  for (let b = 0; b < options.batches; b++) {
    prepared.forEach(({ cell, loop, opsPerBatch }, c) => perOp[c].push(timeOperations(cell, loop, opsPerBatch) / opsPerBatch));
  }
  return prepared.map(({ cell, opsPerBatch }, c) => {
    const nsPerOp = median(perOp[c]);
    return { cell, nsPerOp, opsPerBatch, spread: (Math.max(...perOp[c]) - Math.min(...perOp[c])) / nsPerOp };
  });
}

/** How many timed operations returned a truthy result (printed by benchmarks so the results stay live). */
export function truthyResults(): number {
  return resultCount;
}

/** Throughput in GB/s (10^9 bytes per second). */
export function gbPerSecond(m: Measurement): number {
  return m.cell.bytes / m.nsPerOp;
}

/** Items (frames, calls) per second. */
export function itemsPerSecond(m: Measurement): number {
  return ((m.cell.items ?? 1) * 1e9) / m.nsPerOp;
}

/** A number with three significant digits (no exponent for the ranges benchmarks print). */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

/** A rate with an SI suffix: `1.23 M`, `456 k`. */
export function formatRate(perSecond: number): string {
  if (perSecond >= 1e9) return `${formatNumber(perSecond / 1e9)} G`;
  if (perSecond >= 1e6) return `${formatNumber(perSecond / 1e6)} M`;
  if (perSecond >= 1e3) return `${formatNumber(perSecond / 1e3)} k`;
  return formatNumber(perSecond);
}

/** A ratio as `2.31x`. */
export function formatRatio(ratio: number): string {
  return `${formatNumber(ratio)}x`;
}

/** A byte count as `16 B`, `64 KiB`, `1 MiB`. */
export function formatSize(bytes: number): string {
  if (bytes >= 1 << 20 && bytes % (1 << 20) === 0) return `${bytes / (1 << 20)} MiB`;
  if (bytes >= 1 << 10 && bytes % (1 << 10) === 0) return `${bytes / (1 << 10)} KiB`;
  return `${bytes} B`;
}

/** An aligned Markdown table; the first column is left-aligned, the others right-aligned. */
export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(3, title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join(' | ')} |`;
  const rule = `|${widths.map((width, column) => (column === 0 ? `:${'-'.repeat(width + 1)}` : `${'-'.repeat(width + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** What the machine is, for the report header. */
export interface MachineInfo {
  cores: number;
  cpuModel: string;
  node: string;
  platform: string;
  /** The 1-minute load average: other work on the machine skews every figure. */
  loadAverage: string;
}

/** Cores, CPU model (from /proc/cpuinfo where there is one), Node version, platform and load. */
export function machineInfo(): MachineInfo {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) cpuModel = match[1].trim();
  } catch {
    // No /proc/cpuinfo (not Linux): keep what os.cpus() reported.
  }
  return {
    cores: os.availableParallelism(),
    cpuModel,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverage: os.loadavg()[0].toFixed(2),
  };
}

/**
 * Compiles `entries` (paths relative to the project root, under ts/) and everything they import with the project's
 * tsconfig.json into a temporary directory, removed when the process exits, and returns the directory: the emitted
 * file of `ts/a/b.ts` is `<directory>/a/b.js`.
 *
 * Benchmarks time the product as it ships, not as tsx runs it: tsx compiles each file on its own with esbuild, which
 * cannot inline a const enum imported from another module, so every `Slot.Flags` becomes a getter call on the
 * importing side (measured on Node 20 with a frame parser that read its slot numbers from an imported const enum:
 * 600 ns per frame under tsx, 145 ns as tsc emits it).
 * Type errors are printed but do not stop the emit; the benchmarks check the results of what they time.
 */
export function compileAsShipped(projectRoot: string, entries: string[]): string {
  const configPath = path.join(projectRoot, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, projectRoot, undefined, configPath);
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferrosocket-bench-'));
  process.on('exit', () => fs.rmSync(outDir, { recursive: true, force: true }));
  const options: ts.CompilerOptions = { ...parsed.options, outDir, noEmit: false, declaration: false, sourceMap: false };
  const program = ts.createProgram(
    entries.map((entry) => path.join(projectRoot, entry)),
    options,
  );
  const result = program.emit();
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
  if (diagnostics.length > 0) {
    const host: ts.FormatDiagnosticsHost = {
      getCanonicalFileName: (fileName) => fileName,
      getCurrentDirectory: () => projectRoot,
      getNewLine: () => '\n',
    };
    process.stderr.write(`compileAsShipped: tsc reports\n${ts.formatDiagnostics(diagnostics, host)}`);
  }
  if (result.emitSkipped) throw new Error(`tsc emitted nothing for ${entries.join(', ')}`);
  return outDir;
}
