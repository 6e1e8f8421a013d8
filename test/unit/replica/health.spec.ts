/** /healthz and /readyz: alive while waiting, ready only when nothing is missing, the work side asked sparingly. */
import pino from 'pino';
import { cachedReadiness, health, READY_CACHE_MS, READY_TIMEOUT_MS } from '../../../src/replica/health';
import type { WorkLink } from '../../../src/replica/work-link';
import { serveHandler, type Served } from '../../support/serve-handler';

describe('cachedReadiness', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('asks once while a check runs, and reuses its answer for a moment after it settles', async () => {
    let asked = 0;
    const ready = cachedReadiness(() => {
      asked += 1;
      return Promise.resolve();
    });
    await Promise.all([ready(), ready(), ready()]);
    expect(asked).toBe(1);
    await jest.advanceTimersByTimeAsync(READY_CACHE_MS - 1);
    await ready();
    expect(asked).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    await ready();
    expect(asked).toBe(2);
  });

  it('gives up on a check that does not answer, saying so', async () => {
    const ready = cachedReadiness(() => new Promise(() => undefined));
    const check = ready();
    const outcome = expect(check).rejects.toThrow('the store did not answer within 2 s');
    await jest.advanceTimersByTimeAsync(READY_TIMEOUT_MS);
    await outcome;
  });
});

describe('health endpoints', () => {
  let served: Served;
  let missing: string | null;
  let readyError: Error | null;
  const link: WorkLink = {
    forward: () => null,
    unavailable: () => null,
    ready: () => (readyError ? Promise.reject(readyError) : Promise.resolve()),
    metrics: () => Promise.resolve([]),
    api: () => Promise.reject(new Error('not used')),
  };

  beforeEach(async () => {
    missing = null;
    readyError = null;
    const { healthz, readyz } = health({
      link,
      state: () => 'starting',
      notReady: () => missing,
      logger: pino({ level: 'silent' }),
    });
    served = await serveHandler((req, res) => (req.url === '/healthz' ? healthz(req, res) : readyz(req, res)));
  });
  afterEach(() => served.close());

  it('says alive, with the state, whatever is missing', async () => {
    missing = 'connecting to Slack';
    const res = await fetch(`${served.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', state: 'starting' });
  });

  it('says what is missing, before asking the work side', async () => {
    missing = 'work process starting';
    readyError = new Error('must not be asked');
    const res = await fetch(`${served.url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'not ready', reason: 'work process starting' });
  });

  it("is ready when nothing is missing and the work side's check passes, and says which part fails", async () => {
    const ok = await fetch(`${served.url}/readyz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: 'ready' });
    readyError = new Error('the store does not answer');
    await new Promise((r) => setTimeout(r, READY_CACHE_MS + 20));
    const res = await fetch(`${served.url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'not ready', reason: 'the store does not answer' });
  });
});
