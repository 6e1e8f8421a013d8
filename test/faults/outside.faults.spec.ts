/**
 * Faults outside the bot: the Docker engine gone or slow, a pull that fails mid-stream, a service deleted during
 * the rollback, Swarm pausing or rolling back the update, health endpoints that hang or answer HTML, Slack
 * answering 429, 500 or ok:false. Each one: a bounded wait, a clear message where one can be delivered, a correct
 * persisted state, and a bot that still serves (/healthz 200, the next command works).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Docker from 'dockerode';
import { DockerContainerRuntime } from '../../src/adapters/docker/docker.container-runtime';
import type { Rollback } from '../../src/domain/rollback';
import { ACTION } from '../../src/slack/ids';
import { type Harness, responseFor, startHarness } from '../support/bot-harness';
import { createStack, docker, removeServices, requireSwarm, runningImage } from '../support/docker-env';
import { DockerProxy } from '../support/docker-proxy';
import { badDeploy, CHANNEL, IC, request, type Stack, stackConfig, waitStatus } from '../support/scenario';

jest.setTimeout(180_000);

let stack: Stack;
let h: Harness | undefined;

beforeAll(async () => {
  await requireSwarm();
  stack = await createStack('faults', 'v2', ['--restart-condition', 'none']);
});
afterAll(() => removeServices(stack.backend, stack.frontend));

afterEach(async () => {
  if (!h) return;
  // Whatever happened, the bot still serves.
  expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);
  const next = await h.command('status', IC);
  expect(String((await responseFor(h.slack, next.responseUrl)).text)).toContain('In progress');
  await h.stop();
  h = undefined;
});

const failureOf = (id: string) => h?.db.get(id)?.failure;
const thread = (ts: string) => h?.slack.threadMessages(ts).join('\n') ?? '';

async function approveAndWait(
  r: { rollback: Rollback; cardTs: string },
  status: Rollback['status'],
): Promise<Rollback> {
  if (!h) throw new Error('no harness');
  await waitStatus(h, r.rollback.id, 'awaiting_approval');
  await h.click(ACTION.approve, r.rollback.id, IC, r.cardTs);
  await waitStatus(h, r.rollback.id, status);
  return h.db.get(r.rollback.id) as Rollback;
}

describe('the Docker engine', () => {
  it('unreachable during Step 1: fails at once, says so, changes nothing', async () => {
    const proxy = new DockerProxy();
    await proxy.start();
    await proxy.stop();
    h = await startHarness(stackConfig(stack), {
      runtime: new DockerContainerRuntime(new Docker({ socketPath: proxy.socketPath }), { callTimeoutMs: 1000 }),
    });
    const r = await request(h, 'production to v1 docker is gone');
    await waitStatus(h, r.rollback.id, 'failed');
    expect(failureOf(r.rollback.id)).toMatchObject({ step: 'confirm', code: 'DOCKER_UNREACHABLE' });
    expect(failureOf(r.rollback.id)?.reason).toContain('the Docker engine did not answer');
    await h.slack.waitFor(
      () => thread(r.cardTs).includes('Nothing was changed in production'),
      'the failure in the thread',
    );
  });

  it('slow (accepts, never answers): every call is bounded, Step 1 fails within seconds', async () => {
    const proxy = new DockerProxy();
    await proxy.start();
    proxy.mode = 'hang';
    h = await startHarness(stackConfig(stack, { retries: 1 }), {
      runtime: new DockerContainerRuntime(new Docker({ socketPath: proxy.socketPath }), { callTimeoutMs: 1000 }),
    });
    const started = Date.now();
    const r = await request(h, 'production to v1 docker is slow');
    await waitStatus(h, r.rollback.id, 'failed');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(failureOf(r.rollback.id)).toMatchObject({ step: 'confirm', code: 'DOCKER_UNREACHABLE' });
    await proxy.stop();
  });

  it('gone in the middle of Step 3: fails with each service’s state and the next steps', async () => {
    await badDeploy(stack);
    const proxy = new DockerProxy();
    await proxy.start();
    h = await startHarness(stackConfig(stack), {
      runtime: new DockerContainerRuntime(new Docker({ socketPath: proxy.socketPath }), {
        callTimeoutMs: 1000,
        pollIntervalMs: 100,
      }),
    });
    const r = await request(h, 'production engine dies mid rollback');
    await waitStatus(h, r.rollback.id, 'awaiting_approval');
    // Cut the engine off the moment the announcement is out, before Step 3 can finish.
    h.slack.answerWhen('chat.postMessage', (a) => String(a.text).includes('ROLLBACK IN PROGRESS'), {
      ok: true,
      channel: CHANNEL,
      ts: '1.000900',
    });
    await h.click(ACTION.approve, r.rollback.id, IC, r.cardTs);
    const harness = h;
    await harness.slack.waitFor(() => harness.db.get(r.rollback.id)?.announcement, 'the announcement');
    await proxy.stop();
    await waitStatus(h, r.rollback.id, 'failed');
    const failed = h.db.get(r.rollback.id) as Rollback;
    expect(failed.failure).toMatchObject({ step: 'execute', code: 'DOCKER_UNREACHABLE' });
    expect(failed.results?.map((x) => x.outcome)).toEqual(['failed', 'failed']);
    await h.slack.waitFor(
      () => thread(r.cardTs).includes('*State of each service:*'),
      'the service states in the thread',
    );
    expect(thread(r.cardTs)).toContain('Do not start another rollback until every service is in a known state');
  });
});

describe('the registry and Swarm', () => {
  it('a pull that fails mid-stream is refused before approval, with the registry’s words', async () => {
    h = await startHarness(stackConfig(stack));
    const r = await request(h, 'production to corrupt');
    await waitStatus(h, r.rollback.id, 'failed');
    const failure = failureOf(r.rollback.id);
    expect(failure).toMatchObject({ step: 'confirm', code: 'IMAGE_PULL_FAILED' });
    expect(failure?.reason).toMatch(/rollback-test\/(backend|frontend):corrupt: cannot pull .*unknown blob/);
    expect(h.db.get(r.rollback.id)?.approvedBy).toBeNull();
  });

  it('Swarm pausing the update: Failed, with what each service runs', async () => {
    await badDeploy(stack);
    await Promise.all(
      [stack.backend, stack.frontend].map((s) =>
        docker('service', 'update', '--detach=true', '--quiet', '--update-failure-action', 'pause', s),
      ),
    );
    h = await startHarness(stackConfig(stack));
    const failed = await approveAndWait(await request(h, 'production to crash testing pause'), 'failed');
    expect(failed.failure).toMatchObject({ step: 'execute', code: 'SWARM_UPDATE_PAUSED' });
    expect(failed.failure?.reason).toContain('No service was rolled back');
    expect(failed.results?.every((x) => x.detail?.startsWith('Swarm paused the update'))).toBe(true);
  });

  it('Swarm rolling the update back: Failed, and the services are reported back on their old version', async () => {
    await badDeploy(stack);
    await Promise.all(
      [stack.backend, stack.frontend].map((s) =>
        docker('service', 'update', '--detach=true', '--quiet', '--update-failure-action', 'rollback', s),
      ),
    );
    h = await startHarness(stackConfig(stack));
    const failed = await approveAndWait(await request(h, 'production to crash testing auto rollback'), 'failed');
    expect(failed.failure).toMatchObject({ step: 'execute', code: 'SWARM_ROLLED_BACK' });
    expect(failed.results?.map((x) => x.runningVersion)).toEqual(['v2', 'v2']);
    await Promise.all(
      [stack.backend, stack.frontend].map((s) =>
        docker('service', 'update', '--detach=true', '--quiet', '--update-failure-action', 'pause', s),
      ),
    );
  });

  it('a service deleted during Step 3: a partial rollback, reported per service', async () => {
    // Services that take seconds to stop (they ignore SIGUSR1), so there is time to delete one mid-update.
    const slow = await createStack('deleted', 'v2', [
      '--stop-signal',
      'SIGUSR1',
      '--stop-grace-period',
      '6s',
      '--restart-condition',
      'none',
    ]);
    try {
      await badDeploy(slow);
      h = await startHarness(stackConfig(slow));
      const r = await request(h, 'production service deleted');
      await waitStatus(h, r.rollback.id, 'awaiting_approval');
      await h.click(ACTION.approve, r.rollback.id, IC, r.cardTs);
      await waitForImage(slow.backend, ':v1');
      await docker('service', 'rm', slow.backend);
      await waitStatus(h, r.rollback.id, 'failed');
      const failed = h.db.get(r.rollback.id) as Rollback;
      expect(failed.failure?.reason).toContain('Partial rollback');
      const backend = failed.results?.find((x) => x.service === 'backend');
      expect(backend).toMatchObject({ outcome: 'failed', errorCode: 'SERVICE_NOT_FOUND', runningVersion: null });
      expect(failed.results?.find((x) => x.service === 'frontend')).toMatchObject({
        outcome: 'rolled_back',
        runningVersion: 'v1',
      });
    } finally {
      await removeServices(slow.backend, slow.frontend);
    }
  });
});

async function waitForImage(service: string, fragment: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await runningImage(service)).includes(fragment)) {
    if (Date.now() > deadline) throw new Error(`${service} never pointed at ${fragment}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('health endpoints', () => {
  let server: Server;
  let mode: 'proxy' | 'hang' | 'html' = 'proxy';
  let url: string;

  beforeAll(async () => {
    // Stands in front of the backend's /health: passes it through, hangs, or answers an HTML error page.
    server = createServer((req, res) => {
      if (mode === 'hang') return;
      if (mode === 'html') {
        res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html><body><h1>502 Bad Gateway</h1></body></html>');
        return;
      }
      fetch(`http://127.0.0.1:${stack.backendPort}/health`).then(
        async (r) => res.writeHead(r.status, { 'Content-Type': 'application/json' }).end(await r.text()),
        () => res.writeHead(502).end(),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it.each([
    ['hangs', 'hang' as const, 'no answer within 2000 ms'],
    ['answers HTML', 'html' as const, 'health reports version (none) instead of v1'],
  ])(
    'that %s after the rollback: verification fails within its bounds, with the evidence',
    async (_what, faultMode, evidence) => {
      await badDeploy(stack);
      mode = 'proxy';
      h = await startHarness(stackConfig(stack, { healthUrl: url, retries: 2 }));
      const r = await request(h, 'production health endpoint misbehaves');
      await waitStatus(h, r.rollback.id, 'awaiting_approval');
      mode = faultMode;
      const started = Date.now();
      await h.click(ACTION.approve, r.rollback.id, IC, r.cardTs);
      await waitStatus(h, r.rollback.id, 'failed');
      expect(Date.now() - started).toBeLessThan(30_000);
      const failure = failureOf(r.rollback.id);
      expect(failure?.step).toBe('verify');
      expect(failure?.reason).toContain(evidence);
      mode = 'proxy';
    },
  );
});

describe('Slack', () => {
  it('429 with a short Retry-After: waits it out and goes on', async () => {
    await badDeploy(stack);
    h = await startHarness(stackConfig(stack));
    h.slack.answerNext('chat.postMessage', {
      status: 429,
      headers: { 'Retry-After': '1' },
      body: { ok: false, error: 'ratelimited' },
    });
    const r = await request(h, 'production to v1 rate limited');
    expect(r.rollback.card).not.toBeNull();
    expect(h.slack.callsOf('chat.postMessage').length).toBeGreaterThanOrEqual(2);
    await waitStatus(h, r.rollback.id, 'awaiting_approval');
  });

  it.each([
    [
      '429 with a long Retry-After',
      { status: 429, headers: { 'Retry-After': '120' }, body: { ok: false, error: 'ratelimited' } },
      'rate limiting chat.postMessage (retry after 120 s)',
    ],
    ['HTTP 500 (after bounded retries)', { status: 500, body: 'upstream error' }, 'Slack chat.postMessage failed'],
    [
      'channel_not_found',
      { ok: false, error: 'channel_not_found' },
      'channel_not_found (check the channel id in the config, and that the bot was invited)',
    ],
    ['not_in_channel', { ok: false, error: 'not_in_channel' }, 'not_in_channel (invite the bot to the channel'],
  ])(
    '%s on the card: the requester is told nothing started, and the environment is free again',
    async (_what, answer, words) => {
      h = await startHarness(stackConfig(stack));
      for (let i = 0; i < 3; i++) h.slack.answerNext('chat.postMessage', answer);
      const started = Date.now();
      const res = await h.command('production to v1 slack trouble', IC);
      const said = String((await responseFor(h.slack, res.responseUrl)).text);
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(said).toContain('Nothing was started');
      expect(said).toContain(words);
      const [stored] = h.db.list({ limit: 1 });
      expect(stored).toMatchObject({ status: 'failed', failure: { step: 'confirm' } });
    },
  );

  it('invalid_blocks: the minimal card still carries Approve, and the rollback goes on', async () => {
    await badDeploy(stack);
    h = await startHarness(stackConfig(stack));
    h.slack.answerNext('chat.postMessage', { ok: false, error: 'invalid_blocks' });
    h.slack.answerWhen('chat.update', () => true, { ok: false, error: 'invalid_blocks' }, 100);
    const r = await request(h, 'production blocks refused');
    await waitStatus(h, r.rollback.id, 'awaiting_approval');
    const harness = h;
    // Every full update was refused; the minimal card that asks for approval carries the Approve button.
    const minimal = await harness.slack.waitFor(
      () =>
        harness.slack
          .callsOf('chat.update')
          .find(
            (c) =>
              String(c.args.text).includes('The full card could not be shown') &&
              JSON.stringify(c.args.blocks).includes(ACTION.approve),
          ),
      'the minimal card with Approve',
    );
    expect(String(minimal.args.text)).toContain('Awaiting approval');
    await h.click(ACTION.approve, r.rollback.id, IC, r.cardTs);
    await waitStatus(h, r.rollback.id, 'completed');
  });

  it('500 on the announcement (Step 2): Failed before anything changed in production', async () => {
    await badDeploy(stack);
    h = await startHarness(stackConfig(stack));
    const r = await request(h, 'production announcement fails');
    await waitStatus(h, r.rollback.id, 'awaiting_approval');
    h.slack.answerWhen(
      'chat.postMessage',
      (a) => String(a.text).includes('ROLLBACK IN PROGRESS'),
      { status: 500, body: 'oops' },
      3,
    );
    await h.click(ACTION.approve, r.rollback.id, IC, r.cardTs);
    await waitStatus(h, r.rollback.id, 'failed');
    expect(failureOf(r.rollback.id)).toMatchObject({ step: 'announce' });
    await h.slack.waitFor(
      () => thread(r.cardTs).includes('Nothing was changed in production'),
      'the failure in the thread',
    );
    expect(await runningImage(stack.backend)).toContain('backend:v2');
  });
});
