/**
 * The W3C WebSocket peer, shared by the browser (embedded in the page the ferrosocket test server serves) and
 * Node's built-in WebSocket (loaded by node-peer.mjs): a plain script, valid as a classic browser script and as
 * CommonJS, that defines `globalThis.runW3CPeer`. The W3C API has no ping, so the ping scenario is not played here.
 */
'use strict';

/**
 * Plays the peer's part of `scenario` on a WebSocket to `url`: echoes every data message, closes with the
 * settings' code and reason in 'close-by-peer', and resolves with the report (see PeerReport in scenarios.ts)
 * at the close, or after `settings.timeoutMs` with an error.
 */
globalThis.runW3CPeer = function runW3CPeer({ url, scenario, protocols, binaryType, settings }) {
  return new Promise((resolve) => {
    const report = { protocol: null, received: [], pongs: [], close: null, error: null };
    const addError = (message) => {
      report.error = report.error === null ? message : `${report.error}; ${message}`;
    };
    let socket;
    try {
      socket = new WebSocket(url, protocols);
      socket.binaryType = binaryType;
    } catch (error) {
      addError(`constructor threw: ${error}`);
      resolve(report);
      return;
    }
    const timer = setTimeout(() => {
      addError(`no close within ${settings.timeoutMs} ms`);
      socket.close();
      resolve(report);
    }, settings.timeoutMs);
    socket.onopen = () => {
      report.protocol = socket.protocol || null;
      if (scenario === 'close-by-peer') socket.close(settings.closeCode, settings.closeReason);
    };
    socket.onmessage = (event) => {
      const data = event.data;
      if (typeof data === 'string') {
        report.received.push({ type: 'text', text: data });
      } else if (data instanceof ArrayBuffer) {
        report.received.push({ type: 'binary', kind: 'ArrayBuffer', length: data.byteLength });
      } else if (data instanceof Blob) {
        report.received.push({ type: 'binary', kind: 'Blob', length: data.size });
      } else {
        addError(`a message of unexpected type ${Object.prototype.toString.call(data)}`);
        return;
      }
      if (socket.readyState === WebSocket.OPEN) socket.send(data);
    };
    socket.onerror = () => addError('error event');
    socket.onclose = (event) => {
      clearTimeout(timer);
      report.close = { code: event.code, reason: event.reason };
      resolve(report);
    };
  });
};
