/**
 * The ceiling: a plain `net` server that answers the upgrade request with a 101 (no header parsing beyond finding
 * the end of the request, no key check) and then writes back every byte it reads, with no framing at all. In
 * broadcast mode it writes every chunk it reads to every connection.
 */
import * as crypto from 'node:crypto';
import * as net from 'node:net';
import { ignoreErrors, listen, mode } from './common';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const sockets = new Set<net.Socket>();

const server = net.createServer((socket) => {
  ignoreErrors(socket);
  socket.setNoDelay(true);
  let head = '';
  const onHead = (chunk: Buffer) => {
    head += chunk.toString('latin1');
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    socket.off('data', onHead);
    const key = /sec-websocket-key:\s*(\S+)/i.exec(head)?.[1] ?? '';
    const accept = crypto.createHash('sha1').update(key + GUID).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const rest = chunk.subarray(chunk.length - (head.length - end - 4));
    const echo = mode === 'broadcast' ? (data: Buffer) => sockets.forEach((s) => s.write(data)) : (data: Buffer) => socket.write(data);
    if (rest.length > 0) echo(rest);
    socket.on('data', echo);
  };
  socket.on('data', onHead);
});

listen(server);
