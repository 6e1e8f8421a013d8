/**
 * Measures the spine on this machine, with the same real parts as the end-to-end tests (Bolt HTTP receiver,
 * signed requests, fake Slack Web API, real swarm):
 *   - time from a signed `/rollback` request to Slack's HTTP 200 (the ack), for real rollback requests and for `help`;
 *   - wall time of a whole rollback (slash command → ROLLBACK COMPLETE posted), and from Approve, with each step.
 * Reports; never fails on a number. Needs the Docker test environment (scripts/setup-docker.sh).
 *   npm run bench            (ROLLBACKS=5 ACKS=50 by default)
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { configSchema } from '../src/config/config.schema';
import { STEPS } from '../src/domain/rollback.machine';
import { ACTION } from '../src/slack/ids';
import { startHarness } from '../test/support/bot-harness';
import { BACKEND_IMAGE, createService, freePort, FRONTEND_IMAGE, removeServices, requireSwarm, uniqueName, updateImage, waitForVersion } from '../test/support/docker-env';

const ROLLBACKS = Number(process.env.ROLLBACKS ?? 5);
const ACKS = Number(process.env.ACKS ?? 50);
const CHANNEL = 'C0INCIDENT';

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const median = (xs: number[]) => pct(xs, 50);
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

async function main(): Promise<void> {
  await requireSwarm();
  const backend = uniqueName('bench-backend');
  const frontend = uniqueName('bench-frontend');
  const [bp, fp] = await Promise.all([freePort(), freePort()]);
  await Promise.all([createService(backend, `${BACKEND_IMAGE}:v1`, bp), createService(frontend, `${FRONTEND_IMAGE}:v1`, fp)]);
  const config = configSchema.parse({
    roles: { incident_commanders: { users: ['U0IC'] }, on_call: { users: ['U0ONCALL'] } },
    environments: {
      production: {
        channel: CHANNEL,
        strategy: 'docker',
        health: { url: `http://127.0.0.1:${bp}/health`, retries: 5, interval_ms: 500, timeout_ms: 2000 },
        smoke_tests: [{ name: 'home', url: `http://127.0.0.1:${fp}/` }],
        services: [
          { name: 'backend', docker_service: backend, image: BACKEND_IMAGE },
          { name: 'frontend', docker_service: frontend, image: FRONTEND_IMAGE },
        ],
      },
    },
  });
  const h = await startHarness(config);
  try {
    // --- ack latency -------------------------------------------------------------------------------------
    const helpAcks: number[] = [];
    for (let i = 0; i < ACKS; i++) helpAcks.push((await h.command('help', 'U0ONCALL')).ms);
    const requestAcks: number[] = [];
    for (let i = 0; i < ACKS; i++) {
      const before = h.bot.store.list({ limit: 1 })[0]?.id;
      const res = await h.command(`production to v1 bench ${i}`, 'U0ONCALL');
      requestAcks.push(res.ms);
      const r = await h.slack.waitFor(() => {
        const last = h.bot.store.list({ limit: 1 })[0];
        return last && last.id !== before && last.card ? last : undefined;
      }, 'the card');
      await h.click(ACTION.cancel, r.id, 'U0IC', r.card?.ts ?? '');
      await h.slack.waitFor(() => h.bot.store.get(r.id)?.status === 'cancelled' || h.bot.store.get(r.id)?.status === 'failed', 'cancel');
    }

    // --- whole rollbacks on the swarm ---------------------------------------------------------------------
    const totals: number[] = [];
    const fromApproval: number[] = [];
    const steps: Record<string, number[]> = Object.fromEntries(STEPS.map((s) => [s, []]));
    for (let i = 0; i < ROLLBACKS; i++) {
      await Promise.all([updateImage(backend, `${BACKEND_IMAGE}:v1`), updateImage(frontend, `${FRONTEND_IMAGE}:v1`)]);
      await Promise.all([updateImage(backend, `${BACKEND_IMAGE}:v2`), updateImage(frontend, `${FRONTEND_IMAGE}:v2`)]);
      await waitForVersion(`http://127.0.0.1:${bp}/health`, 'v2');
      const before = h.bot.store.list({ limit: 1 })[0]?.id;
      const started = performance.now();
      await h.command('production bench rollback', 'U0ONCALL');
      const r = await h.slack.waitFor(() => {
        const last = h.bot.store.list({ limit: 1 })[0];
        return last && last.id !== before && last.status === 'awaiting_approval' ? last : undefined;
      }, 'approval prompt', 60_000);
      // This config has no metrics source, so no decision criterion is met: "Roll back anyway" comes first.
      await h.click(ACTION.ackNoCriterion, r.id, 'U0IC', r.card?.ts ?? '');
      await h.slack.waitFor(() => h.bot.store.get(r.id)?.acknowledgements.length === 1, 'the acknowledgement');
      const approvedAt = performance.now();
      await h.click(ACTION.approve, r.id, 'U0IC', r.card?.ts ?? '');
      const done = await h.slack.waitFor(() => {
        const x = h.bot.store.get(r.id);
        return x && (x.resolution || x.status === 'failed') ? x : undefined;
      }, 'completion', 120_000);
      if (done.status !== 'completed') throw new Error(`rollback ${r.id} ended ${done.status}: ${done.failure?.reason}`);
      const end = performance.now();
      totals.push(end - started);
      fromApproval.push(end - approvedAt);
      for (const s of STEPS) {
        const rec = done.steps[s];
        if (rec.startedAt && rec.endedAt) steps[s].push(Date.parse(rec.endedAt) - Date.parse(rec.startedAt));
      }
    }

    const result = {
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memory_gb: Math.round(totalmem() / 2 ** 30), node: process.version },
      ack: {
        rollback_request: { n: requestAcks.length, p50_ms: median(requestAcks), p95_ms: pct(requestAcks, 95), p99_ms: pct(requestAcks, 99), max_ms: Math.max(...requestAcks) },
        help: { n: helpAcks.length, p50_ms: median(helpAcks), p95_ms: pct(helpAcks, 95), p99_ms: pct(helpAcks, 99), max_ms: Math.max(...helpAcks) },
      },
      rollback: {
        n: totals.length,
        median_s: median(totals) / 1000,
        min_s: Math.min(...totals) / 1000,
        max_s: Math.max(...totals) / 1000,
        from_approval_median_s: median(fromApproval) / 1000,
        steps_median_ms: Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, median(v)])),
      },
    };
    console.log('\nack (signed request → HTTP 200)');
    for (const [k, v] of Object.entries(result.ack)) console.log(`  ${k.padEnd(17)} n=${v.n}  p50 ${fmt(v.p50_ms)}  p95 ${fmt(v.p95_ms)}  p99 ${fmt(v.p99_ms)}  max ${fmt(v.max_ms)}`);
    console.log('whole rollback, 2 services on the local swarm');
    console.log(`  slash command → ROLLBACK COMPLETE  n=${totals.length}  median ${result.rollback.median_s.toFixed(2)} s  (min ${result.rollback.min_s.toFixed(2)}, max ${result.rollback.max_s.toFixed(2)})`);
    console.log(`  Approve → ROLLBACK COMPLETE        median ${result.rollback.from_approval_median_s.toFixed(2)} s`);
    for (const [k, v] of Object.entries(result.rollback.steps_median_ms)) console.log(`  step ${k.padEnd(9)} median ${fmt(v)}`);
    mkdirSync('bench', { recursive: true });
    writeFileSync('bench/results.json', `${JSON.stringify(result, null, 2)}\n`);
    console.log('written: bench/results.json');
  } finally {
    await h.stop();
    await removeServices(backend, frontend);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
