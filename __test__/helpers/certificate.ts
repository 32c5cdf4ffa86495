/** A self-signed certificate for 127.0.0.1, made with openssl for this test run only (never committed). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A PEM key and certificate (CN and subjectAltName 127.0.0.1). */
export interface Certificate {
  key: Buffer;
  cert: Buffer;
}

/** Makes a new P-256 key and a one-day self-signed certificate for 127.0.0.1 with openssl. */
export function makeCertificate(timeout = 10_000): Certificate {
  const dir = mkdtempSync(join(tmpdir(), 'ferrosocket-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1',
        '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore', timeout },
    );
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
