/**
 * How the tests reach the W3C peer script (./w3c-peer.js): its options for a scenario, the expression that runs
 * it in a browser page, and the page that carries it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { binaryTypeFor, PEER_SETTINGS, protocolsFor, type PeerSettings, type Scenario } from './scenarios';

/** The argument of `runW3CPeer`. */
export interface W3CPeerOptions {
  url: string;
  scenario: Scenario;
  protocols: string[];
  binaryType: 'arraybuffer' | 'blob';
  settings: PeerSettings;
}

/** The W3C peer script's path (the Node child loads it from there). */
export const W3C_PEER_SCRIPT = join(__dirname, 'w3c-peer.js');

/** The options that play `scenario` against `url`. */
export function w3cPeerOptions(url: string, scenario: Scenario): W3CPeerOptions {
  return { url, scenario, protocols: protocolsFor(scenario), binaryType: binaryTypeFor(scenario), settings: PEER_SETTINGS };
}

/**
 * The browser expression that plays `options` and evaluates to the report. A string, not a function: the test's
 * own functions are compiled by tsx, whose helpers do not exist in the page.
 */
export function w3cPeerExpression(options: W3CPeerOptions): string {
  return `runW3CPeer(${JSON.stringify(options)})`;
}

/** An HTML page with the W3C peer script inline, for the ferrosocket test server to serve at `/`. */
export function w3cPeerPage(): string {
  const script = readFileSync(W3C_PEER_SCRIPT, 'utf8');
  return `<!doctype html>\n<meta charset="utf-8">\n<title>ferrosocket interop peer</title>\n<script>\n${script}</script>\n`;
}
