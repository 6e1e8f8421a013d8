/**
 * The ports: what the runbook needs from the outside world, in the runbook's words.
 * Adapters (src/adapters/*) implement them with Docker, HTTP, Slack and SQLite.
 */
import type { Observed } from '../domain/criteria';
import type { MessageRef, Rollback, RollbackEvent, Status } from '../domain/rollback.machine';
import type { ProbeObservation, SmokeResult } from '../domain/findings';

// ---- container runtime ------------------------------------------------------------------
export interface RunningService {
  dockerService: string;
  /** Full image reference from the spec, e.g. registry/app:v2@sha256:… */
  image: string;
  version: string | null;
  previousVersion: string | null;
}

export interface RollServiceOptions {
  /** Bound on waiting for Swarm to converge. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface ContainerRuntime {
  /** Whether the engine answers; throws DOCKER_UNREACHABLE. Used for "confirm you have access to the tooling". */
  ping(): Promise<string>;
  /** The labels of `image:version` as the engine knows them (null when the engine does not have that image). */
  imageLabels(image: string, version: string): Promise<Record<string, string> | null>;
  /** Throws a coded error (DOCKER_UNREACHABLE, SERVICE_NOT_FOUND) when the service cannot be read. */
  inspectService(dockerService: string): Promise<RunningService>;
  /** Pulls `image:version`; throws IMAGE_PULL_FAILED with the registry's words when it cannot. */
  ensureImage(image: string, version: string): Promise<void>;
  /**
   * Points the service at `image:version` and waits until Swarm reports the update complete and the service's
   * running tasks use that image. Throws a coded error when Swarm pauses or rolls back the update, or on timeout.
   */
  rollServiceTo(dockerService: string, image: string, version: string, options: RollServiceOptions): Promise<void>;
}

// ---- deploy script (the runbook's Option A) ----------------------------------------------------
export interface ScriptSpec {
  /** The program and its arguments: run directly, never through a shell. */
  command: string;
  args: string[];
  cwd: string;
  /** Added to a copy of the bot's environment from which its own secrets were removed. */
  env: Record<string, string>;
  timeoutMs: number;
  /** After the timeout: SIGTERM to the process group, then SIGKILL after this long. */
  killGraceMs: number;
  /** Every line of output (stdout and stderr) is appended here. */
  outputFile: string;
  onStart?: (pid: number) => void;
  onLine?: (line: string) => void;
}

export interface ScriptOutcome {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  lines: number;
  durationMs: number;
}

export interface ScriptRunner {
  /** Whether `command` can be run from `cwd`; throws SCRIPT_NOT_RUNNABLE saying why. Returns the resolved path. */
  check(command: string, cwd: string): Promise<string>;
  /** Runs the script to its end (or its timeout). Throws SCRIPT_NOT_RUNNABLE when it cannot start. */
  run(spec: ScriptSpec): Promise<ScriptOutcome>;
}

// ---- workflow (the runbook's Option C) ----------------------------------------------------------
export interface WorkflowRun {
  id: number;
  url: string;
  /** queued, in_progress, completed, waiting, requested, pending. */
  status: string;
  /** success, failure, cancelled, timed_out, … once completed. */
  conclusion: string | null;
  createdAt: string;
  actor: string | null;
}

export interface WorkflowRunner {
  /** The workflow's name and state; throws WORKFLOW_FAILED with GitHub's reason (401, 404, disabled…). */
  check(): Promise<string>;
  /** Dispatches the workflow; the run when GitHub says which it is. Throws WORKFLOW_FAILED (422: invalid inputs…). */
  dispatch(ref: string, inputs: Record<string, string>): Promise<WorkflowRun | null>;
  /** workflow_dispatch runs of the workflow created at or after `since` (newest first). */
  recentRuns(since: Date): Promise<WorkflowRun[]>;
  getRun(id: number): Promise<WorkflowRun>;
  /** Who the token acts as (for correlation), or null when GitHub does not say. */
  actor(): Promise<string | null>;
}

// ---- metrics (the decision criteria) ---------------------------------------------------------
export interface MetricsSource {
  /** One number from a PromQL query, or why there is none (down, slow, no data). Never throws. */
  query(promql: string): Promise<Observed>;
}

// ---- paging ---------------------------------------------------------------------------------
export interface Pager {
  /** Opens (or updates) the alert for this rollback; the same dedup key is used to resolve it. Throws on failure. */
  trigger(alert: {
    dedupKey: string;
    summary: string;
    source: string;
    details: Record<string, unknown>;
  }): Promise<void>;
  resolve(dedupKey: string): Promise<void>;
}

// ---- code host (the migration guard) ------------------------------------------------------
export interface CodeHost {
  /** Files changed between two versions (base...head), or throws a coded error with the reason. */
  changedFiles(base: string, head: string): Promise<string[]>;
}

// ---- incident tickets ---------------------------------------------------------------------
export interface TicketTracker {
  /** Opens a ticket; returns its address. Throws a coded error with the reason. */
  open(ticket: { title: string; body: string; labels: string[] }): Promise<string>;
}

// ---- health -----------------------------------------------------------------------------
export interface ProbeOptions {
  /** How many attempts at most (the runbook's `--retries`). */
  attempts: number;
  intervalMs: number;
  timeoutMs: number;
  /** Stop early once this holds; default: a 2xx answer. */
  until?: (o: ProbeObservation) => boolean;
}

export interface HealthProbe {
  /** Probes `url` until `until` holds or the attempts run out; reports the last observation. */
  probe(url: string, options: ProbeOptions): Promise<ProbeObservation>;
  smokeTest(test: { name: string; url: string; expectStatus: number }, timeoutMs: number): Promise<SmokeResult>;
}

// ---- notifier (the card, its thread, the channel) -----------------------------------------
export interface Notifier {
  /** Posts the rollback card in its channel; returns where it is so it can be updated. */
  postCard(rollback: Rollback): Promise<MessageRef>;
  /**
   * Tells the channel what `event` did to the rollback: re-renders the card and posts a threaded update.
   * Best effort: a failure here is logged by the adapter, never thrown, so Slack trouble cannot stop a rollback.
   */
  progress(rollback: Rollback, event: RollbackEvent | ProgressNote): Promise<void>;
  /**
   * An announcement in the channel, visible to everyone: the runbook's template as plain text beginning with
   * `@channel`, which is the one mention it makes. Marked so that findAnnouncement can find it. Throws when it cannot.
   */
  announce(rollback: Rollback, text: string, step: AnnouncementStep): Promise<MessageRef>;
  /**
   * Whether the announcement of `step` was posted (since `since`): asked after a restart, because the bot may have
   * died between posting it and recording it. Throws when the channel cannot be read.
   */
  findAnnouncement(rollback: Rollback, step: AnnouncementStep, since: Date): Promise<MessageRef | null>;
  /** A message Slack posts later in the channel (chat.scheduleMessage): post-mortem and RCA reminders. */
  schedule(channel: string, text: string, postAt: Date): Promise<void>;
  /** Posts the live checklist in the card's thread; `progress` keeps it up to date afterwards. */
  postChecklist(rollback: Rollback): Promise<MessageRef>;
  /** "Evaluate, likely rollback": enough users reported problems; offers a button that opens a rollback request. */
  reportsAlert(alert: {
    environment: string;
    channel: string;
    reporters: string[];
    reports: string[];
    windowMinutes: number;
  }): Promise<void>;
}

export type AnnouncementStep = 'announce' | 'complete';

/**
 * Something worth a threaded line that is not a state change (e.g. "resuming after a restart"). `text` is plain
 * (it may carry *emphasis* and `code`, never Slack markup: it is escaped when shown); `{link}` in it stands for `link`.
 */
export interface ProgressNote {
  type: 'Note';
  at: string;
  text: string;
  link?: { url: string; label: string };
}

// ---- roles --------------------------------------------------------------------------------
export interface Directory {
  /**
   * Whether the user is an incident commander (listed, or in a listed user group) — of `environment` when given: an
   * environment may name its own commanders instead of the global ones.
   */
  isIncidentCommander(userId: string, environment?: string): Promise<boolean>;
}

// ---- store --------------------------------------------------------------------------------
export interface TimelineEntry {
  rollbackId: string;
  seq: number;
  at: string;
  type: RollbackEvent['type'] | 'Requested';
  actor: string | null;
  event: unknown;
}

export type CreateResult = { ok: true; rollback: Rollback } | { ok: false; active: Rollback };

export interface RollbackStore {
  /**
   * Creates the rollback unless the environment already has an active one (the lock), with `lease` taken in the
   * same write: a rollback is owned by the process that creates it from its first moment.
   */
  create(rollback: Rollback, lease?: { owner: string; until: number }): CreateResult;
  get(id: string): Rollback | null;
  /**
   * Compare-and-set: writes `next` (with version+1) and appends `event` to the timeline only if the stored version
   * still equals `expectedVersion`. Returns the stored rollback, or null on a conflict.
   */
  save(expectedVersion: number, next: Rollback, event: RollbackEvent): Rollback | null;
  /**
   * Appends an audit-only event (someone was turned away) to the timeline without touching the rollback: its state,
   * version, times and ordering stay as they were. False when there is no such rollback.
   */
  audit(id: string, event: RollbackEvent): boolean;
  timeline(id: string): TimelineEntry[];
  list(filter: { statuses?: readonly Status[]; environment?: string; limit: number }): Rollback[];
  /** The last version this bot verified healthy for a service. */
  lastVerifiedVersion(environment: string, service: string): string | null;
  recordVerifiedVersion(environment: string, service: string, version: string, at: string): void;

  /**
   * Leases: who is driving a rollback. Owners are `<instance>#<boot>`: unique per process, while the instance part
   * survives a restart. A lease is taken when it is free, expired, already ours, or held by an earlier boot of our
   * instance (we restarted); renewed while we work; released when we stop. A rollback whose driver died is found by
   * its expired lease and picked up.
   */
  claim(id: string, owner: string, until: number, now: number): boolean;
  release(id: string, owner: string): void;
  /**
   * Rollbacks that should be moving but nobody live is driving: no lease, an expired one, or one held by an earlier
   * boot of our instance (we restarted). Never one held by `owner` itself, nor by another live process.
   */
  orphans(now: number, owner: string, limit: number): Rollback[];

  /** User reports (`/rollback report`): recorded, and counted by unique reporter within a window. */
  recordReport(report: { environment: string; userId: string; text: string; at: string }): void;
  uniqueReporters(environment: string, sinceIso: string): string[];
  reportTexts(environment: string, sinceIso: string, limit: number): string[];
  /** When the "likely rollback" alert was last posted for the environment (so it is posted once per window). */
  lastReportAlert(environment: string): string | null;
  recordReportAlert(environment: string, at: string): void;

  /** Records a Slack delivery; false when it was seen before (a retry). */
  firstDelivery(key: string, at: number): boolean;
  /** Refusals that belong to no rollback (a request from the wrong channel, say), for the audit trail. */
  recordRefusal(entry: { at: string; userId: string; environment: string | null; action: string; why: string }): void;
  refusals(
    limit: number,
  ): Array<{ at: string; userId: string; environment: string | null; action: string; why: string }>;
}

/** The slice of pino the runbook uses, so it does not depend on pino. */
export interface Log {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Log;
}

export interface Clock {
  now(): Date;
}
