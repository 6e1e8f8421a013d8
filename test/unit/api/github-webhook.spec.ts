/**
 * POST /api/v1/github/webhook through the Api: the signature over the exact bytes (bad → 401, nothing called), the
 * protection rule answered from the deploy gate of the in-memory world (open → approved; shut → rejected with the
 * gate's message and the card's link), a redelivery answered once, and what is not ours ignored.
 */
import { createHmac } from 'node:crypto';
import { Api, lockedWords } from '../../../src/api/api';
import type { ApiRequest } from '../../../src/api/api.wire';
import { GitHubWebhook } from '../../../src/api/github-webhook';
import type { RollbackEvent } from '../../../src/domain/rollback.events';
import type { DeploymentReview } from '../../../src/ports';
import { applyEvent } from '../../../src/runbook/engine/context';
import { RollbackService } from '../../../src/runbook/service';
import { RollbackRunner } from '../../../src/runbook/steps/runner';
import { approvedEvents, draftRollback, quietLog, unitConfig, unitWorld } from '../../support/fakes';

const AT = '2026-12-01T10:00:00.000Z';
const SECRET = 'webhook-secret-0123456789';
const CALLBACK = 'https://api.github.com/repos/acme/shop/actions/runs/77/deployment_protection_rule';

function world(reviewFails = false) {
  const w = unitWorld(unitConfig({ github: { repo: 'acme/shop', token: 'ghp_t' } }));
  const service = new RollbackService(w.deps, new RollbackRunner(w.deps, { owner: 'unit#1', leaseMs: 60_000 }));
  const answered: DeploymentReview[] = [];
  const seen = new Set<string>();
  const webhook = new GitHubWebhook({
    secret: SECRET,
    environments: [{ name: 'production', repo: 'acme/shop' }],
    deployGate: (env) => service.deployGate(env),
    lockedWords,
    reviews: {
      answer: async (r) => {
        if (reviewFails) throw new Error('GitHub is down');
        answered.push(r);
      },
    },
    firstDelivery: async (key) => !seen.has(key) && !!seen.add(key),
    log: quietLog,
  });
  const api = new Api({
    config: w.deps.config,
    clock: w.clock,
    log: quietLog,
    deployGate: (env) => service.deployGate(env),
    reportDeploy: (input, caller) => service.reportDeploy(input, caller),
    githubWebhook: webhook,
  });
  return { w, api, answered };
}

const payload = (over: Record<string, unknown> = {}) => ({
  action: 'requested',
  environment: 'production',
  event: 'push',
  deployment_callback_url: CALLBACK,
  repository: { full_name: 'acme/shop' },
  installation: { id: 9 },
  ...over,
});

/** As GitHub sends it: the body's bytes, signed with the secret. */
function delivery(body: string | Buffer, opts: { id?: string; event?: string; secret?: string } = {}): ApiRequest {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const signature = `sha256=${createHmac('sha256', opts.secret ?? SECRET)
    .update(bytes)
    .digest('hex')}`;
  return {
    method: 'POST',
    path: '/api/v1/github/webhook',
    remote: '140.82.112.1',
    rawBody: bytes.toString('base64'),
    headers: {
      'x-github-event': opts.event ?? 'deployment_protection_rule',
      'x-github-delivery': opts.id ?? 'd-1',
      'x-hub-signature-256': signature,
    },
  };
}

async function shutTheGate(w: ReturnType<typeof unitWorld>) {
  expect((await w.store.create(draftRollback(AT, { id: 'rb-7' }))).ok).toBe(true);
  const events: RollbackEvent[] = [
    { type: 'CardPosted', at: AT, card: { channel: 'C0INCIDENT', ts: '1700000000.000100' } },
    ...approvedEvents(AT),
  ];
  for (const e of events) expect((await applyEvent(w.store, 'rb-7', e)).ok).toBe(true);
}

it('approves while the gate is open, answering with the installation the webhook came from', async () => {
  const { api, answered } = world();
  const res = await api.handle(delivery(JSON.stringify(payload())));
  expect(res).toEqual({ status: 200, body: { environment: 'production', state: 'approved' } });
  expect(answered).toEqual([
    {
      callbackUrl: CALLBACK,
      installationId: 9,
      environment: 'production',
      state: 'approved',
      comment: 'The deploy gate of production is open (rollback bot).',
    },
  ]);
});

it("rejects while the gate is shut, with the gate's message and the card's link", async () => {
  const { w, api, answered } = world();
  await shutTheGate(w);
  const res = await api.handle(delivery(JSON.stringify(payload({ environment: 'Production' }))));
  expect(res).toMatchObject({ status: 200, body: { state: 'rejected' } });
  expect(answered).toHaveLength(1);
  expect(answered[0]).toMatchObject({ state: 'rejected', environment: 'Production' });
  expect(answered[0].comment).toMatch(/^production is being rolled back \(rb-7\)/);
  expect(answered[0].comment).toMatch(/Card: https:\/\/slack\.com\/archives\/C0INCIDENT\/p1700000000000100$/);
});

it('answers a redelivery (same X-GitHub-Delivery) once', async () => {
  const { api, answered } = world();
  const body = JSON.stringify(payload());
  expect((await api.handle(delivery(body, { id: 'd-9' }))).status).toBe(200);
  expect(await api.handle(delivery(body, { id: 'd-9' }))).toMatchObject({ status: 200, body: { duplicate: true } });
  expect(answered).toHaveLength(1);
  expect((await api.handle(delivery(body, { id: 'd-10' }))).status).toBe(200);
  expect(answered).toHaveLength(2);
});

it('refuses a bad signature with 401 and calls nothing', async () => {
  const { api, answered } = world();
  const body = JSON.stringify(payload());
  const wrongSecret = delivery(body, { secret: 'another-secret-0123456789' });
  const tampered = { ...delivery(body), rawBody: Buffer.from(body.replace('acme', 'acmf')).toString('base64') };
  const unsigned = delivery(body);
  delete unsigned.headers?.['x-hub-signature-256'];
  const sha1 = delivery(body);
  (sha1.headers as Record<string, string>)['x-hub-signature-256'] =
    `sha1=${createHmac('sha1', SECRET).update(body).digest('hex')}`;
  for (const req of [wrongSecret, tampered, unsigned, sha1]) {
    expect(await api.handle(req)).toMatchObject({ status: 401, body: { error: 'bad_signature' } });
  }
  expect(answered).toEqual([]);
  // Not even the delivery was spent: the genuine one is still answered.
  expect((await api.handle(delivery(body))).status).toBe(200);
});

it('checks the exact bytes: a body that is not UTF-8 is refused, even signed', async () => {
  const { api, answered } = world();
  const bytes = Buffer.concat([Buffer.from(JSON.stringify(payload())), Buffer.from([0xff])]);
  expect((await api.handle(delivery(bytes))).status).toBe(401);
  expect(answered).toEqual([]);
});

it('ignores what is not a protection rule of one of its environments, and answers ping', async () => {
  const { api, answered } = world();
  expect((await api.handle(delivery('{"zen":"x"}', { event: 'ping' }))).status).toBe(200);
  expect((await api.handle(delivery('{}', { event: 'push', id: 'd-2' }))).status).toBe(202);
  const other = JSON.stringify(payload({ repository: { full_name: 'acme/other' } }));
  expect(await api.handle(delivery(other, { id: 'd-3' }))).toMatchObject({ status: 202 });
  const staging = JSON.stringify(payload({ environment: 'staging' }));
  expect(await api.handle(delivery(staging, { id: 'd-4' }))).toMatchObject({ status: 202 });
  expect(await api.handle(delivery('{"action":"requested"}', { id: 'd-5' }))).toMatchObject({ status: 400 });
  expect(answered).toEqual([]);
});

it('answers 502 when GitHub does not take the answer', async () => {
  const { api } = world(true);
  expect(await api.handle(delivery(JSON.stringify(payload())))).toMatchObject({
    status: 502,
    body: { error: 'github_unreachable' },
  });
});

it('is 404 without a GitHub App, and needs no API token', async () => {
  const w = unitWorld(unitConfig());
  const api = new Api({
    config: w.deps.config,
    clock: w.clock,
    log: quietLog,
    deployGate: async () => null,
    reportDeploy: async () => ({ kind: 'unavailable' }),
  });
  expect(await api.handle(delivery('{}'))).toMatchObject({ status: 404, body: { error: 'github_off' } });
});

it('says 202 when GitHub is slow to take the answer, which still goes out', async () => {
  let release: () => void = () => undefined;
  const answered: string[] = [];
  const webhook = new GitHubWebhook({
    secret: SECRET,
    environments: [{ name: 'production', repo: 'acme/shop' }],
    deployGate: async () => ({ environment: 'production', open: true }),
    lockedWords,
    reviews: {
      answer: (r) =>
        new Promise<void>((resolve) => {
          release = () => {
            answered.push(r.state);
            resolve();
          };
        }),
    },
    firstDelivery: async () => true,
    log: quietLog,
    answerWithinMs: 20,
  });
  const res = await webhook.handle(delivery(JSON.stringify(payload())));
  expect(res).toEqual({ status: 202, body: { environment: 'production', state: 'approved', sent: 'on its way' } });
  release();
  await new Promise((r) => setImmediate(r));
  expect(answered).toEqual(['approved']);
});
