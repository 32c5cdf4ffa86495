/**
 * RFC 6455 conformance of ferrosocket's client (echoing what it receives), driven by a raw TCP server that writes
 * its own 101 and sends unmasked frames: the cases of ./conformance/cases.ts, one test each, and a per-family table.
 */
import { defineSuite } from './conformance/driver';

defineSuite('client');
