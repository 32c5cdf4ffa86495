/**
 * End-to-end benchmark of ferrosocket against its peers (`npm run bench`): echo throughput, handshakes, idle memory
 * and broadcast, each server pinned to CPU 0 and driven by one load generator on CPU 1 (./loadgen.ts). Servers take
 * turns (A B C ... A B C ...), each cell is repeated BENCH_REPEAT times (3 by default) and the median is reported
 * with ratios to `ws` with its addons and to the raw ceiling or bare floor. BENCH_QUICK=1 runs every cell once with
 * small counts (a smoke test). Writes bench/e2e/results.md and bench/e2e/ratios.svg.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatNumber, formatRate, formatRatio, machineInfo, markdownTable } from '../harness';
import { hasTaskset, LoadGenerator, ServerProcess } from './processes';
import type { Job, JobResult, PayloadSpec } from './protocol';
import type { ServerStats } from './servers/common';

const ROOT = path.resolve(__dirname, '..', '..');
const QUICK = process.env.BENCH_QUICK === '1';
const REPEAT = QUICK ? 1 : Math.max(1, Number(process.env.BENCH_REPEAT ?? 3));
/** How long each throughput cell sends for. */
const CELL_MS = QUICK ? 250 : 2000;

/** A server under test. */
interface ServerSpec {
  name: string;
  script: string;
  env: Record<string, string>;
  /** `library`: a WebSocket implementation; `ceiling` and `floor`: the references. */
  role: 'library' | 'ceiling' | 'floor';
}

const script = (name: string) => path.join(__dirname, 'servers', `${name}.ts`);
const SERVERS: ServerSpec[] = [
  { name: 'ferrosocket (native)', script: script('ferrosocket'), env: { FERROSOCKET_CODEC: 'native' }, role: 'library' },
  { name: 'ferrosocket (js)', script: script('ferrosocket'), env: { FERROSOCKET_CODEC: 'js' }, role: 'library' },
  { name: 'ws', script: script('ws'), env: {}, role: 'library' },
  { name: 'ws (no addons)', script: script('ws'), env: { WS_NO_BUFFER_UTIL: '1', WS_NO_UTF_8_VALIDATE: '1' }, role: 'library' },
  { name: 'websocket 1.0.35', script: script('websocket'), env: {}, role: 'library' },
  { name: 'faye-websocket', script: script('faye'), env: {}, role: 'library' },
  { name: 'raw net (ceiling)', script: script('raw-net'), env: {}, role: 'ceiling' },
  { name: 'bare http (floor)', script: script('bare-http'), env: {}, role: 'floor' },
];
const BASELINE = 'ws';

/** One cell's figures: the headline value and an optional second one (CPU cost, heap). */
interface Figures {
  value: number;
  second?: number;
}

/** A scenario: which servers it applies to, how to run one cell, and how to read the figures. */
interface Scenario {
  id: string;
  title: string;
  unit: string;
  secondUnit?: string;
  /** Whether a larger headline value is better (throughput) or worse (memory). */
  higherIsBetter: boolean;
  /** The reference the ratio column compares with. */
  reference: 'ceiling' | 'floor';
  servers: (server: ServerSpec) => boolean;
  /** `persistent`: reuse one echo server per spec across scenarios; `fresh`: a new process for each cell. */
  process: 'persistent' | 'fresh' | 'broadcast';
  run: (server: ServerProcess, loadgen: LoadGenerator) => Promise<Figures>;
}

const cpuMicros = (before: ServerStats, after: ServerStats) =>
  after.cpu.user + after.cpu.system - (before.cpu.user + before.cpu.system);

function expectOk(result: JobResult, what: string): JobResult {
  if (result.error) throw new Error(`${what}: ${result.error}`);
  if (result.count === 0) throw new Error(`${what}: nothing completed`);
  return result;
}

/** An echo-throughput scenario: messages/s and server µs per message, or MB/s and server ms per MB. */
function echoScenario(id: string, title: string, payload: PayloadSpec, connections: number, window: number, batch: number): Scenario {
  const byBytes = payload.size >= 1024;
  return {
    id,
    title,
    unit: byBytes ? 'MB/s' : 'messages/s',
    secondUnit: byBytes ? 'server CPU ms/MB' : 'server CPU µs/message',
    higherIsBetter: true,
    reference: 'ceiling',
    servers: (server) => server.role !== 'floor',
    process: 'persistent',
    run: async (server, loadgen) => {
      const job: Job = {
        type: 'messages',
        port: server.port,
        connections,
        payload,
        window,
        batch,
        durationMs: CELL_MS,
        maxMessagesPerConnection: Math.ceil((QUICK ? 2e5 : 2e6) / connections / Math.max(1, payload.size / 32)),
      };
      const before = await server.stats();
      const result = expectOk(await loadgen.run(job), title);
      const after = await server.stats();
      const cpu = cpuMicros(before, after);
      if (byBytes) {
        const megabytes = result.bytes / 1e6;
        return { value: megabytes / (result.elapsedMs / 1000), second: cpu / 1000 / megabytes };
      }
      return { value: result.count / (result.elapsedMs / 1000), second: cpu / result.count };
    },
  };
}

const HANDSHAKES = QUICK ? 300 : 5000;
const IDLE = QUICK ? 300 : 5000;

const SCENARIOS: Scenario[] = [
  echoScenario('text32x1', '32 B text, 1 connection', { kind: 'text', size: 32 }, 1, 1024, 256),
  echoScenario('text32x50', '32 B text, 50 connections', { kind: 'text', size: 32 }, 50, 128, 32),
  echoScenario('bin64k', '64 KiB binary, 1 connection', { kind: 'binary', size: 65536 }, 1, 32, 8),
  echoScenario('bin1m', '1 MiB binary, 1 connection', { kind: 'binary', size: 1 << 20 }, 1, 4, 1),
  echoScenario('mixed16k', '16 KiB text of 2- and 3-byte UTF-8, 1 connection', { kind: 'mixed', size: 16384 }, 1, 64, 16),
  {
    id: 'handshakes',
    title: `${HANDSHAKES} handshakes, concurrency 50`,
    unit: 'connections/s',
    secondUnit: 'server CPU µs/connection',
    higherIsBetter: true,
    reference: 'floor',
    servers: () => true,
    process: 'persistent',
    run: async (server, loadgen) => {
      const before = await server.stats();
      const result = expectOk(
        await loadgen.run({ type: 'handshakes', port: server.port, total: HANDSHAKES, concurrency: 50, durationMs: QUICK ? 3000 : 8000 }),
        'handshakes',
      );
      const after = await server.stats();
      return { value: result.count / (result.elapsedMs / 1000), second: cpuMicros(before, after) / result.count };
    },
  },
  {
    id: 'idle',
    title: `${IDLE} idle connections (RSS per connection above the floor's)`,
    unit: 'RSS B/connection',
    secondUnit: 'heap B/connection',
    higherIsBetter: false,
    reference: 'floor',
    servers: (server) => server.role !== 'ceiling',
    process: 'fresh',
    run: async (server, loadgen) => {
      const before = await server.stats(true);
      const result = await loadgen.run({ type: 'open-idle', port: server.port, total: IDLE, concurrency: 50, durationMs: 15000 });
      try {
        expectOk(result, 'idle connections');
        await new Promise((resolve) => setTimeout(resolve, 300));
        const after = await server.stats(true);
        return {
          value: (after.memory.rss - before.memory.rss) / result.count,
          second: (after.memory.heapUsed - before.memory.heapUsed) / result.count,
        };
      } finally {
        await loadgen.run({ type: 'close-all' });
      }
    },
  },
  {
    id: 'broadcast',
    title: '32 B text broadcast, 1 sender to 100 receivers',
    unit: 'deliveries/s',
    secondUnit: 'server CPU µs/delivery',
    higherIsBetter: true,
    reference: 'ceiling',
    servers: (server) => server.role !== 'floor',
    process: 'broadcast',
    run: async (server, loadgen) => {
      const before = await server.stats();
      const result = expectOk(
        await loadgen.run({
          type: 'broadcast',
          port: server.port,
          receivers: 100,
          payload: { kind: 'text', size: 32 },
          window: 64,
          batch: 16,
          durationMs: CELL_MS,
          maxMessages: QUICK ? 2000 : 50000,
        }),
        'broadcast',
      );
      const after = await server.stats();
      return { value: result.count / (result.elapsedMs / 1000), second: cpuMicros(before, after) / result.count };
    },
  },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Compiles ts/ into dist/ when a source is newer than dist/index.js (the ferrosocket servers load dist/). */
function ensureDistIsCurrent(): void {
  const built = path.join(ROOT, 'dist', 'index.js');
  const builtAt = fs.existsSync(built) ? fs.statSync(built).mtimeMs : 0;
  const sources = fs.readdirSync(path.join(ROOT, 'ts'), { recursive: true }) as string[];
  const stale = sources.some((file) => file.endsWith('.ts') && fs.statSync(path.join(ROOT, 'ts', file)).mtimeMs > builtAt);
  if (!stale) return;
  process.stderr.write('dist/ is older than ts/: node scripts/build.mjs ts\n');
  const result = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs'), 'ts'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) process.stderr.write('the build failed; benchmarking the dist/ that is there\n');
}

/** Headline and second figures of every cell: results[scenario][server] = one entry per repeat. */
type Results = Map<string, Map<string, Figures[]>>;

async function runAll(loadgen: LoadGenerator): Promise<Results> {
  const results: Results = new Map(SCENARIOS.map((scenario) => [scenario.id, new Map<string, Figures[]>()]));
  const persistent = new Map<string, ServerProcess>();
  const broadcasters = new Map<string, ServerProcess>();
  const serverFor = async (scenario: Scenario, spec: ServerSpec): Promise<{ server: ServerProcess; fresh: boolean }> => {
    if (scenario.process === 'fresh') return { server: await ServerProcess.start(spec.script, spec.env), fresh: true };
    const pool = scenario.process === 'broadcast' ? broadcasters : persistent;
    let server = pool.get(spec.name);
    if (!server) {
      server = await ServerProcess.start(spec.script, { ...spec.env, BENCH_MODE: scenario.process === 'broadcast' ? 'broadcast' : 'echo' });
      pool.set(spec.name, server);
    }
    return { server, fresh: false };
  };
  try {
    for (const scenario of SCENARIOS) {
      const specs = SERVERS.filter(scenario.servers);
      // Outside quick mode, one untimed pass warms every server's code paths for this scenario.
      for (let round = QUICK ? 0 : -1; round < REPEAT; round++) {
        for (const spec of specs) {
          const { server, fresh } = await serverFor(scenario, spec);
          try {
            const figures = await scenario.run(server, loadgen);
            if (round >= 0) {
              const cell = results.get(scenario.id)!;
              cell.set(spec.name, [...(cell.get(spec.name) ?? []), figures]);
            }
            process.stderr.write(`${scenario.id} ${round < 0 ? 'warm-up' : `#${round + 1}`} ${spec.name}: ${formatNumber(figures.value)} ${scenario.unit}\n`);
          } catch (failure) {
            process.stderr.write(`${scenario.id} ${spec.name}: FAILED ${(failure as Error).message}\n`);
          } finally {
            if (fresh) await server.stop();
          }
        }
      }
    }
  } finally {
    await Promise.all([...persistent.values(), ...broadcasters.values()].map((server) => server.stop()));
  }
  return results;
}

/** One row of the report: a server's medians in one scenario. */
interface Row {
  server: ServerSpec;
  value: number;
  second?: number;
}

function rowsOf(scenario: Scenario, results: Results): Row[] {
  const cell = results.get(scenario.id)!;
  return SERVERS.filter(scenario.servers)
    .filter((server) => cell.has(server.name))
    .map((server) => {
      const figures = cell.get(server.name)!;
      const seconds = figures.map((f) => f.second).filter((s): s is number => s !== undefined);
      return { server, value: median(figures.map((f) => f.value)), second: seconds.length ? median(seconds) : undefined };
    });
}

/** How much better than `ws` a row is (> 1 is better), for either direction of the headline figure. */
function advantageOverBaseline(scenario: Scenario, row: Row, baseline: Row | undefined): number | undefined {
  // Floor-corrected memory can come out at or below zero in short runs, where a ratio means nothing.
  if (!baseline || baseline.value <= 0 || row.value <= 0) return undefined;
  return scenario.higherIsBetter ? row.value / baseline.value : baseline.value / row.value;
}

function idleFloorCorrected(rows: Row[]): Row[] {
  const floor = rows.find((row) => row.server.role === 'floor');
  if (!floor) return rows;
  return rows.map((row) =>
    row.server.role === 'floor' ? row : { ...row, value: row.value - floor.value, second: row.second === undefined ? undefined : row.second - (floor.second ?? 0) },
  );
}

function formatValue(scenario: Scenario, value: number): string {
  return scenario.unit.endsWith('/s') && !scenario.unit.startsWith('MB') ? formatRate(value) : formatNumber(value);
}

function report(results: Results): { markdown: string; svg: string } {
  const machine = machineInfo();
  const sections: string[] = [];
  const chart: { scenario: string; bars: { name: string; ratio: number }[] }[] = [];
  for (const scenario of SCENARIOS) {
    let rows = rowsOf(scenario, results);
    if (rows.length === 0) continue;
    if (scenario.id === 'idle') rows = idleFloorCorrected(rows);
    const baseline = rows.find((row) => row.server.name === BASELINE);
    const reference = rows.find((row) => row.server.role === scenario.reference);
    const referenceName = scenario.reference === 'ceiling' ? 'vs ceiling' : 'vs floor';
    const table = markdownTable(
      ['server', scenario.unit, scenario.secondUnit ?? '', 'vs ws (>1 better)', scenario.id === 'idle' ? '' : referenceName],
      rows.map((row) => {
        const advantage = advantageOverBaseline(scenario, row, baseline);
        const ofReference = reference && scenario.id !== 'idle' && reference.value > 0 ? row.value / reference.value : undefined;
        return [
          row.server.name,
          formatValue(scenario, row.value),
          row.second === undefined ? '' : formatNumber(row.second),
          advantage === undefined || row.server.role !== 'library' ? '' : formatRatio(advantage),
          ofReference === undefined ? '' : formatRatio(ofReference),
        ];
      }),
    );
    sections.push(`### ${scenario.title}\n\n${table}`);
    chart.push({
      scenario: scenario.title,
      bars: rows
        .filter((row) => row.server.role === 'library')
        .map((row) => ({ name: row.server.name, ratio: advantageOverBaseline(scenario, row, baseline) ?? 0 })),
    });
  }
  const markdown = [
    '# ferrosocket end-to-end benchmark',
    '',
    `Machine: ${machine.cores} CPUs, ${machine.cpuModel}, Node ${machine.node}, ${machine.platform}, load average ${machine.loadAverage} at the end.`,
    `Mode: ${QUICK ? 'BENCH_QUICK=1 (one run of each cell, small counts: a smoke test, not figures to quote)' : `median of ${REPEAT} runs per cell, ${CELL_MS} ms of sending per throughput cell, after one untimed warm-up pass`}.`,
    `Pinning: ${hasTaskset ? 'servers on CPU 0, the load generator on CPU 1 (taskset)' : 'none (no taskset)'}.`,
    '',
    'Servers take turns within each scenario (A B C ... A B C ...). "vs ws" is the ratio to `ws` with bufferutil and',
    'utf-8-validate, oriented so that > 1 means better than ws (for memory: ws / x). "vs ceiling" compares with the raw',
    '`net` echo (no framing at all), "vs floor" with a bare `http` server that answers 101 and holds the socket. Idle',
    'memory is per connection, after a forced GC, minus what the floor costs per connection (the floor row is its own',
    'absolute cost). Server CPU is process.cpuUsage() from before the load generator connects to after the last echo.',
    'websocket and ferrosocket run with their defaults (which fragment outgoing messages above 16 KiB) except the',
    'maximum frame and message sizes (2 MiB) and keepalive (off).',
    '',
    ...sections.flatMap((section) => [section, '']),
  ].join('\n');
  return { markdown, svg: barChart(chart) };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A horizontal bar chart of each library's ratio to ws per scenario, as SVG text, with a line at 1x. */
function barChart(groups: { scenario: string; bars: { name: string; ratio: number }[] }[]): string {
  const names = [...new Set(groups.flatMap((group) => group.bars.map((bar) => bar.name)))];
  const colours = ['#d9480f', '#f08c00', '#1971c2', '#74c0fc', '#2f9e44', '#9c36b5'];
  const barHeight = 14;
  const labelWidth = 300;
  const plotWidth = 520;
  const maxRatio = Math.max(2, ...groups.flatMap((group) => group.bars.map((bar) => bar.ratio)));
  const scale = plotWidth / maxRatio;
  const parts: string[] = [];
  let y = 40;
  for (const group of groups) {
    parts.push(`<text x="10" y="${y + 12}" font-weight="bold">${escapeXml(group.scenario)}</text>`);
    y += 18;
    for (const bar of group.bars) {
      const colour = colours[names.indexOf(bar.name) % colours.length];
      const width = Math.max(0, bar.ratio * scale);
      parts.push(`<text x="${labelWidth - 6}" y="${y + 11}" text-anchor="end">${escapeXml(bar.name)}</text>`);
      parts.push(`<rect x="${labelWidth}" y="${y}" width="${width.toFixed(1)}" height="${barHeight - 2}" fill="${colour}"/>`);
      parts.push(`<text x="${(labelWidth + width + 4).toFixed(1)}" y="${y + 11}">${formatRatio(bar.ratio)}</text>`);
      y += barHeight;
    }
    y += 10;
  }
  const height = y + 10;
  const one = labelWidth + scale;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + plotWidth + 60}" height="${height}" font-family="sans-serif" font-size="11">`,
    '<rect width="100%" height="100%" fill="white"/>',
    `<text x="10" y="20" font-size="14" font-weight="bold">Ratio to ws with addons (&gt; 1 is better; memory: ws / x)</text>`,
    ...parts,
    `<line x1="${one}" y1="30" x2="${one}" y2="${height - 10}" stroke="black" stroke-dasharray="4 3"/>`,
    `<text x="${one + 3}" y="36">1x</text>`,
    '</svg>',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  ensureDistIsCurrent();
  const started = Date.now();
  const loadgen = LoadGenerator.start();
  let results: Results;
  try {
    results = await runAll(loadgen);
  } finally {
    await loadgen.stop();
  }
  const { markdown, svg } = report(results);
  fs.writeFileSync(path.join(__dirname, 'results.md'), markdown);
  fs.writeFileSync(path.join(__dirname, 'ratios.svg'), svg);
  process.stdout.write(markdown);
  process.stderr.write(`done in ${((Date.now() - started) / 1000).toFixed(1)} s: bench/e2e/results.md, bench/e2e/ratios.svg\n`);
}

void main().catch((failure) => {
  process.stderr.write(`${(failure as Error).stack}\n`);
  process.exitCode = 1;
});
