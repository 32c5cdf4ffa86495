/**
 * WebSocketFrame (websocket-api.md §6, websocket-edge-cases.md §I and the 1.0.35 unit test expectations) and the
 * BufferList it reads from, with `addData` fed input split at every position.
 */
import test from 'ava';
import { BufferList } from '../ts/buffer-list';
import { WebSocketFrame, type FrameConfig } from '../ts/frame';
import { encodeFrame, type WireFrame } from './helpers/wire';

function newFrame(config: FrameConfig = {}): WebSocketFrame {
  return new WebSocketFrame(Buffer.alloc(4), Buffer.alloc(10), config);
}

test('I.1: the constructor needs a config; {} works and sets the initial fields', (t) => {
  t.throws(() => new (WebSocketFrame as unknown as new () => WebSocketFrame)(), { instanceOf: TypeError });
  const maskBytes = Buffer.alloc(4);
  const frameHeader = Buffer.alloc(10);
  const config = { maxReceivedFrameSize: 10 };
  const frame = new WebSocketFrame(maskBytes, frameHeader, config);
  t.is(frame.maskBytes, maskBytes);
  t.is(frame.frameHeader, frameHeader);
  t.is(frame.config, config);
  t.is(frame.maxReceivedFrameSize, 10);
  t.false(frame.protocolError);
  t.false(frame.frameTooLarge);
  t.false(frame.invalidCloseFrameLength);
  t.is(frame.parseState, 1);
  t.is(frame.closeStatus, -1);
  t.is(newFrame().maxReceivedFrameSize, undefined);
});

test('I.4: a masked empty ping with toBuffer(true) is 898000000000', (t) => {
  const frame = newFrame();
  frame.fin = true;
  frame.mask = true;
  frame.opcode = 0x09;
  t.is(frame.toBuffer(true).toString('hex'), '898000000000');
  t.is(frame.length, 0);
});

test('a 200-byte binary with a null mask → 82 FE 00 C8 00000000 + payload', (t) => {
  const payload = Buffer.alloc(200);
  for (let i = 0; i < payload.length; i++) payload[i] = i;
  const frame = newFrame();
  frame.fin = true;
  frame.mask = true;
  frame.opcode = 0x02;
  frame.binaryPayload = payload;
  const bytes = frame.toBuffer(true);
  t.is(bytes.subarray(0, 8).toString('hex'), '82fe00c800000000');
  t.deepEqual(bytes.subarray(8), payload);
  t.is(frame.length, 200);
});

test('a 66000-byte binary with a null mask → 82 FF 00000000 000101D0 00000000 + payload', (t) => {
  const payload = Buffer.alloc(66000, 0x5a);
  const frame = newFrame();
  frame.fin = true;
  frame.mask = true;
  frame.opcode = 0x02;
  frame.binaryPayload = payload;
  const bytes = frame.toBuffer(true);
  t.is(bytes.subarray(0, 14).toString('hex'), '82ff00000000000101d000000000');
  t.deepEqual(bytes.subarray(14), payload);
});

test('I.3: closeStatus 1000 + payload "x" → 880303e878, length 3', (t) => {
  const frame = newFrame();
  frame.fin = true;
  frame.opcode = 0x08;
  frame.closeStatus = 1000;
  frame.binaryPayload = Buffer.from('x');
  t.is(frame.toBuffer(true).toString('hex'), '880303e878');
  t.is(frame.length, 3);
});

test('I.2: a close frame without closeStatus throws a RangeError', (t) => {
  const frame = newFrame();
  frame.opcode = 0x08;
  t.throws(() => frame.toBuffer(), { instanceOf: RangeError });
});

test('toBuffer writes rsv bits, an unmasked payload as is, and a random mask into maskBytes', (t) => {
  const frame = newFrame();
  frame.rsv1 = true;
  frame.rsv3 = true;
  frame.opcode = 0x01;
  frame.binaryPayload = Buffer.from('hello');
  t.is(frame.toBuffer().toString('hex'), '5105' + Buffer.from('hello').toString('hex'));

  const masked = newFrame();
  masked.fin = true;
  masked.mask = true;
  masked.opcode = 0x01;
  const payload = Buffer.from('masked payload');
  masked.binaryPayload = payload;
  const keys = new Set<string>();
  for (let i = 0; i < 8; i++) {
    const bytes = masked.toBuffer();
    const key = bytes.subarray(2, 6);
    t.deepEqual(Buffer.from(masked.maskBytes), Buffer.from(key), 'the key is stored in maskBytes');
    keys.add(key.toString('hex'));
    const body = Buffer.from(bytes.subarray(6));
    for (let j = 0; j < body.length; j++) body[j] ^= key[j & 3];
    t.deepEqual(body, payload);
  }
  t.deepEqual(payload, Buffer.from('masked payload'), 'the source is not changed');
  t.true(keys.size > 1);
});

test('toString gives the 1.0.35 format', (t) => {
  const frame = newFrame();
  t.is(frame.toString(), 'Opcode: 0, fin: false, length: 0, hasPayload: false, masked: false');
  frame.opcode = 2;
  frame.fin = true;
  frame.mask = true;
  frame.binaryPayload = Buffer.from('abc');
  frame.toBuffer(true);
  t.is(frame.toString(), 'Opcode: 2, fin: true, length: 3, hasPayload: true, masked: true');
});

/** Parses `bytes`, written into a BufferList in the given pieces, calling addData after each write. */
function parse(pieces: Uint8Array[], config: FrameConfig = {}): { frame: WebSocketFrame; done: boolean; left: number } {
  const list = new BufferList();
  const frame = newFrame(config);
  let done = false;
  for (const piece of pieces) {
    list.write(Buffer.from(piece));
    done = frame.addData(list);
    if (done) break;
  }
  return { frame, done, left: list.length };
}

/** Every way of cutting `bytes` into two pieces, plus byte by byte. */
function splits(bytes: Buffer): Uint8Array[][] {
  const ways: Uint8Array[][] = [[bytes]];
  for (let cut = 1; cut < bytes.length; cut++) ways.push([bytes.subarray(0, cut), bytes.subarray(cut)]);
  ways.push([...bytes].map((byte) => Uint8Array.of(byte)));
  return ways;
}

const KEY = Uint8Array.from([0xa1, 0xb2, 0xc3, 0xd4]);

const CASES: Array<{ name: string; frame: WireFrame; expect: Partial<WebSocketFrame> }> = [
  { name: 'masked text', frame: { opcode: 1, mask: KEY, payload: Buffer.from('hello') }, expect: { opcode: 1, fin: true, mask: true, length: 5, binaryPayload: Buffer.from('hello') } },
  { name: 'unmasked binary without FIN', frame: { opcode: 2, fin: false, payload: Buffer.from([1, 2, 3]) }, expect: { opcode: 2, fin: false, mask: false, length: 3, binaryPayload: Buffer.from([1, 2, 3]) } },
  { name: '16-bit length', frame: { opcode: 2, mask: KEY, payload: Buffer.alloc(300, 9) }, expect: { length: 300, binaryPayload: Buffer.alloc(300, 9) } },
  { name: '64-bit length', frame: { opcode: 2, mask: KEY, payload: Buffer.alloc(130, 4), length: 130n }, expect: { length: 130, binaryPayload: Buffer.alloc(130, 4) } },
  { name: 'rsv bits', frame: { opcode: 1, rsv: 7, payload: Buffer.from('r') }, expect: { rsv1: true, rsv2: true, rsv3: true } },
  { name: 'empty ping', frame: { opcode: 9, mask: KEY }, expect: { opcode: 9, length: 0, binaryPayload: Buffer.alloc(0) } },
  { name: 'close with code and reason', frame: { opcode: 8, mask: KEY, payload: Buffer.from([0x0f, 0xa0, 0x62, 0x79, 0x65]) }, expect: { closeStatus: 4000, length: 5, binaryPayload: Buffer.from('bye') } },
  { name: 'empty close', frame: { opcode: 8 }, expect: { closeStatus: -1, length: 0, binaryPayload: Buffer.alloc(0) } },
  { name: '1-byte close', frame: { opcode: 8, payload: Buffer.from([3]) }, expect: { closeStatus: -1, invalidCloseFrameLength: true, binaryPayload: Buffer.alloc(0) } },
];

for (const { name, frame: wire, expect } of CASES) {
  test(`addData: ${name}, with the input split at every position`, (t) => {
    const bytes = Buffer.concat([encodeFrame(wire), Buffer.from([0xee, 0xff])]);
    for (const pieces of splits(bytes)) {
      const { frame, done, left } = parse(pieces);
      const label = pieces.map((piece) => piece.length).join('+');
      t.true(done, label);
      t.is(frame.parseState, 6, label);
      t.false(frame.protocolError || frame.frameTooLarge, label);
      for (const [key, value] of Object.entries(expect)) {
        t.deepEqual(frame[key as keyof WebSocketFrame], value, `${key} at ${label}`);
      }
      t.true(left <= 2, 'bytes of the next frame are left alone');
      if (!t.passed) return;
    }
  });
}

test('addData: a 70000-byte frame arriving in uneven chunks', (t) => {
  const payload = Buffer.alloc(70_000);
  for (let i = 0; i < payload.length; i++) payload[i] = i & 0xff;
  const bytes = encodeFrame({ opcode: 2, mask: KEY, payload });
  const pieces: Uint8Array[] = [];
  for (let at = 0, size = 1; at < bytes.length; at += size, size = size * 3 + 1) pieces.push(bytes.subarray(at, at + size));
  const { frame, done, left } = parse(pieces);
  t.true(done);
  t.is(frame.length, 70_000);
  t.deepEqual(frame.binaryPayload, payload);
  t.is(left, 0);
});

test('addData returns false until the frame is complete', (t) => {
  const bytes = encodeFrame({ opcode: 1, mask: KEY, payload: Buffer.from('abcdef') });
  const list = new BufferList();
  const frame = newFrame();
  const results: boolean[] = [];
  for (const byte of bytes) {
    list.write(Buffer.of(byte));
    results.push(frame.addData(list));
  }
  t.deepEqual(results, [...new Array(bytes.length - 1).fill(false), true]);
  t.deepEqual(frame.binaryPayload, Buffer.from('abcdef'));
  t.deepEqual(frame.maskBytes, Buffer.from(KEY), 'the key lands in the shared maskBytes');
});

const ERRORS: Array<{ name: string; bytes: Buffer; config?: FrameConfig; flag: 'protocolError' | 'frameTooLarge'; reason: string }> = [
  { name: 'a control frame longer than 125', bytes: Buffer.from([0x89, 126, 0, 200]), flag: 'protocolError', reason: 'Illegal control frame longer than 125 bytes.' },
  { name: 'a fragmented control frame', bytes: Buffer.from([0x09, 0]), flag: 'protocolError', reason: 'Control frames must not be fragmented.' },
  { name: 'a 64-bit length with the high word set', bytes: Buffer.from([0x82, 127, 0, 0, 0, 1, 0, 0, 0, 0]), flag: 'protocolError', reason: 'Unsupported 64-bit length frame received' },
  { name: 'a frame over maxReceivedFrameSize', bytes: Buffer.from([0x82, 0x80 | 126, 0x01, 0x2c, 1, 2, 3, 4]), config: { maxReceivedFrameSize: 299 }, flag: 'frameTooLarge', reason: 'Frame size of 300 bytes exceeds maximum accepted frame size' },
];

for (const { name, bytes, config, flag, reason } of ERRORS) {
  test(`addData flags ${name} as soon as the header shows it, at every split`, (t) => {
    for (const pieces of splits(bytes)) {
      const { frame, done } = parse(pieces, config);
      t.true(done);
      t.true(frame[flag]);
      t.is(frame.dropReason, reason);
    }
  });
}

test('throwAwayPayload skips the payload once it is buffered', (t) => {
  const list = new BufferList();
  const frame = newFrame({ maxReceivedFrameSize: 2 });
  list.write(Buffer.from([0x82, 5, 1, 2]));
  t.true(frame.addData(list));
  t.true(frame.frameTooLarge);
  t.false(frame.throwAwayPayload(list));
  list.write(Buffer.from([3, 4, 5, 0x81]));
  t.true(frame.throwAwayPayload(list));
  t.is(frame.parseState, 6);
  t.is(list.length, 1);
});

test('BufferList: write, joinInto, advance and take across chunk boundaries', (t) => {
  const list = new BufferList();
  list.write(Buffer.from([1, 2, 3]));
  list.write(Buffer.alloc(0));
  list.write(Buffer.from([4, 5]));
  list.write(Buffer.from([6, 7, 8, 9]));
  t.is(list.length, 9);
  const target = Buffer.alloc(6);
  t.is(list.joinInto(target, 1, 2, 7), target);
  t.deepEqual([...target], [0, 3, 4, 5, 6, 7]);
  t.throws(() => list.joinInto(Buffer.alloc(2), 0, 0, 3), { message: 'Insufficient space available in target Buffer.' });
  t.deepEqual([...list.take(4)], [1, 2, 3, 4]);
  t.is(list.length, 9, 'take does not consume');
  list.advance(4);
  t.is(list.length, 5);
  t.deepEqual([...list.take(10)], [5, 6, 7, 8, 9]);
  list.advance(1);
  t.deepEqual([...list.take(2)], [6, 7]);
  list.advance(99);
  t.is(list.length, 0);
  t.deepEqual([...list.take(1)], []);
});
