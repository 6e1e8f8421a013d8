/**
 * The metrics' own logic: what a stored event did to a rollback (steps ended and how long they took, a final state
 * reached once), the Slack call counting at the WebClient's fetch, and the timing of a port's calls.
 */
import { movementOf, PrometheusTelemetry } from '../../../../src/adapters/telemetry/prometheus.telemetry';
import type { Rollback } from '../../../../src/domain/rollback';
import { approvedEvents, draftRollback, rollbackAfter, unitConfig } from '../../../support/fakes';

const AT = '2026-12-01T09:59:00.000Z';

const telemetry = (rows: Rollback[] = []) =>
  new PrometheusTelemetry({
    config: unitConfig(),
    approvals: {
      // A store takes a moment to answer (prom-client collects the two approval gauges concurrently).
      list: () => new Promise((resolve) => setTimeout(resolve, 20, rows)),
    },
    process: 'test',
  });

/** The value of one series in the text format (undefined when absent). */
async function value(t: PrometheusTelemetry, series: string): Promise<number | undefined> {
  const text = await t.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('movementOf', () => {
  const requested = draftRollback(AT);
  const approved = rollbackAfter(requested, approvedEvents('2026-12-01T10:00:00.000Z'));

  it('reports each step that ended with the event, with its duration, and a final state only when first reached', () => {
    const m = movementOf(requested, approved);
    expect(m.stepsEnded.map((s) => s.step)).toContain('confirm');
    for (const s of m.stepsEnded) expect(s.seconds).toBeGreaterThanOrEqual(0);
    expect(m.finished).toBeNull();
    const failed: Rollback = {
      ...approved,
      status: 'failed',
      steps: {
        ...approved.steps,
        execute: { status: 'failed', startedAt: '2026-12-01T10:00:00.000Z', endedAt: '2026-12-01T10:01:30.000Z' },
      },
    };
    const moved = movementOf(approved, failed);
    expect(moved.finished).toBe('failed');
    expect(moved.stepsEnded).toEqual([{ step: 'execute', seconds: 90, outcome: 'failed' }]);
    // A later event on a finished rollback (a checklist tick) finishes nothing again.
    expect(movementOf(failed, { ...failed }).finished).toBeNull();
  });
});

describe('PrometheusTelemetry', () => {
  it('counts rollbacks requested and finished by environment, strategy and outcome', async () => {
    const t = telemetry();
    const r = draftRollback(AT);
    t.rollbackRequested(r);
    t.rollbackMoved(r, { ...r, status: 'cancelled' });
    expect(
      await value(t, `rollback_started_total{environment="${r.environment}",strategy="docker",dry_run="false"}`),
    ).toBe(1);
    expect(
      await value(t, `rollback_finished_total{environment="${r.environment}",strategy="docker",outcome="cancelled"}`),
    ).toBe(1);
  });

  it("reads approvals waiting from the store at each scrape, with the oldest one's age", async () => {
    const r = draftRollback(AT);
    const since = new Date(Date.now() - 90_000).toISOString();
    const waiting: Rollback = {
      ...r,
      status: 'awaiting_approval',
      steps: { ...r.steps, confirm: { status: 'done', startedAt: since, endedAt: since } },
    };
    const t = telemetry([waiting]);
    expect(await value(t, `rollback_awaiting_approval{environment="${r.environment}"}`)).toBe(1);
    const age = await value(t, `rollback_awaiting_approval_oldest_seconds{environment="${r.environment}"}`);
    expect(age).toBeGreaterThanOrEqual(90);
    expect(age).toBeLessThan(120);
  });

  it("counts Slack calls by method, Slack's errors, 429s and failures to reach it", async () => {
    const t = telemetry();
    const answers: Array<() => Promise<Response>> = [
      async () => Response.json({ ok: true }),
      async () => Response.json({ ok: false, error: 'invalid_blocks' }),
      async () => new Response('', { status: 429, headers: { 'Retry-After': '1' } }),
      async () => {
        throw Object.assign(new Error('timed out'), { name: 'TimeoutError' });
      },
    ];
    const f = t.slackFetch('http://127.0.0.1:1/api/', () => (answers.shift() as () => Promise<Response>)());
    const url = 'http://127.0.0.1:1/api/chat.postMessage';
    expect((await f(url)).status).toBe(200);
    // The WebClient still reads the body the metrics looked at.
    expect(await (await f(url)).json()).toEqual({ ok: false, error: 'invalid_blocks' });
    expect((await f(url)).status).toBe(429);
    await expect(f(url)).rejects.toThrow('timed out');
    answers.push(async () => Response.json({ ok: true }));
    await f('http://127.0.0.1:1/response/7');
    expect(await value(t, 'rollback_slack_api_calls_total{method="response_url"}')).toBe(1);
    const m = 'method="chat.postMessage"';
    expect(await value(t, `rollback_slack_api_calls_total{${m}}`)).toBe(4);
    expect(await value(t, `rollback_slack_api_errors_total{${m},error="invalid_blocks"}`)).toBe(1);
    expect(await value(t, `rollback_slack_api_errors_total{${m},error="ratelimited"}`)).toBe(1);
    expect(await value(t, `rollback_slack_api_errors_total{${m},error="timeout"}`)).toBe(1);
    expect(await value(t, `rollback_slack_api_rate_limited_total{${m}}`)).toBe(1);
  });

  it("times a port's asynchronous calls by operation and outcome, and leaves the rest alone", async () => {
    const t = telemetry();
    const port = {
      name: 'docker',
      ping: async () => 'OK',
      inspectService: async (): Promise<never> => {
        throw new Error('no such service');
      },
    };
    const timed = t.timed('docker', port);
    expect(timed.name).toBe('docker');
    expect(await timed.ping()).toBe('OK');
    await expect(timed.inspectService()).rejects.toThrow('no such service');
    expect(await value(t, 'rollback_call_duration_seconds_count{system="docker",operation="ping",outcome="ok"}')).toBe(
      1,
    );
    expect(
      await value(
        t,
        'rollback_call_duration_seconds_count{system="docker",operation="inspectService",outcome="error"}',
      ),
    ).toBe(1);
  });

  it("publishes the runbook's budget of each step beside the durations", async () => {
    const t = telemetry();
    const env = Object.keys(unitConfig().environments)[0];
    expect(await value(t, `rollback_step_budget_seconds{environment="${env}",step="execute"}`)).toBe(300);
  });
});
