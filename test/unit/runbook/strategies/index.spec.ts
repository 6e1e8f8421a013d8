/**
 * The strategies' registry. A fourth strategy, defined only under test/support/strategies/release-switch/ and
 * registered here with one line, runs a rollback from request to completion through the real service and runner on
 * the in-memory store, and the real Slack notifier draws its card and thread against the local fake Slack Web API —
 * in its own words. Nothing in src/ names it.
 */
import { LogLevel, WebClient } from '@slack/web-api';
import { SlackNotifier } from '../../../../src/adapters/slack/slack.notifier';
import { SlackPacer } from '../../../../src/adapters/slack/slack.pacer';
import { configSchema } from '../../../../src/config/config.schema';
import { strategyConfigs } from '../../../../src/config/strategies';
import { unacknowledged } from '../../../../src/domain/risks';
import type { Rollback } from '../../../../src/domain/rollback';
import { registerStrategy, STRATEGY, strategyFor, strategyNamed } from '../../../../src/runbook/strategies';
import { STRATEGY_WORDS, wordsOf } from '../../../../src/runbook/strategies/words';
import { RollbackRunner } from '../../../../src/runbook/steps/runner';
import { RollbackService } from '../../../../src/runbook/service';
import { UNPACED } from '../../../support/bot-harness';
import { FakeSlack } from '../../../support/fake-slack';
import { healthyProbe, quietLog, unitWorld } from '../../../support/fakes';
import { type ReleaseSwitches, releaseSwitchStrategy } from '../../../support/strategies/release-switch';

/** The release service: `checkout-web` serves v2 (the bad deploy); it keeps no earlier version, so v1 is named. */
class FakeSwitches implements ReleaseSwitches {
  readonly pointed: Array<{ name: string; version: string }> = [];
  private serves = { version: 'v2', previous: null as string | null };
  async serving(name: string) {
    if (name !== 'checkout-web') throw new Error(`no switch ${name}`);
    return this.serves;
  }
  async pointAt(name: string, version: string) {
    this.pointed.push({ name, version });
    this.serves = { version, previous: this.serves.version };
  }
}

const switches = new FakeSwitches();
const releaseSwitch = releaseSwitchStrategy(switches);
registerStrategy(releaseSwitch);

const configWith = (environment: Record<string, unknown>) =>
  configSchema.safeParse({
    roles: { incident_commanders: { users: ['U0IC', 'U0IC2'] }, on_call: { users: ['U0ONCALL'] } },
    environments: {
      production: {
        channel: 'C0INCIDENT',
        strategy: 'release-switch',
        health: { url: 'http://health.invalid/health' },
        ...environment,
      },
    },
  });

describe('the registry', () => {
  it('holds the three strategies shipped with the bot under their names, with their words and config sections', () => {
    for (const name of ['script', 'docker', 'github-actions']) {
      expect(strategyNamed(name).name).toBe(name);
      expect(strategyConfigs().get(name)).toBe(strategyNamed(name).config);
      expect(wordsOf(name).words).toBe(strategyNamed(name).words);
    }
    expect(strategyFor({})).toBe(STRATEGY.docker); // a rollback stored before strategies had names
  });

  it('registering a strategy adds its behaviour, its words and its config section under its name', () => {
    expect(strategyNamed('release-switch')).toBe(releaseSwitch);
    expect(STRATEGY_WORDS['release-switch'].words.option).toBe('Release switch');
    expect(strategyConfigs().get('release-switch')?.key).toBe('release_switch');
    // Again is harmless; another strategy under a taken name is refused.
    registerStrategy(releaseSwitch);
    expect(() => registerStrategy({ ...releaseSwitch })).toThrow(
      'a strategy named "release-switch" is already registered',
    );
    expect(() => registerStrategy({ ...STRATEGY.docker, name: 'docker' })).toThrow(/already registered/);
  });

  it("refuses a strategy whose config key is another's, or one every environment has", () => {
    expect(() =>
      registerStrategy({ ...releaseSwitch, name: 'switch-two', config: { ...releaseSwitch.config } }),
    ).toThrow('strategy switch-two\'s config key "release_switch" is strategy release-switch\'s already');
    expect(() =>
      registerStrategy({ ...releaseSwitch, name: 'switch-three', config: { ...releaseSwitch.config, key: 'health' } }),
    ).toThrow('strategy switch-three\'s config key "health" is a key every environment has');
    expect(strategyConfigs().has('switch-two')).toBe(false);
    expect(strategyConfigs().has('switch-three')).toBe(false);
    expect(configWith({ release_switch: { switch: 'checkout-web' } }).success).toBe(true);
  });

  it('names no strategy that is not registered', () => {
    expect(() => strategyNamed('kubernetes')).toThrow('no strategy named "kubernetes" is registered');
    expect(() => strategyNamed('toString')).toThrow(TypeError);
    expect(() => wordsOf('constructor')).toThrow(TypeError);
  });
});

describe("the config, assembled from the registered strategies' sections", () => {
  it("takes the new strategy's section, and checks it with the strategy's own rules", () => {
    const ok = configWith({ release_switch: { switch: 'checkout-web' } });
    expect(ok.success).toBe(true);
    const missing = configWith({});
    expect(missing.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['environments.production.release_switch', 'strategy release-switch needs release_switch: { switch }'],
    ]);
    const bad = configWith({ release_switch: { switch: 'Checkout Web' } });
    expect(bad.error?.issues[0].message).toBe('a switch name such as checkout-web');
    // The others' sections belong to them.
    const other = configWith({ release_switch: { switch: 'checkout-web' }, script: { command: './deploy.sh' } });
    expect(other.error?.issues.map((i) => i.message)).toEqual(['only used with strategy script']);
  });

  it('still names only registered strategies', () => {
    const unknown = configWith({ strategy: 'kubernetes' });
    expect(unknown.error?.issues[0].message).toContain('"release-switch"');
    expect(unknown.error?.issues[0].path).toEqual(['environments', 'production', 'strategy']);
  });
});

describe('a rollback with the fourth strategy, end to end', () => {
  let slack: FakeSlack;
  beforeAll(async () => {
    slack = new FakeSlack();
    await slack.start();
  });
  afterAll(() => slack.stop());

  it('runs Steps 1 to 5 through the real service, and the card and thread speak its words', async () => {
    const parsed = configWith({ release_switch: { switch: 'checkout-web' } });
    if (!parsed.success) throw parsed.error;
    const config = parsed.data;
    const client = new WebClient('xoxb-test-0000', {
      slackApiUrl: slack.apiUrl,
      timeout: 2000,
      retryConfig: { retries: 0 },
      logLevel: LogLevel.ERROR,
    });
    const w = unitWorld(config, { probe: healthyProbe('v1') });
    const notifier = new SlackNotifier(client, config, quietLog, [], new SlackPacer(UNPACED), (id) => w.store.get(id));
    w.deps.notifier = notifier;
    const runner = new RollbackRunner(w.deps, { owner: 'unit#1', leaseMs: 60_000 });
    const service = new RollbackService(w.deps, runner);

    const out = await service.request({
      environment: 'production',
      target: 'v1',
      reason: 'checkout errors after the deploy',
      userId: 'U0ONCALL',
      channelId: 'C0INCIDENT',
    });
    if (out.kind !== 'ok') throw new Error(out.message);
    await runner.idle();
    const pending = (await w.store.get(out.rollback.id)) as Rollback;
    expect(pending).toMatchObject({ status: 'awaiting_approval', strategy: 'release-switch', target: 'v1' });

    // No decision criterion is configured: the commander takes that risk on the card first (Roll back anyway).
    for (const risk of unacknowledged(pending))
      expect((await service.acknowledge(pending.id, 'U0IC', risk)).kind).toBe('ok');
    expect((await service.approve(pending.id, 'U0IC')).kind).toBe('ok');
    await runner.idle();
    await notifier.drain(5000);

    const done = (await w.store.get(pending.id)) as Rollback;
    expect(done.status).toBe('completed');
    expect(switches.pointed).toEqual([{ name: 'checkout-web', version: 'v1' }]);
    expect(done.results).toEqual([expect.objectContaining({ dockerService: 'checkout-web', outcome: 'rolled_back' })]);

    const cardTs = done.card?.ts ?? '';
    const card = JSON.stringify(slack.lastCard(cardTs)?.args.blocks ?? []);
    expect(card).toContain('Step 3 — Execute the rollback (Release switch)');
    // While it awaited approval, the card showed Step 1's evidence under the strategy's heading.
    const renders = slack
      .callsOf('chat.update')
      .filter((c) => c.args.ts === cardTs)
      .map((c) => JSON.stringify(c.args.blocks));
    expect(renders.some((b) => b.includes('*Versions behind the release switch:*'))).toBe(true);
    expect(renders.join('\n')).not.toMatch(/Docker/);
    const thread = slack.threadMessages(cardTs).join('\n');
    expect(thread).toContain('checking health, readiness and which version the release switch serves…');
    expect(thread).toContain('*Versions behind the release switch:*\n• production (`checkout-web`): runs `v2`');
    expect(thread).toContain('The release switch answers and can serve the target.');
    expect(thread).toContain(
      '*Step 3 — Execute the rollback (Release switch): done.*\n• production (`checkout-web`): `v2` → `v1`',
    );
    expect(thread).toContain('*Step 5 — Announce the resolution: done.* Rolled back to `v1`.');
    expect(thread).not.toMatch(/Docker|Swarm/);
    expect(slack.refused).toEqual([]);
  });
});
