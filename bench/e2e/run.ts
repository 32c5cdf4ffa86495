/**
 * End-to-end benchmark of ferrosocket against its peers (`npm run bench`): echo throughput, handshakes, idle memory
 * and broadcast, each server pinned to CPU 0 and driven by one load generator on CPU 1 (./loadgen.ts); and client
 * send throughput, each library's client (./clients/) pinned to CPU 0 sending to the load generator's raw sink on
 * CPU 1. Servers (or clients) take turns (A B C ... A B C ...), each cell is repeated BENCH_REPEAT times (3 by
 * default) and the median is reported with ratios to `ws` with its addons and to the raw ceiling or bare floor, and
 * with the load generator's CPU share of the cell (near 100% means it, not the library, was the bottleneck).
 *
 * Environment:
 * - BENCH_QUICK=1: every cell once, with small counts (a smoke test).
 * - BENCH_REPEAT=n: repeats per cell outside quick mode (3 by default).
 * - BENCH_SCENARIOS=id,id: run only these scenarios (ids: text32x1, text32x50, bin64k, bin1m, mixed16k, handshakes,
 *   idle, broadcast, clientsend64k). Unset or empty: all.
 * - BENCH_IDLE=n: connections of the idle cell (5000 by default; each process needs an open-file limit above n).
 * - BENCH_SERVERS=name,name: run only these servers, and in clientsend64k these libraries' clients (names as in
 *   the tables, e.g. `ferrosocket (native),ws`). `ws` (the baseline) and each scenario's reference (the raw
 *   ceiling or the bare floor) are always kept, so the ratios still print. Unset or empty: all.
 *
 * Writes bench/e2e/results.md and bench/e2e/ratios.svg; a run restricted by BENCH_SCENARIOS or BENCH_SERVERS writes
 * bench/e2e/results-partial.md instead (and no SVG), leaving the full results in place.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatNumber, formatRate, formatRatio, machineInfo, markdownTable } from '../harness';
import { ClientProcess, hasTaskset, LoadGenerator, ServerProcess } from './processes';
import type { Job, JobResult, PayloadSpec } from './protocol';
import type { ServerStats } from './servers/common';

const ROOT = path.resolve(__dirname, '..', '..');
const QUICK = process.env.BENCH_QUICK === '1';
const REPEAT = QUICK ? 1 : Math.max(1, Number(process.env.BENCH_REPEAT ?? 3));
/** How long each throughput cell sends for. */
const CELL_MS = QUICK ? 250 : 2000;
/**
 * Caps on what one throughput cell sends, so that a cell ends within {@link CELL_MS} on a fast machine too. Large
 * messages are capped by bytes, high enough that their cells also last about CELL_MS here: a cell of a few tens of
 * milliseconds is decided by whichever garbage collection falls into it.
 */
const MAX_CELL_MESSAGES = QUICK ? 2e5 : 2e6;
const MAX_CELL_BYTES = QUICK ? 256e6 : 4e9;

/** A server under test, and its library's client program when it has one (for the client-send scenario). */
interface ServerSpec {
  name: string;
  script: string;
  /** The client program of the same library (or the ceiling's raw client), run with the same `env`. */
  client?: string;
  env: Record<string, string>;
  /** `library`: a WebSocket implementation; `ceiling` and `floor`: the references. */
  role: 'library' | 'ceiling' | 'floor';
}

const script = (name: string) => path.join(__dirname, 'servers', `${name}.ts`);
const clientScript = (name: string) => path.join(__dirname, 'clients', `${name}.ts`);
const SERVERS: ServerSpec[] = [
  { name: 'ferrosocket (native)', script: script('ferrosocket'), client: clientScript('ferrosocket'), env: { FERROSOCKET_CODEC: 'native' }, role: 'library' },
  { name: 'ferrosocket (js)', script: script('ferrosocket'), client: clientScript('ferrosocket'), env: { FERROSOCKET_CODEC: 'js' }, role: 'library' },
  { name: 'ws', script: script('ws'), client: clientScript('ws'), env: {}, role: 'library' },
  {
    name: 'ws (no addons)',
    script: script('ws'),
    client: clientScript('ws'),
    env: { WS_NO_BUFFER_UTIL: '1', WS_NO_UTF_8_VALIDATE: '1' },
    role: 'library',
  },
  { name: 'websocket 1.0.35', script: script('websocket'), client: clientScript('websocket'), env: {}, role: 'library' },
  { name: 'faye-websocket', script: script('faye'), client: clientScript('faye'), env: {}, role: 'library' },
  {
    name: 'ferrosocket (faye API)',
    script: script('faye'),
    client: clientScript('faye'),
    env: { BENCH_FAYE: 'ferrosocket', FERROSOCKET_CODEC: 'native' },
    role: 'library',
  },
  { name: 'raw net (ceiling)', script: script('raw-net'), client: clientScript('raw-net'), env: {}, role: 'ceiling' },
  { name: 'bare http (floor)', script: script('bare-http'), env: {}, role: 'floor' },
];
const BASELINE = 'ws';

/** One cell's figures: the headline value, an optional second one (CPU cost, heap), and the load generator's CPU. */
interface Figures {
  value: number;
  second?: number;
  /** The load generator's CPU time over the job as a share of the job's elapsed time, in percent. */
  loadgenCpuPercent: number;
}

/** What every scenario declares: its figures, how to read them, and which servers (or clients) it applies to. */
interface ScenarioBase {
  id: string;
  title: string;
  unit: string;
  secondUnit?: string;
  /** Whether a larger headline value is better (throughput) or worse (memory). */
  higherIsBetter: boolean;
  /** The reference the ratio column compares with. */
  reference: 'ceiling' | 'floor';
  servers: (server: ServerSpec) => boolean;
}

/** A scenario that drives servers with the load generator. */
interface ServerScenario extends ScenarioBase {
  /**
   * `persistent`: reuse one echo server per spec across scenarios; `fresh`: a new process for each cell;
   * `broadcast`: reuse one broadcasting server per spec.
   */
  process: 'persistent' | 'fresh' | 'broadcast';
  /** Flags for node in a `fresh` process. */
  nodeFlags?: readonly string[];
  run: (server: ServerProcess, loadgen: LoadGenerator) => Promise<Figures>;
}

/** A scenario that has each library's client program send to the load generator's sink (one process per spec). */
interface ClientScenario extends ScenarioBase {
  process: 'client';
  run: (client: ClientProcess, loadgen: LoadGenerator) => Promise<Figures>;
}

/** A scenario: which servers or clients it applies to, how to run one cell, and how to read the figures. */
type Scenario = ServerScenario | ClientScenario;

const cpuMicros = (before: ServerStats, after: ServerStats) =>
  after.cpu.user + after.cpu.system - (before.cpu.user + before.cpu.system);

function expectOk(result: JobResult, what: string): JobResult {
  if (result.error) throw new Error(`${what}: ${result.error}`);
  if (result.count === 0) throw new Error(`${what}: nothing completed`);
  return result;
}

/** The load generator's CPU time as a share of the job's elapsed time, in percent (NaN for a job of no duration). */
function loadgenCpuPercent(result: JobResult): number {
  return result.elapsedMs > 0 ? (result.loadgenCpuUs / (result.elapsedMs * 1000)) * 100 : Number.NaN;
}

/** An echo-throughput scenario: messages/s and server µs per message, or MB/s and server ms per MB. */
function echoScenario(id: string, title: string, payload: PayloadSpec, connections: number, window: number, batch: number): ServerScenario {
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
        maxMessagesPerConnection: Math.ceil((byBytes ? MAX_CELL_BYTES / payload.size : MAX_CELL_MESSAGES) / connections),
      };
      const before = await server.stats();
      const result = expectOk(await loadgen.run(job), title);
      const after = await server.stats();
      const cpu = cpuMicros(before, after);
      if (byBytes) {
        const megabytes = result.bytes / 1e6;
        return { value: megabytes / (result.elapsedMs / 1000), second: cpu / 1000 / megabytes, loadgenCpuPercent: loadgenCpuPercent(result) };
      }
      return { value: result.count / (result.elapsedMs / 1000), second: cpu / result.count, loadgenCpuPercent: loadgenCpuPercent(result) };
    },
  };
}

const HANDSHAKES = QUICK ? 300 : 5000;
const IDLE = QUICK ? 300 : Number(process.env.BENCH_IDLE ?? 5000);
/**
 * How an idle cell's server runs: V8's collections on the main thread alone. With its background threads the
 * figure moved by ±300-500 B per connection between fresh processes of one server (the floor's too): how much of
 * their malloc arenas stayed resident, and old-space pages V8 commits while a background sweep is still freeing
 * others (bench/README.md, "How the idle cell reads RSS").
 */
const IDLE_NODE_FLAGS = ['--single-threaded-gc'];
/** Messages per client-send cell: 625 MiB of 64 KiB messages (12.5 MiB in quick mode). */
const CLIENT_MESSAGES = QUICK ? 200 : 10_000;
const CLIENT_PAYLOAD_BYTES = 65536;
/** How long a client may take to send one cell before it gives up. */
const CLIENT_TIMEOUT_MS = 60_000;

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
      return { value: result.count / (result.elapsedMs / 1000), second: cpuMicros(before, after) / result.count, loadgenCpuPercent: loadgenCpuPercent(result) };
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
    nodeFlags: IDLE_NODE_FLAGS,
    run: async (server, loadgen) => {
      // As many connections opened and closed first: every connection's code is loaded and compiled (the compiler's
      // memory is not counted per connection), and the memory they leave free is what the next ones find.
      expectOk(await loadgen.run({ type: 'open-idle', port: server.port, total: IDLE, concurrency: 50, durationMs: 15000 }), 'warm-up connections');
      await loadgen.run({ type: 'close-all' });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const before = await server.stats(true);
      const result = await loadgen.run({ type: 'open-idle', port: server.port, total: IDLE, concurrency: 50, durationMs: 15000 });
      try {
        expectOk(result, 'idle connections');
        const after = await server.stats(true);
        return {
          value: (after.memory.rss - before.memory.rss) / result.count,
          second: (after.memory.heapUsed - before.memory.heapUsed) / result.count,
          loadgenCpuPercent: loadgenCpuPercent(result),
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
      return { value: result.count / (result.elapsedMs / 1000), second: cpuMicros(before, after) / result.count, loadgenCpuPercent: loadgenCpuPercent(result) };
    },
  },
  {
    id: 'clientsend64k',
    title: `64 KiB binary sent by the client to a raw sink, ${CLIENT_MESSAGES} messages`,
    unit: 'MB/s',
    secondUnit: 'client CPU ms/MB',
    higherIsBetter: true,
    reference: 'ceiling',
    servers: (server) => server.client !== undefined,
    process: 'client',
    run: async (client, loadgen) => {
      const opened = await loadgen.openSink({ type: 'sink-open', size: CLIENT_PAYLOAD_BYTES, messages: CLIENT_MESSAGES });
      if (opened.error) throw new Error(`sink: ${opened.error}`);
      const sent = await client.send({
        type: 'send',
        port: opened.port,
        size: CLIENT_PAYLOAD_BYTES,
        messages: CLIENT_MESSAGES,
        timeoutMs: CLIENT_TIMEOUT_MS,
      });
      // Collected even when the client failed, so the sink is closed before the next cell.
      const result = await loadgen.run({ type: 'sink-result' });
      if (sent.error) throw new Error(`client: ${sent.error}`);
      expectOk(result, 'sink');
      const megabytes = result.bytes / 1e6;
      return { value: megabytes / (result.elapsedMs / 1000), second: sent.cpuUs / 1000 / megabytes, loadgenCpuPercent: loadgenCpuPercent(result) };
    },
  },
];

/** A comma-separated list from the environment, trimmed; undefined when the variable is unset or empty. */
function listFromEnv(variable: string): string[] | undefined {
  const items = (process.env[variable] ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  return items.length > 0 ? items : undefined;
}

/** What is wrong when `wanted` names something `known` does not have (listing what it has), or null. */
function unknownNames(variable: string, wanted: string[] | undefined, known: string[]): string | null {
  const unknown = (wanted ?? []).filter((item) => !known.includes(item));
  if (unknown.length === 0) return null;
  return `${variable}: unknown ${unknown.map((item) => `"${item}"`).join(', ')}; known: ${known.map((item) => `"${item}"`).join(', ')}`;
}

/** BENCH_SCENARIOS: the scenario ids to run, or undefined for all. */
const SCENARIO_FILTER = listFromEnv('BENCH_SCENARIOS');
/** BENCH_SERVERS: the server (and client) names to run, or undefined for all. */
const SERVER_FILTER = listFromEnv('BENCH_SERVERS');
/** Whether this run is restricted, so its report is partial. */
const FILTERED = SCENARIO_FILTER !== undefined || SERVER_FILTER !== undefined;

/** The scenarios this run covers, in the report's order. */
function selectedScenarios(): Scenario[] {
  return SCENARIOS.filter((scenario) => !SCENARIO_FILTER || SCENARIO_FILTER.includes(scenario.id));
}

/** The servers (or clients) a scenario runs in this run: the filter's, plus ws and the scenario's reference. */
function selectedSpecs(scenario: Scenario): ServerSpec[] {
  return SERVERS.filter(scenario.servers).filter(
    (spec) => !SERVER_FILTER || SERVER_FILTER.includes(spec.name) || spec.name === BASELINE || spec.role === scenario.reference,
  );
}

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
  const clients = new Map<string, ClientProcess>();
  const serverFor = async (scenario: ServerScenario, spec: ServerSpec): Promise<{ server: ServerProcess; fresh: boolean }> => {
    if (scenario.process === 'fresh') return { server: await ServerProcess.start(spec.script, spec.env, scenario.nodeFlags), fresh: true };
    const pool = scenario.process === 'broadcast' ? broadcasters : persistent;
    let server = pool.get(spec.name);
    if (!server) {
      server = await ServerProcess.start(spec.script, { ...spec.env, BENCH_MODE: scenario.process === 'broadcast' ? 'broadcast' : 'echo' });
      pool.set(spec.name, server);
    }
    return { server, fresh: false };
  };
  const clientFor = async (spec: ServerSpec): Promise<ClientProcess> => {
    let client = clients.get(spec.name);
    if (!client) {
      // The client scenario takes only the specs that have a client program.
      client = await ClientProcess.start(spec.client!, spec.env);
      clients.set(spec.name, client);
    }
    return client;
  };
  /** Runs one cell in the process it needs; a fresh server is stopped afterwards. */
  const runCell = async (scenario: Scenario, spec: ServerSpec): Promise<Figures> => {
    if (scenario.process === 'client') return scenario.run(await clientFor(spec), loadgen);
    const { server, fresh } = await serverFor(scenario, spec);
    try {
      return await scenario.run(server, loadgen);
    } finally {
      if (fresh) await server.stop();
    }
  };
  try {
    for (const scenario of selectedScenarios()) {
      const specs = selectedSpecs(scenario);
      // Outside quick mode, one untimed pass warms every server's (or client's) code paths for this scenario.
      for (let round = QUICK ? 0 : -1; round < REPEAT; round++) {
        for (const spec of specs) {
          try {
            const figures = await runCell(scenario, spec);
            if (round >= 0) {
              const cell = results.get(scenario.id)!;
              cell.set(spec.name, [...(cell.get(spec.name) ?? []), figures]);
            }
            process.stderr.write(
              `${scenario.id} ${round < 0 ? 'warm-up' : `#${round + 1}`} ${spec.name}: ${formatNumber(figures.value)} ${scenario.unit}, ` +
                `loadgen CPU ${formatPercent(figures.loadgenCpuPercent)}%\n`,
            );
          } catch (failure) {
            process.stderr.write(`${scenario.id} ${spec.name}: FAILED ${(failure as Error).message}\n`);
          }
        }
      }
      // The clients are used by one scenario only; the echo servers stay for the scenarios after theirs.
      await Promise.all([...clients.values()].map((client) => client.stop()));
      clients.clear();
    }
  } finally {
    await Promise.all([...persistent.values(), ...broadcasters.values(), ...clients.values()].map((child) => child.stop()));
  }
  return results;
}

/** One row of the report: a server's (or client's) medians in one scenario. */
interface Row {
  server: ServerSpec;
  value: number;
  second?: number;
  loadgenCpuPercent: number;
}

function rowsOf(scenario: Scenario, results: Results): Row[] {
  const cell = results.get(scenario.id)!;
  return SERVERS.filter(scenario.servers)
    .filter((server) => cell.has(server.name))
    .map((server) => {
      const figures = cell.get(server.name)!;
      const seconds = figures.map((f) => f.second).filter((s): s is number => s !== undefined);
      return {
        server,
        value: median(figures.map((f) => f.value)),
        second: seconds.length ? median(seconds) : undefined,
        loadgenCpuPercent: median(figures.map((f) => f.loadgenCpuPercent)),
      };
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

/** A percentage without decimals from 10% up, with one below; blank when there is none. */
function formatPercent(percent: number): string {
  if (!Number.isFinite(percent)) return '';
  return percent >= 10 ? percent.toFixed(0) : percent.toFixed(1);
}

/** The report's line saying what a restricted run left out, or nothing for a full run. */
function filterLine(): string[] {
  if (!FILTERED) return [];
  const scenarios = SCENARIO_FILTER ? `scenarios ${SCENARIO_FILTER.join(', ')}` : 'all scenarios';
  const servers = SERVER_FILTER ? `servers ${SERVER_FILTER.join(', ')} (plus ws and each scenario's reference)` : 'all servers';
  return [`Partial run: BENCH_SCENARIOS / BENCH_SERVERS restricted it to ${scenarios}; ${servers}.`];
}

function report(results: Results): { markdown: string; svg: string } {
  const machine = machineInfo();
  const sections: string[] = [];
  const chart: { scenario: string; bars: { name: string; ratio: number }[] }[] = [];
  for (const scenario of selectedScenarios()) {
    let rows = rowsOf(scenario, results);
    if (rows.length === 0) continue;
    if (scenario.id === 'idle') rows = idleFloorCorrected(rows);
    const baseline = rows.find((row) => row.server.name === BASELINE);
    const reference = rows.find((row) => row.server.role === scenario.reference);
    const referenceName = scenario.reference === 'ceiling' ? 'vs ceiling' : 'vs floor';
    const table = markdownTable(
      [
        scenario.process === 'client' ? 'client' : 'server',
        scenario.unit,
        scenario.secondUnit ?? '',
        'vs ws (>1 better)',
        scenario.id === 'idle' ? '' : referenceName,
        'loadgen CPU %',
      ],
      rows.map((row) => {
        const advantage = advantageOverBaseline(scenario, row, baseline);
        const ofReference = reference && scenario.id !== 'idle' && reference.value > 0 ? row.value / reference.value : undefined;
        return [
          row.server.name,
          formatValue(scenario, row.value),
          row.second === undefined ? '' : formatNumber(row.second),
          advantage === undefined || row.server.role !== 'library' ? '' : formatRatio(advantage),
          ofReference === undefined ? '' : formatRatio(ofReference),
          formatPercent(row.loadgenCpuPercent),
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
    ...filterLine(),
    `Pinning: ${hasTaskset ? 'servers and clients on CPU 0, the load generator (and its sink) on CPU 1 (taskset)' : 'none (no taskset)'}.`,
    '',
    'Servers take turns within each scenario (A B C ... A B C ...). "vs ws" is the ratio to `ws` with bufferutil and',
    'utf-8-validate, oriented so that > 1 means better than ws (for memory: ws / x). "vs ceiling" compares with the raw',
    '`net` echo (no framing at all), "vs floor" with a bare `http` server that answers 101 and holds the socket. Idle',
    'memory is per connection, minus what the floor costs per connection (the floor row is its own absolute cost),',
    `measured on a fresh server run with ${IDLE_NODE_FLAGS.join(' ')}, after as many connections were opened and closed`,
    '(so that loading and compiling the code is not counted per connection), each reading once memory settled: a full',
    'collection a second for at least 6 s, until one leaves RSS and the young generation as they were (V8 shrinks the',
    'young generation it grew during the burst of connections only then). Server CPU is process.cpuUsage() from before the load generator connects to after the last echo.',
    'websocket and ferrosocket run with their defaults (which fragment outgoing messages above 16 KiB) except the',
    'maximum frame and message sizes (2 MiB) and keepalive (off).',
    '',
    '"loadgen CPU %" is the load generator\'s own CPU time over the job divided by the job\'s elapsed time (median over',
    'the repeats): near 100% the load generator, not the server or client, was the bottleneck, and the row only says',
    'that the library is at least that fast.',
    '',
    'In the client-send scenario each library\'s client (bench/e2e/clients/) connects to a raw sink in the load',
    'generator, which reads into one 1 MiB buffer (a plain socket\'s 64 KiB reads made the sink the limit), parses',
    'frame headers only (the first and every 997th message are unmasked and compared byte for byte) and sends',
    '"done" after the last message. MB/s is payload bytes over the time from the sink\'s first',
    'received byte to its last; client CPU is process.cpuUsage() from before the client connects to the "done".',
    'Each client keeps up to 1 MiB queued in its socket (websocket, ferrosocket: `connection.socket.writableLength`,',
    'then the connection\'s \'drain\'; ws: `bufferedAmount`, then its socket\'s \'drain\'); faye-websocket sends',
    'while `send()` returns true, then waits for its \'drain\' (its own flow control, which stops at the socket\'s',
    'high-water mark). The websocket and ferrosocket clients run with their defaults, which fragment outgoing',
    'messages above 16 KiB (a 64 KiB message goes out as 4 frames); ws and faye send one frame. The ceiling is a raw',
    '`net` client writing one pre-masked frame over and over; near its MB/s, client CPU ms/MB tells clients apart.',
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
  const problems = [
    unknownNames('BENCH_SCENARIOS', SCENARIO_FILTER, SCENARIOS.map((scenario) => scenario.id)),
    unknownNames('BENCH_SERVERS', SERVER_FILTER, SERVERS.map((spec) => spec.name)),
  ].filter((problem): problem is string => problem !== null);
  if (problems.length > 0) {
    process.stderr.write(problems.map((problem) => `${problem}\n`).join(''));
    process.exitCode = 2;
    return;
  }
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
  // A restricted run must not overwrite the full results (or their chart) with a few of their rows.
  if (FILTERED) {
    fs.writeFileSync(path.join(__dirname, 'results-partial.md'), markdown);
  } else {
    fs.writeFileSync(path.join(__dirname, 'results.md'), markdown);
    fs.writeFileSync(path.join(__dirname, 'ratios.svg'), svg);
  }
  process.stdout.write(markdown);
  const written = FILTERED ? 'bench/e2e/results-partial.md' : 'bench/e2e/results.md, bench/e2e/ratios.svg';
  process.stderr.write(`done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${written}\n`);
}

void main().catch((failure) => {
  process.stderr.write(`${(failure as Error).stack}\n`);
  process.exitCode = 1;
});
