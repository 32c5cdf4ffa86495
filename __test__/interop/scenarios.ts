/**
 * The interop scenarios: what ferrosocket sends in each, what the peer does, what both sides must report, and the
 * check that compares the two reports with those expectations.
 *
 * ferrosocket is always the driving side: it sends the scenario's messages, the peer echoes every data message it
 * gets, and ferrosocket compares the echoes with what it sent, byte for byte. The peer reports what it saw (the
 * subprotocol, each message's type and size, the pongs to its pings, the close code and reason), so both sides'
 * views are checked. The peer's part is decided by the scenario name alone (the URL path carries it to a peer
 * server), which keeps the Python and W3C peer scripts small.
 */
import { Random } from '../helpers/random';

/** Every scenario, in the matrix's column order. */
export const SCENARIOS = [
  'subprotocol',
  'text',
  'binary',
  'binary-blob',
  'burst',
  'ping',
  'close-by-peer',
  'close-by-ferrosocket',
] as const;

/** One scenario's name. */
export type Scenario = (typeof SCENARIOS)[number];

/** The URL schemes every scenario runs over. */
export const SCHEMES = ['ws', 'wss'] as const;

/** `ws` (plain TCP) or `wss` (TLS with the test's self-signed certificate). */
export type Scheme = (typeof SCHEMES)[number];

/** The scenario that needs a ping API, which W3C WebSockets lack. */
export const PING_SCENARIO: Scenario = 'ping';
/** The scenario that needs W3C `binaryType = 'blob'`, which only W3C WebSockets have. */
export const BLOB_SCENARIO: Scenario = 'binary-blob';

/** The subprotocols a client offers in the subprotocol scenario, in order. */
export const OFFERED_PROTOCOLS: readonly string[] = ['chat.v1', 'chat.v2'];
/** The one a server picks: the last offered, so a server that just takes the first would be caught. */
export const CHOSEN_PROTOCOL = 'chat.v2';

/** The close code of the two close scenarios (application range). */
export const CLOSE_CODE = 4001;
/** The close reason of the two close scenarios, with a 3-byte character. */
export const CLOSE_REASON = 'bye ✓';
/** What ferrosocket's `close()` without a description sends and reports for 1000 (websocket 1.0.35's text). */
export const NORMAL_CLOSE_DESCRIPTION = 'Normal connection closure';

/** The payload of ferrosocket's ping to the peer. */
export const FERROSOCKET_PING = 'ferrosocket ping';
/** The payload of the peer's ping to ferrosocket. */
export const PEER_PING = 'peer ping';

/** Frame and message limit on every side, above the 1 MiB binary message (the defaults are lower). */
export const MAX_MESSAGE_SIZE = 4 * 1024 * 1024;

/** How long one scenario may take on either side, from connecting to the close. */
export const SCENARIO_TIMEOUT_MS = 5000;

/** Settings the peer scripts take (Python's argv, the Node child's argv, the browser's evaluate argument). */
export interface PeerSettings {
  peerPing: string;
  closeCode: number;
  closeReason: string;
  chosenProtocol: string;
  maxSize: number;
  timeoutMs: number;
}

/** The one set of peer settings, taken from the constants above. */
export const PEER_SETTINGS: PeerSettings = {
  peerPing: PEER_PING,
  closeCode: CLOSE_CODE,
  closeReason: CLOSE_REASON,
  chosenProtocol: CHOSEN_PROTOCOL,
  maxSize: MAX_MESSAGE_SIZE,
  timeoutMs: SCENARIO_TIMEOUT_MS,
};

/** A data message as ferrosocket sends or receives it. */
export type DataMessage = { type: 'text'; text: string } | { type: 'binary'; bytes: Buffer };

/** A data message as a peer reports it: text in full, binary by size and the type its API delivered it as. */
export type PeerMessage = { type: 'text'; text: string } | { type: 'binary'; kind: string; length: number };

/** A close as one side reports it. */
export interface CloseSeen {
  code: number;
  reason: string;
}

/** What a peer reports about one connection (JSON: it comes from Python, Node children and the browser too). */
export interface PeerReport {
  /** The subprotocol in effect, `null` for none. */
  protocol: string | null;
  /** The subprotocols the client offered; reported by peer servers only. */
  offered?: string[];
  /** Every data message received, in order. */
  received: PeerMessage[];
  /** The payloads (UTF-8) of the pongs answering the peer's own pings. */
  pongs: string[];
  /** The close as the peer's API reports it, `null` if it never closed. */
  close: CloseSeen | null;
  /** Anything that went wrong (an error event, a timeout), `null` when nothing did. */
  error: string | null;
}

/** What ferrosocket's side saw on one connection. */
export interface FerrosocketReport {
  protocol: string | null;
  /** The subprotocols the client offered; reported when ferrosocket is the server. */
  offered?: string[];
  /** The messages it sent, in order. */
  sent: DataMessage[];
  /** The messages it received (the echoes), in order. */
  received: DataMessage[];
  /** Payloads (UTF-8) of the pings the peer sent and of the pongs answering ferrosocket's ping. */
  pings: string[];
  pongs: string[];
  close: CloseSeen | null;
  error: string | null;
}

/** Both sides' reports of one connection. */
export interface Exchange {
  ferrosocket: FerrosocketReport;
  peer: PeerReport;
}

/** Texts of 2-, 3- and 4-byte UTF-8 characters, the empty string, and one long enough to be fragmented mid-character. */
export const TEXTS: readonly string[] = [
  '2-byte: ß ü é ñ ж',
  '3-byte: € 中 ह ✓',
  '4-byte: 😀 𝄞 🎉 𐍈',
  '',
  // 10 bytes per repeat, 50 000 bytes in all: ferrosocket's 16 KiB fragments split characters between frames.
  'aé€😀'.repeat(5000),
];

/** Binary sizes around the 7-bit/16-bit/64-bit length boundaries, and 1 MiB. */
export const BINARY_SIZES: readonly number[] = [0, 125, 126, 65535, 65536, 1024 * 1024];

/** Random content (fixed seed, one per size) for the binary scenarios. */
export const BINARY_PAYLOADS: readonly Buffer[] = BINARY_SIZES.map((size) =>
  Buffer.from(new Random(0x1e7e + size).bytes(size)),
);

/** How many messages the burst sends back to back. */
export const BURST_COUNT = 100;

/** The burst: text and binary alternating (binary message i is i bytes of value i), so order shows across types. */
export const BURST: readonly DataMessage[] = Array.from({ length: BURST_COUNT }, (_, i) =>
  i % 2 === 0 ? { type: 'text', text: `burst ${i}` } : { type: 'binary', bytes: Buffer.alloc(i, i) },
);

/** The messages ferrosocket sends in `scenario`. */
export function messagesFor(scenario: Scenario): readonly DataMessage[] {
  switch (scenario) {
    case 'text':
      return TEXTS.map((text) => ({ type: 'text', text }));
    case 'binary':
    case 'binary-blob':
      return BINARY_PAYLOADS.map((bytes) => ({ type: 'binary', bytes }));
    case 'burst':
      return BURST;
    default:
      return [];
  }
}

/** The subprotocols a client offers in `scenario`. */
export function protocolsFor(scenario: Scenario): string[] {
  return scenario === 'subprotocol' ? [...OFFERED_PROTOCOLS] : [];
}

/** The W3C `binaryType` a W3C end uses in `scenario`. */
export function binaryTypeFor(scenario: Scenario): 'arraybuffer' | 'blob' {
  return scenario === BLOB_SCENARIO ? 'blob' : 'arraybuffer';
}

/** The type a W3C WebSocket delivers binary messages as in `scenario`, by its {@link binaryTypeFor}. */
export function w3cBinaryKind(scenario: Scenario): string {
  return binaryTypeFor(scenario) === 'blob' ? 'Blob' : 'ArrayBuffer';
}

/** The URL path of a scenario's connection: the peer server reads the scenario from it, the id pairs the reports. */
export function scenarioPath(scenario: Scenario, id: string): string {
  return `/${scenario}/${id}`;
}

/** The scenario and id of a path made by {@link scenarioPath}, or null for any other path. */
export function parseScenarioPath(path: string): { scenario: Scenario; id: string } | null {
  const match = /^\/([a-z-]+)\/([\w.-]+)$/.exec(path);
  if (!match || !(SCENARIOS as readonly string[]).includes(match[1])) return null;
  return { scenario: match[1] as Scenario, id: match[2] };
}

/** The closes both sides must report: by the starting side's code and reason, or 1000 when ferrosocket ends it. */
function expectedCloses(scenario: Scenario): { ferrosocket: CloseSeen; peer: CloseSeen } {
  const requested = { code: CLOSE_CODE, reason: CLOSE_REASON };
  if (scenario === 'close-by-ferrosocket') return { ferrosocket: requested, peer: requested };
  // ferrosocket answers a peer's close with 1000 and no reason (websocket 1.0.35), and the peer reports that reply.
  if (scenario === 'close-by-peer') return { ferrosocket: requested, peer: { code: 1000, reason: '' } };
  const normal = { code: 1000, reason: NORMAL_CLOSE_DESCRIPTION };
  return { ferrosocket: normal, peer: normal };
}

function describeMessage(message: DataMessage | PeerMessage | undefined): string {
  if (message === undefined) return 'nothing';
  if (message.type === 'text') {
    const shown = message.text.length > 40 ? `${message.text.slice(0, 40)}…` : message.text;
    return `text ${JSON.stringify(shown)} (${Buffer.byteLength(message.text)} B)`;
  }
  return 'bytes' in message ? `binary ${message.bytes.length} B` : `binary ${message.length} B as ${message.kind}`;
}

function sameMessage(actual: DataMessage, expected: DataMessage): boolean {
  if (actual.type === 'text') return expected.type === 'text' && actual.text === expected.text;
  return expected.type === 'binary' && actual.bytes.equals(expected.bytes);
}

/** The first index where two equal-length buffers differ, for a readable mismatch. */
function firstDifference(a: Buffer, b: Buffer): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return Math.min(a.length, b.length);
}

function compareEchoes(sent: readonly DataMessage[], received: readonly DataMessage[], problems: string[]): void {
  if (received.length !== sent.length) {
    problems.push(`ferrosocket got ${received.length} echo(es) of its ${sent.length} message(s)`);
  }
  const mismatch = sent.findIndex((message, i) => i >= received.length || !sameMessage(received[i], message));
  if (mismatch >= 0 && mismatch < received.length) {
    const got = received[mismatch];
    const want = sent[mismatch];
    const at = got.type === 'binary' && want.type === 'binary' && got.bytes.length === want.bytes.length
      ? ` (first differing byte ${firstDifference(got.bytes, want.bytes)})`
      : '';
    problems.push(`echo ${mismatch}: sent ${describeMessage(want)}, got back ${describeMessage(got)}${at}`);
  }
}

function comparePeerMessages(expected: PeerMessage[], received: readonly PeerMessage[], problems: string[]): void {
  if (received.length !== expected.length) {
    problems.push(`the peer received ${received.length} message(s), expected ${expected.length}`);
  }
  const same = (a: PeerMessage, b: PeerMessage): boolean =>
    a.type === 'text'
      ? b.type === 'text' && a.text === b.text
      : b.type === 'binary' && a.kind === b.kind && a.length === b.length;
  const mismatch = expected.findIndex((message, i) => i >= received.length || !same(received[i], message));
  if (mismatch >= 0 && mismatch < received.length) {
    const want = describeMessage(expected[mismatch]);
    problems.push(`peer message ${mismatch}: expected ${want}, got ${describeMessage(received[mismatch])}`);
  }
}

function compareClose(side: string, actual: CloseSeen | null, expected: CloseSeen, problems: string[]): void {
  if (actual === null) {
    problems.push(`${side} saw no close; expected ${expected.code} ${JSON.stringify(expected.reason)}`);
  } else if (actual.code !== expected.code || actual.reason !== expected.reason) {
    const want = `${expected.code} ${JSON.stringify(expected.reason)}`;
    problems.push(`${side} close: expected ${want}, got ${actual.code} ${JSON.stringify(actual.reason)}`);
  }
}

function compareList(
  what: string,
  actual: readonly string[] | undefined,
  expected: readonly string[],
  problems: string[],
): void {
  if (actual !== undefined && JSON.stringify(actual) !== JSON.stringify(expected)) {
    problems.push(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

/**
 * Everything in `exchange` that differs from what `scenario` requires, as sentences (empty when it passed).
 * `binaryKind` is the type the peer's API delivers binary messages as in this scenario (e.g. 'Buffer' for ws,
 * 'bytes' for Python, {@link w3cBinaryKind} for W3C peers).
 */
export function checkExchange(scenario: Scenario, exchange: Exchange, binaryKind: string): string[] {
  const { ferrosocket, peer } = exchange;
  const problems: string[] = [];
  if (ferrosocket.error !== null) problems.push(`ferrosocket: ${ferrosocket.error}`);
  if (peer.error !== null) problems.push(`peer: ${peer.error}`);

  const protocol = scenario === 'subprotocol' ? CHOSEN_PROTOCOL : null;
  if (ferrosocket.protocol !== protocol) {
    problems.push(`ferrosocket's protocol: ${ferrosocket.protocol}, expected ${protocol}`);
  }
  if (peer.protocol !== protocol) problems.push(`the peer's protocol: ${peer.protocol}, expected ${protocol}`);
  compareList('protocols offered (seen by ferrosocket)', ferrosocket.offered, protocolsFor(scenario), problems);
  compareList('protocols offered (seen by the peer)', peer.offered, protocolsFor(scenario), problems);

  const sent = messagesFor(scenario);
  if (ferrosocket.sent.length !== sent.length) problems.push(`ferrosocket sent ${ferrosocket.sent.length} message(s)`);
  compareEchoes(sent, ferrosocket.received, problems);
  const peerExpected = sent.map((message): PeerMessage =>
    message.type === 'text' ? message : { type: 'binary', kind: binaryKind, length: message.bytes.length },
  );
  comparePeerMessages(peerExpected, peer.received, problems);

  const pinged = scenario === PING_SCENARIO;
  compareList('pings ferrosocket got', ferrosocket.pings, pinged ? [PEER_PING] : [], problems);
  compareList('pongs ferrosocket got', ferrosocket.pongs, pinged ? [FERROSOCKET_PING] : [], problems);
  compareList('pongs the peer got', peer.pongs, pinged ? [PEER_PING] : [], problems);

  const closes = expectedCloses(scenario);
  compareClose('ferrosocket', ferrosocket.close, closes.ferrosocket, problems);
  compareClose('the peer', peer.close, closes.peer, problems);
  return problems;
}
