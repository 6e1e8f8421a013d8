/** Shared steps of the end-to-end and fault suites: a config for two swarm services, requests, waits. */
import { type BotConfig, configSchema } from '../../src/config/config.schema';
import type { Rollback } from '../../src/domain/rollback';
import type { Harness } from './bot-harness';
import { PROMQL } from './fake-prometheus';
import { BACKEND_IMAGE, FRONTEND_IMAGE, updateImage, waitForVersion } from './docker-env';
import { ACTION } from '../../src/slack/ids';
import { CARD_FOOTER_BLOCK } from '../../src/slack/blocks/card';
import { buttonClickBody } from './slack-requests';

export const CHANNEL = 'C0INCIDENT';
export const IC = 'U0IC';
export const ONCALL = 'U0ONCALL';
export const SOMEONE = 'U0SOMEONE';

export interface Stack {
  backend: string;
  frontend: string;
  backendPort: number;
  frontendPort: number;
}

/**
 * The decision criteria of the test configs: by default the error rate (from the Prometheus stand-in) is 12 %, an
 * "Immediate rollback", as after a bad deploy; `errorRate: 'low'` makes it 1 %, so no criterion is met.
 */
export function criteria(level: 'high' | 'low') {
  const url = process.env.FAKE_PROMETHEUS_URL;
  if (!url)
    throw new Error('FAKE_PROMETHEUS_URL is not set: run the tests through jest (test/support/global-setup.ts)');
  return {
    prometheus: {
      url,
      timeout_ms: 1000,
      error_rate: level === 'high' ? PROMQL.errorRateHigh : PROMQL.errorRateLow,
      p99_latency: PROMQL.p99,
      baseline_p99_seconds: 0.2,
      memory: PROMQL.memory,
    },
  };
}

export function stackConfig(
  stack: Stack,
  overrides: {
    healthUrl?: string;
    services?: { name: string; docker_service: string; image: string }[];
    environment?: Record<string, unknown>;
    retries?: number;
    errorRate?: 'high' | 'low';
  } = {},
): BotConfig {
  return configSchema.parse({
    roles: { incident_commanders: { users: [IC], usergroups: ['S0ICS'] }, on_call: { users: [ONCALL] } },
    environments: {
      production: {
        channel: CHANNEL,
        strategy: 'docker',
        eta: '5-10 minutes',
        health: {
          url: overrides.healthUrl ?? `http://127.0.0.1:${stack.backendPort}/health`,
          ready_url: `http://127.0.0.1:${stack.backendPort}/ready`,
          retries: overrides.retries ?? 5,
          interval_ms: 300,
          timeout_ms: 2000,
        },
        smoke_tests: [{ name: 'home page', url: `http://127.0.0.1:${stack.frontendPort}/`, expect_status: 200 }],
        services: overrides.services ?? [
          { name: 'backend', docker_service: stack.backend, image: BACKEND_IMAGE },
          { name: 'frontend', docker_service: stack.frontend, image: FRONTEND_IMAGE },
        ],
        docker: { convergence_timeout_ms: 60_000 },
        criteria: criteria(overrides.errorRate ?? 'high'),
        ...overrides.environment,
      },
    },
  });
}

/** Both services on v2 with v1 in their PreviousSpec: the state right after a bad deploy. */
export async function badDeploy(stack: Stack): Promise<void> {
  await Promise.all([
    updateImage(stack.backend, `${BACKEND_IMAGE}:v1`),
    updateImage(stack.frontend, `${FRONTEND_IMAGE}:v1`),
  ]);
  await Promise.all([
    updateImage(stack.backend, `${BACKEND_IMAGE}:v2`),
    updateImage(stack.frontend, `${FRONTEND_IMAGE}:v2`),
  ]);
  await waitForVersion(`http://127.0.0.1:${stack.backendPort}/health`, 'v2');
}

/** Sends `/rollback …` and returns the new rollback once its card is posted. */
export async function request(
  h: Harness,
  text: string,
  user = ONCALL,
  channel = CHANNEL,
): Promise<{ rollback: Rollback; cardTs: string; ackMs: number; responseUrl: string }> {
  const known = new Set(h.db.list({ limit: 1000 }).map((r) => r.id));
  const res = await h.command(text, user, channel);
  if (res.status !== 200) throw new Error(`the command got HTTP ${res.status}`);
  const rollback = await h.slack.waitFor(() => {
    const fresh = h.db.list({ limit: 5 }).find((r) => !known.has(r.id));
    return fresh?.card ? fresh : undefined;
  }, `the card of "${text}"`);
  return { rollback, cardTs: rollback.card?.ts ?? '', ackMs: res.ms, responseUrl: res.responseUrl };
}

export async function waitStatus(
  h: Harness,
  id: string,
  status: Rollback['status'],
  timeoutMs = 90_000,
): Promise<true> {
  await h.slack.waitFor(
    () => h.db.get(id)?.status === status,
    `rollback ${id} to be ${status} (is ${h.db.get(id)?.status})`,
    timeoutMs,
  );
  // The card is redrawn after the state is stored (without holding up the rollback): give it a moment to catch up
  // (its footer's block_id names the stored version), so what follows reads the card of this state. Not an assertion:
  // a card that does not catch up is what the test's own checks then see.
  await h.slack
    .waitFor(
      () => {
        const r = h.db.get(id);
        return !r?.card || cardText(h, r.card.ts).includes(`"block_id":"${CARD_FOOTER_BLOCK}${r.version}"`);
      },
      'the card to catch up',
      10_000,
    )
    .catch(() => undefined);
  return true;
}

export const cardText = (h: Harness, ts: string) => JSON.stringify(h.slack.lastCard(ts)?.args.blocks ?? []);

/**
 * The thread once it contains every one of `texts`: threaded lines are paced to Slack's limits and reach the channel
 * a little after the state they describe.
 */
export const threadWith = (h: Harness, ts: string, ...texts: string[]) =>
  h.slack.waitFor(
    () => {
      const thread = h.slack.threadMessages(ts).join('\n');
      return texts.every((t) => thread.includes(t)) ? thread : undefined;
    },
    `the thread to contain ${texts.join(' · ')}`,
  );

/** The signed-request body of an incident commander's Approve click on the rollback's card. */
export const approveBody = (r: Rollback, responseUrl: string): string =>
  buttonClickBody({
    actionId: ACTION.approve,
    value: r.id,
    userId: IC,
    channelId: CHANNEL,
    messageTs: r.card?.ts ?? '',
    responseUrl,
  });

export const LAST_LINE = 'Step 5 — Announce the resolution: done';
