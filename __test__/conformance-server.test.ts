/**
 * RFC 6455 conformance of ferrosocket's server (an echo server), driven by a raw TCP client that does its own
 * handshake and masks its frames: the cases of ./conformance/cases.ts, one test each, and a per-family table.
 */
import { defineSuite } from './conformance/driver';

defineSuite('server');
