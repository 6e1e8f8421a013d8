/**
 * The command text is parsed by a grammar, never executed. 1,000 random and adversarial strings go through the
 * whole path (signed requests to the real Bolt receiver, the real SQLite store): each gets either a started (or
 * refused) rollback or a clear usage message, nothing crashes, and a rejected input changes nothing in the store.
 * The listener itself meets 10,000 of them in test/unit/slack/listeners/rollback.command.property.spec.ts.
 */
import Database from 'better-sqlite3';
import Docker from 'dockerode';
import fc from 'fast-check';
import { commandTexts } from '../support/command-inputs';
import { DockerContainerRuntime } from '../../src/adapters/docker/docker.container-runtime';
import { configSchema } from '../../src/config/config.schema';
import { parseCommand } from '../../src/slack/grammar';
import { esc, unescapeSlack } from '../../src/slack/escape';
import { type Harness, responseFor, startHarness } from '../support/bot-harness';
import { CHANNEL, IC } from '../support/scenario';

jest.setTimeout(600_000);

const RUNS = 1_000;

describe('bad input through the whole command listener', () => {
  let h: Harness;
  let db: Database.Database;

  beforeAll(async () => {
    const config = configSchema.parse({
      // This suite is about parsing, not about the per-user limits (covered in hardening.faults.spec.ts).
      limits: { requests: { count: 10_000 }, reports: { count: 10_000 } },
      roles: { incident_commanders: { users: [IC] } },
      environments: {
        production: {
          channel: CHANNEL,
          strategy: 'docker',
          health: { url: 'http://127.0.0.1:1/health', retries: 1, interval_ms: 0, timeout_ms: 200 },
          services: [{ name: 'backend', docker_service: 'app-backend', image: 'registry.example.com/app-backend' }],
        },
      },
    });
    // No Docker behind it: a request that parses starts a rollback whose Step 1 fails at once, freeing the lock.
    const runtime = new DockerContainerRuntime(new Docker({ socketPath: '/nonexistent/docker.sock' }), {
      callTimeoutMs: 200,
    });
    // Thousands of requests in one channel within minutes: far beyond what Slack would take; the fake Slack here
    // enforces no limits, so the harness lifts the bot's pacing (its default without enforced limits).
    h = await startHarness(config, { runtime });
    db = new Database(h.dbFile, { readonly: true });
  });
  afterAll(async () => {
    db.close();
    await h.stop();
  });

  const active = () =>
    (
      db
        .prepare(
          "SELECT count(*) AS n FROM rollbacks WHERE status NOT IN ('completed', 'failed', 'cancelled', 'interrupted')",
        )
        .get() as { n: number }
    ).n;
  const counts = () =>
    db
      .prepare(
        'SELECT (SELECT count(*) FROM rollbacks) AS rollbacks, (SELECT count(*) FROM timeline) AS timeline, (SELECT count(*) FROM refusals) AS refusals',
      )
      .get();

  it(`answers ${RUNS} random and adversarial commands clearly, changing nothing for a rejected one`, async () => {
    const seen = { usage: 0, rollback: 0, help: 0, status: 0 };
    await fc.assert(
      fc.asyncProperty(commandTexts, async (text) => {
        // Slack escapes &, < and > in a command's text; the bot reads it back as typed.
        const expected = parseCommand(unescapeSlack(text));
        const before = counts();
        const res = await h.command(text, IC);
        expect(res.status).toBe(200);
        // The bare command opens a form instead of answering in the channel.
        const answer = expected.kind === 'form' ? '' : String((await responseFor(h.slack, res.responseUrl)).text);
        switch (expected.kind) {
          case 'invalid':
            seen.usage++;
            // Said as text: whatever the user typed is escaped, never obeyed.
            expect(answer).toBe(esc(expected.message));
            expect(counts()).toEqual(before);
            break;
          case 'form':
            // Opens the form (views.open); the user sees no message.
            expect(counts()).toEqual(before);
            break;
          case 'report':
            expect(answer).toMatch(/^Thanks, recorded|^There is no environment/);
            break;
          case 'help':
            seen.help++;
            expect(answer).toContain('/rollback &lt;environment&gt; [to &lt;version&gt;] [reason…]');
            expect(counts()).toEqual(before);
            break;
          case 'status':
            seen.status++;
            expect(answer).toContain('In progress');
            break;
          case 'rollback':
            seen.rollback++;
            if (expected.environment !== 'production') {
              expect(answer).toBe(`There is no environment \`${expected.environment}\`. Configured: \`production\`.`);
              expect(counts()).toEqual(before);
            } else {
              expect(answer).toMatch(
                /^Rollback `rb-[a-z0-9]+` of \*production\* requested|^DRY RUN `rb-|^production already has a rollback in progress|^Nothing was started/,
              );
              // Let its Step 1 fail (no Docker) so the next input starts from a quiet store.
              await h.slack.waitFor(() => active() === 0, 'the rollback to end', 10_000);
            }
            break;
        }
      }),
      { numRuns: RUNS, seed: 20261126 },
    );
    // The generator really exercised each path.
    expect(seen.usage).toBeGreaterThan(100);
    expect(seen.rollback).toBeGreaterThan(100);
    expect(seen.help).toBeGreaterThan(0);
    // The bot still serves afterwards.
    expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);
  });
});
