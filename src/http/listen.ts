import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import selfsigned from 'selfsigned';
import { clientErrorHandler, guardServer, SERVER_OPTIONS } from './app.js';

export interface TlsMaterial {
  readonly key: string;
  readonly cert: string;
}

/**
 * A self-signed certificate generated into the data directory on first start (SANs:
 * localhost, 127.0.0.1, ::1 and this host's name), reused afterwards. A node without a data
 * directory (its store a database server) makes one per start and keeps it in memory only.
 */
export async function tlsMaterial(dataDir: string | undefined): Promise<TlsMaterial> {
  const dir = dataDir === undefined ? undefined : join(dataDir, 'tls');
  const certPath = dir && join(dir, 'cert.pem'), keyPath = dir && join(dir, 'key.pem');
  if (certPath && keyPath && existsSync(certPath) && existsSync(keyPath)) {
    return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
  }
  // Clients check a certificate against their own (real) clock, never the simulated one.
  const notBefore = new Date(Date.now() - 86_400_000);
  const notAfter = new Date(notBefore.getTime() + 5 * 365 * 86_400_000);
  const pems = await selfsigned.generate([{ name: 'commonName', value: hostname() }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 2, value: hostname() },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  if (dir && keyPath && certPath) {
    // Only the owner may read the private key, or even list it.
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(keyPath, pems.private, { mode: 0o600 });
    writeFileSync(certPath, pems.cert);
  }
  return { cert: pems.cert, key: pems.private };
}

export interface ListenOptions {
  readonly host: string;
  readonly httpPort?: number;
  readonly httpsPort?: number;
  readonly tls?: TlsMaterial;
}

/** Starts the HTTP and/or HTTPS listeners of one app; returns their `…/api/` URLs. */
export async function listen(app: FastifyInstance, o: ListenOptions): Promise<string[]> {
  const urls: string[] = [];
  const hostPart = (address: AddressInfo) => (address.family === 'IPv6' ? `[${address.address}]` : address.address);
  let secure: https.Server | undefined;
  if (o.httpsPort !== undefined) {
    if (!o.tls) throw new Error('HTTPS needs TLS material');
    secure = https.createServer({ ...SERVER_OPTIONS, key: o.tls.key, cert: o.tls.cert }, app.emHandler);
    secure.on('clientError', clientErrorHandler);
    guardServer(secure, app.emHandler);
    const server = secure;
    app.addHook('onClose', () => new Promise<void>((done) => server.close(() => done())));
  }
  await app.ready();
  if (o.httpPort !== undefined) {
    await app.listen({ host: o.host, port: o.httpPort });
    urls.push(`http://${hostPart(app.server.address() as AddressInfo)}:${(app.server.address() as AddressInfo).port}/api/`);
  }
  if (secure) {
    const server = secure;
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(o.httpsPort, o.host, () => ok());
    });
    const address = server.address() as AddressInfo;
    urls.push(`https://${hostPart(address)}:${address.port}/api/`);
  }
  return urls;
}
