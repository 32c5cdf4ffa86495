/**
 * Interop with Chromium (Debian's /usr/bin/chromium, headless, driven by playwright-core; never a downloaded
 * browser): the browser's WebSocket against ferrosocket's server, every scenario the W3C API has over ws:// and
 * wss:// (the self-signed certificate accepted by the browser context), binary with both binaryTypes. One browser
 * and one page for the whole file; the page is served by the ferrosocket test server and runs ./interop/w3c-peer.js.
 */
import test from 'ava';
import { chromium, type Browser, type Page } from 'playwright-core';
import { makeCertificate, type Certificate } from './helpers/certificate';
import { WAIT_MS } from './helpers/raw-http';
import { REPORT_TIMEOUT_MS, startFerrosocketServer, type FerrosocketTestServer } from './interop/ferrosocket-ends';
import { PING_SCENARIO, w3cBinaryKind, type PeerReport } from './interop/scenarios';
import { CHROMIUM_PATH, chromiumMissing, defineInteropSuite, scenariosWithout } from './interop/suite';
import { w3cPeerExpression, w3cPeerOptions, w3cPeerPage } from './interop/w3c-peer-command';

/** The launch flags: headless, no sandbox (CI runs as root), and nothing that reaches beyond 127.0.0.1. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];
/** Bounds the launch and the page load. */
const BROWSER_TIMEOUT_MS = 20_000;

let missing: string | null = null;
let certificate: Certificate;
let server: FerrosocketTestServer;
let browser: Browser | undefined;
let page: Page;

test.before(async () => {
  missing = chromiumMissing();
  if (missing !== null) return;
  certificate = makeCertificate(WAIT_MS);
  server = await startFerrosocketServer({ certificate, page: w3cPeerPage() });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: BROWSER_TIMEOUT_MS });
  // The context accepts the self-signed certificate for wss:// (the page itself is plain http).
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  page = await context.newPage();
  await page.goto(`${server.origin('ws')}/`, { timeout: BROWSER_TIMEOUT_MS });
});

test.after.always(async () => {
  await browser?.close();
  await server?.close();
});

/** Runs the peer in the page, bounded (a hung page must fail the test, not the file's timeout). */
async function runInPage(url: string, scenario: Parameters<typeof w3cPeerOptions>[1]): Promise<PeerReport> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no report from the page within ${REPORT_TIMEOUT_MS} ms`)), REPORT_TIMEOUT_MS);
  });
  try {
    return await Promise.race([page.evaluate<PeerReport>(w3cPeerExpression(w3cPeerOptions(url, scenario))), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

defineInteropSuite({
  title: () => `Interop with Chromium ${browser?.version() ?? '(not started)'}`,
  unavailable: () => missing,
  pairings: [
    {
      name: 'Chromium WebSocket → ferrosocket server',
      scenarios: scenariosWithout(PING_SCENARIO),
      binaryKind: w3cBinaryKind,
      async run(scenario, scheme) {
        const { url, id } = server.url(scheme, scenario);
        const [peer, ferrosocket] = await Promise.all([runInPage(url, scenario), server.report(id)]);
        return { peer, ferrosocket };
      },
    },
  ],
});
