/** In-memory fakes of the ports, for unit tests of the runbook without Slack, Docker or a file. */
import { MemoryRollbackStore } from '../../src/adapters/memory/memory.rollback-store';
import { type BotConfig, configSchema } from '../../src/config/config.schema';
import { type MessageRef, newRollback, type Rollback } from '../../src/domain/rollback';
import { type RollbackEvent } from '../../src/domain/rollback.events';
import { transition } from '../../src/domain/rollback.transitions';
import type { Reminder } from '../../src/domain/facts';
import type { HomeDashboard } from '../../src/domain/home';
import type {
  AnnouncementStep,
  Audience,
  DeployReport,
  Directory,
  HealthProbe,
  Log,
  Notifier,
  Pager,
  ProgressNote,
} from '../../src/ports';
import type { RunbookDeps } from '../../src/runbook/engine/context';
import { CountingTarget, SIM_SERVICES } from './sim-env';

export const quietLog: Log = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => quietLog,
};

/** A log that keeps its lines ("warn lease lost: …"), for tests that check what the bot said to its operators. */
export function recordingLog(lines: string[]): Log {
  const log: Log = {
    debug: () => undefined,
    info: (_o, msg) => void lines.push(`info ${msg}`),
    warn: (_o, msg) => void lines.push(`warn ${msg}`),
    error: (_o, msg) => void lines.push(`error ${msg}`),
    child: () => log,
  };
  return log;
}

/** A request for production on the simulated swarm (both services on v2, v1 in their PreviousSpec). */
export const draftRollback = (
  at: string,
  over: { id?: string; requestedTarget?: string | null; environment?: string } = {},
): Rollback =>
  newRollback({
    id: over.id ?? 'rb-1',
    environment: over.environment ?? 'production',
    channel: 'C0INCIDENT',
    requestedBy: 'U0ONCALL',
    at,
    reason: 'errors',
    requestedTarget: over.requestedTarget ?? null,
  });

/** Step 1 done (v2 → v1 proposed) and approved: the events, in order. */
export function approvedEvents(at: string): RollbackEvent[] {
  const services = [
    { service: 'backend', dockerService: 'demo-backend', version: 'v2', previousVersion: 'v1' },
    { service: 'frontend', dockerService: 'demo-frontend', version: 'v2', previousVersion: 'v1' },
  ];
  return [
    { type: 'ConfirmationStarted', at },
    {
      type: 'IssueConfirmed',
      at,
      findings: {
        health: null,
        ready: null,
        services,
        target: 'v1',
        targetSource: 'swarm_previous_spec',
        targetNote: '',
      },
    },
    { type: 'ApprovalGranted', at, by: 'U0IC' },
  ];
}

/** The rollback after `events`, run through the state machine (no store). */
export function rollbackAfter(r: Rollback, events: RollbackEvent[]): Rollback {
  return events.reduce((state, e) => {
    const next = transition(state, e);
    if (!next.ok) throw new Error(next.rejection.message);
    return next.state;
  }, r);
}

/** Records what would have been said in Slack. */
export class RecordingNotifier implements Notifier {
  readonly told: Array<{ rollback: Rollback; event: RollbackEvent | ProgressNote; audience: Audience }> = [];
  readonly announced: Array<{ id: string; text: string; step: AnnouncementStep }> = [];
  readonly scheduled: Array<{ channel: string; reminder: Reminder; postAt: Date; audience: Audience }> = [];
  private ts = 0;
  private ref = (channel: string): MessageRef => ({ channel, ts: `1.${++this.ts}` });

  async postCard(r: Rollback) {
    return this.ref(r.channel);
  }
  async progress(rollback: Rollback, event: RollbackEvent | ProgressNote, audience: Audience) {
    this.told.push({ rollback, event, audience });
  }
  async announce(r: Rollback, text: string, step: AnnouncementStep) {
    this.announced.push({ id: r.id, text, step });
    return this.ref(r.channel);
  }
  async findAnnouncement(_r: Rollback, _step: AnnouncementStep, _since: Date): Promise<MessageRef | null> {
    return null;
  }
  async schedule(channel: string, reminder: Reminder, postAt: Date, audience: Audience) {
    this.scheduled.push({ channel, reminder, postAt, audience });
  }
  async postChecklist(r: Rollback) {
    return this.ref(r.channel);
  }
  readonly alerts: Array<Parameters<Notifier['reportsAlert']>[0]> = [];
  async reportsAlert(alert: Parameters<Notifier['reportsAlert']>[0]) {
    this.alerts.push(alert);
  }
  readonly homes: Array<{ home: HomeDashboard; urgent: boolean }> = [];
  async publishHome(home: HomeDashboard, urgent: boolean) {
    this.homes.push({ home, urgent });
  }
  eventsOf(id: string): string[] {
    return this.told.filter((t) => t.rollback.id === id).map((t) => t.event.type);
  }
}

export class RecordingPager implements Pager {
  readonly triggered: string[] = [];
  readonly resolved: string[] = [];
  async trigger(alert: { dedupKey: string; summary: string }) {
    this.triggered.push(alert.summary);
  }
  async resolve(dedupKey: string) {
    this.resolved.push(dedupKey);
  }
}

export const directoryOf = (commanders: string[], names: Record<string, string> = {}): Directory => ({
  isIncidentCommander: async (userId) => commanders.includes(userId),
  displayNames: async (ids) => new Map(ids.filter((id) => names[id]).map((id) => [id, names[id]])),
});

/** /health answering healthy with `version` (what a rollback to it would report). */
export const healthyProbe = (version: string): HealthProbe => ({
  probe: async (url) => ({ url, ok: true, attempts: 1, status: 200, version }),
  smokeTest: async (t) => ({
    name: t.name,
    url: t.url,
    ok: true,
    expectedStatus: t.expectStatus,
    status: t.expectStatus,
  }),
});

export function unitConfig(environment: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): BotConfig {
  return configSchema.parse({
    roles: { incident_commanders: { users: ['U0IC', 'U0IC2'] }, on_call: { users: ['U0ONCALL'] } },
    environments: {
      production: {
        channel: 'C0INCIDENT',
        strategy: 'docker',
        health: { url: 'http://health.invalid/health' },
        services: SIM_SERVICES,
        ...environment,
      },
    },
    ...extra,
  });
}

export interface UnitWorld {
  deps: RunbookDeps;
  store: MemoryRollbackStore;
  notifier: RecordingNotifier;
  runtime: CountingTarget;
  clock: { now: () => Date; advance: (ms: number) => void };
}

/** Everything the runbook needs, in memory; the runtime is the simulated swarm (v2 running, v1 previous). */
export function unitWorld(config: BotConfig = unitConfig(), over: Partial<RunbookDeps> = {}): UnitWorld {
  let now = Date.parse('2026-12-01T10:00:00.000Z');
  const clock = { now: () => new Date(now), advance: (ms: number) => void (now += ms) };
  const store = new MemoryRollbackStore();
  const notifier = new RecordingNotifier();
  const runtime = new CountingTarget(0);
  const deps: RunbookDeps = {
    config,
    rollbacks: store,
    leases: store,
    reports: store,
    verified: store,
    deploys: store,
    runtime,
    probe: healthyProbe('v1'),
    notifier,
    directory: directoryOf(['U0IC', 'U0IC2']),
    clock,
    log: quietLog,
    ...over,
  };
  return { deps, store, notifier, runtime, clock };
}

/** A deploy report as CI would make it (POST /api/v1/deployments), for the stores and the proposal. */
export const deployReport = (
  id: string,
  at: string,
  version: string,
  accepted = true,
  environment = 'production',
): DeployReport => ({
  id,
  environment,
  version,
  commit: accepted ? 'abc1234' : null,
  verifiedAt: null,
  actor: 'CI run #812',
  url: null,
  caller: 'github-ci',
  at,
  accepted,
});
