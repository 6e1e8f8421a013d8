/** The health probe against real HTTP servers on 127.0.0.1. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpHealthProbe, versionIn } from '../../src/adapters/http/http.health-probe';

describe('HttpHealthProbe', () => {
  let server: Server;
  let base: string;
  let healthHits = 0;
  const probe = new HttpHealthProbe();

  beforeAll(async () => {
    server = createServer((req, res) => {
      switch (req.url) {
        case '/health':
          // Fails twice, then answers healthy: what a service looks like while it comes back.
          healthHits++;
          if (healthHits <= 2) res.writeHead(503).end('{"status":"starting"}');
          else res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"ok","version":"v1"}');
          return;
        case '/html':
          res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html><body>Welcome to nginx!</body></html>');
          return;
        case '/hang':
          return; // never answers
        default:
          res.writeHead(404).end('not found');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('retries until healthy and reports the attempt and version', async () => {
    const o = await probe.probe(`${base}/health`, { attempts: 5, intervalMs: 20, timeoutMs: 1000 });
    expect(o).toMatchObject({ ok: true, status: 200, version: 'v1', attempts: 3 });
  });

  it('stops at the attempt limit and reports the last failure', async () => {
    const o = await probe.probe(`${base}/nope`, { attempts: 3, intervalMs: 10, timeoutMs: 1000 });
    expect(o).toMatchObject({ ok: false, status: 404, attempts: 3 });
  });

  it('bounds a hanging endpoint by the timeout', async () => {
    const started = Date.now();
    const o = await probe.probe(`${base}/hang`, { attempts: 2, intervalMs: 10, timeoutMs: 300 });
    expect(o).toMatchObject({ ok: false, attempts: 2, error: 'no answer within 300 ms' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('summarises an HTML page (no version, no markup kept), and reports a closed port as refused', async () => {
    const page = await probe.probe(`${base}/html`, { attempts: 1, intervalMs: 0, timeoutMs: 1000 });
    expect(page).toEqual({ url: `${base}/html`, ok: true, status: 200, html: true, attempts: 1 });
    expect(
      await probe.probe('http://127.0.0.1:1/health', { attempts: 1, intervalMs: 0, timeoutMs: 1000 }),
    ).toMatchObject({ ok: false, error: 'connection refused' });
  });

  it('smoke-tests an expected status', async () => {
    expect(
      await probe.smokeTest({ name: 'missing page', url: `${base}/missing`, expectStatus: 404 }, 1000),
    ).toMatchObject({ ok: true, status: 404 });
    expect(await probe.smokeTest({ name: 'home', url: `${base}/missing`, expectStatus: 200 }, 1000)).toMatchObject({
      ok: false,
      status: 404,
      expectedStatus: 200,
    });
  });

  it.each([
    ['{"version":"v1"}', 'v1'],
    ['{"version":42}', '42'],
    ['{"status":"ok"}', undefined],
    ['<html></html>', undefined],
    ['null', undefined],
  ])('versionIn(%s)', (body, version) => expect(versionIn(body)).toBe(version));
});
