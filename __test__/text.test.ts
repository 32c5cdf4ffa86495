/**
 * ts/text.ts: decoding received text by the fastest exact route (V8's decoder or ICU's transcode) and encoding a
 * sent string (the received bytes themselves when it is the text just received), checked against Node's own
 * UTF-8 conversion; and an echo server sending back long non-ASCII text byte for byte.
 */
import test from 'ava';
import { decodeText, encodeText } from '../ts/text';
import { Random } from './helpers/random';
import { closePayload, openPair, record, until, type DecodedFrame } from './helpers/raw-peer';

/** Random valid UTF-8 of about `size` bytes: code points from every length class (no surrogates). */
function randomUtf8(random: Random, size: number): Buffer {
  const ranges: [number, number][] = [[0x20, 0x7e], [0x80, 0x7ff], [0x800, 0xd7ff], [0xe000, 0xffff], [0x10000, 0x10ffff]];
  let text = '';
  while (Buffer.byteLength(text) < size) {
    const [low, high] = random.pick(ranges);
    text += String.fromCodePoint(random.int(low, high));
  }
  return Buffer.from(text);
}

/** The messages (payloads joined up to each FIN) in a list of frames. */
function messagesIn(frames: DecodedFrame[]): Buffer[] {
  const messages: Buffer[] = [];
  let pieces: Buffer[] = [];
  for (const frame of frames) {
    pieces.push(frame.payload);
    if (frame.fin) {
      messages.push(Buffer.concat(pieces));
      pieces = [];
    }
  }
  return messages;
}

/** `size` bytes of text built from `unit` (a 1-, 2-, 3- or 4-byte character), padded with ASCII. */
function textOf(unit: string, size: number): Buffer {
  const unitBytes = Buffer.byteLength(unit);
  return Buffer.from(unit.repeat(Math.floor(size / unitBytes)) + 'x'.repeat(size % unitBytes));
}

test('decodeText equals toString for ASCII, 2-, 3- and 4-byte text on both sides of the transcode threshold', (t) => {
  for (const unit of ['a', 'é', '€', '😀', 'é€😀a']) {
    for (const size of [0, 1, 5, 1023, 1024, 1025, 4096, 65536 + 3]) {
      const bytes = textOf(unit, size);
      t.is(decodeText(bytes), bytes.toString('utf8'), `${JSON.stringify(unit)} x ${size} B`);
    }
  }
});

test('decodeText equals toString on random valid UTF-8 of many lengths', (t) => {
  const random = new Random(0x7e47);
  for (let i = 0; i < 300; i++) {
    const bytes = randomUtf8(random, i * 37);
    const decoded = decodeText(bytes);
    if (decoded !== bytes.toString('utf8')) {
      t.fail(`differs on ${bytes.length} bytes: ${bytes.toString('hex').slice(0, 80)}`);
      return;
    }
  }
  t.pass();
});

test('encodeText: the text just decoded gives back its very bytes; any other string is encoded afresh', (t) => {
  const received = textOf('é€', 4096);
  const text = decodeText(received);
  t.is(encodeText(text), received, 'the same Buffer, not a copy');
  const equalCopy = text.slice(0, 10) + text.slice(10);
  t.deepEqual(encodeText(equalCopy), received, 'an equal string gives equal bytes');
  const other = `${text.slice(0, -1)}y`;
  const encoded = encodeText(other);
  t.not(encoded, received);
  t.deepEqual(encoded, Buffer.from(other, 'utf8'));
  decodeText(Buffer.from('later'));
  t.deepEqual(encodeText(text), received, 'once forgotten, still encoded exactly');
  t.not(encodeText(text), received);
});

test('a server connection echoes 16 KiB of 2- and 3-byte text, and 4-byte text, byte for byte', async (t) => {
  const pair = await openPair({ config: { keepalive: false } });
  try {
    const { connection, peer } = pair;
    const log = record(connection);
    connection.on('message', (message) => {
      if (message.type === 'utf8') connection.sendUTF(message.utf8Data);
    });
    const payloads = [textOf('é€', 16384), textOf('😀', 60000), randomUtf8(new Random(5), 3000)];
    for (const payload of payloads) peer.send({ opcode: 1, payload });
    await until(() => messagesIn(peer.frames()).length >= payloads.length, 5000, 'three echoes');
    const messages = messagesIn(peer.frames());
    t.is(messages.length, payloads.length);
    messages.forEach((message, i) => t.true(message.equals(payloads[i]), `message ${i} echoed exactly`));
    t.deepEqual(log.filter(([name]) => name === 'error'), []);
    peer.send({ opcode: 8, payload: closePayload(1000) });
  } finally {
    pair.dispose();
  }
});
