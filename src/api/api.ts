/**
 * The bot's HTTP API for machines (CI): `GET /api/v1/environments/<env>/deploy-gate` answers 200 when deploys of the
 * environment may go ahead and 423 Locked (with why, since when, which rollback, who can clear it) while a rollback is
 * in progress or after one whose Step 3 started (completed, failed or interrupted), until an incident commander
 * clears it. `POST /api/v1/deployments` takes CI's deploy reports, `POST /api/v1/alerts` Alertmanager's webhook (version
 * 4). Bearer tokens from the config (`api.tokens`),
 * compared in constant time and never logged; callers that fail to authenticate are limited per address, callers
 * that do, per token. Served by the front on PORT (HTTP and Socket Mode alike), answered here on the work side.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { BotConfig } from '../config/config.schema';
import { z } from 'zod';
import { ENVIRONMENT_PATTERN, VERSION_PATTERN } from '../domain/names';
import { versionsLeft } from '../domain/rollback';
import { humanUtc } from '../domain/time';
import type { Clock, Log } from '../ports';
import { RateLimiter } from '../runbook/policies/limits';
import type { DeployInput, DeployOutcome } from '../runbook/use-cases/deploys';
import { cardUrl } from '../slack/permalink';
import type { DeployGate } from '../runbook/use-cases/queries';
import type { IncomingAlert } from '../runbook/watchers/alerts';
import { ALERTS_PATH, type ApiRequest, type ApiResponse, GITHUB_WEBHOOK_PATH } from './api.wire';

export type { ApiRequest, ApiResponse } from './api.wire';

const GATE_PATH = /^\/api\/v1\/environments\/([^/]+)\/deploy-gate$/;
const DEPLOYMENTS_PATH = '/api/v1/deployments';

export interface ApiDeps {
  config: BotConfig;
  clock: Clock;
  log: Log;
  deployGate(environment: string): Promise<DeployGate | null>;
  reportDeploy(input: DeployInput, caller: string): Promise<DeployOutcome>;
  /** GitHub's webhooks (signed with the App's secret, not a bearer token), when the config has `github_app`. */
  githubWebhook?: { handle(request: ApiRequest): Promise<ApiResponse> };
  /** Alertmanager's alerts, kept before this resolves (then weighed); null when the store does not keep alerts. */
  receiveAlerts?(alerts: IncomingAlert[], caller: string): Promise<{ accepted: number; ignored: number } | null>;
}

/** Alertmanager's time stamps: RFC 3339, in nanoseconds (kept to the millisecond). */
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
const timestamp = z
  .string()
  .max(64)
  .refine((s) => RFC3339.test(s) && Number.isFinite(Date.parse(s)), 'an RFC 3339 time')
  .transform((s) => new Date(Date.parse(s)).toISOString());
const labelSet = z.record(z.string().max(1024), z.string().max(16 * 1024));

/** POST /api/v1/alerts: Alertmanager's webhook payload, version 4 (fields it adds later are let through). */
const alertsBody = z.object({
  version: z.literal('4', { error: 'Alertmanager\'s webhook payload version "4"' }),
  status: z.enum(['firing', 'resolved']),
  alerts: z
    .array(
      z.object({
        status: z.enum(['firing', 'resolved']),
        labels: labelSet,
        annotations: labelSet.default({}),
        startsAt: timestamp,
        endsAt: z.string().max(64).optional(),
        generatorURL: z.string().max(4096).optional(),
        fingerprint: z.string().regex(/^[0-9a-f]{1,64}$/i, "Alertmanager's fingerprint (hex)"),
      }),
    )
    .max(10_000),
});

/** POST /api/v1/deployments: what CI says it deployed. */
const deployBody = z
  .object({
    environment: z.string().regex(ENVIRONMENT_PATTERN, 'an environment name'),
    version: z.string().regex(VERSION_PATTERN, 'an image tag (letters, digits, . _ -; at most 128)'),
    commit: z
      .string()
      .regex(/^[0-9a-f]{7,40}$/i, 'a git commit (7 to 40 hex digits)')
      .optional(),
    actor: z.string().min(1).max(200).optional(),
    url: z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .optional(),
  })
  .strict();

/** Failed authentications per address per minute, and requests per token per minute. */
export const API_LIMITS = { failuresPerMinute: 10, requestsPerMinute: 300 } as const;

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

const error = (status: number, code: string, message: string, headers?: Record<string, string>): ApiResponse => ({
  status,
  headers,
  body: { error: code, message },
});

export class Api {
  private readonly failures = new RateLimiter(API_LIMITS.failuresPerMinute, 60_000);
  private readonly requests = new RateLimiter(API_LIMITS.requestsPerMinute, 60_000);
  private readonly tokens: Array<{ name: string; digest: Buffer }>;

  constructor(private readonly deps: ApiDeps) {
    this.tokens = Object.entries(deps.config.api?.tokens ?? {}).map(([name, token]) => ({
      name,
      digest: digest(token),
    }));
  }

  /** The caller's name when the bearer token is one of the config's; every token is compared, each in constant time. */
  private caller(authorization: string | undefined): string | null {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m) return null;
    const given = digest(m[1]);
    let found: string | null = null;
    for (const t of this.tokens) if (timingSafeEqual(given, t.digest) && found === null) found = t.name;
    return found;
  }

  async handle(req: ApiRequest): Promise<ApiResponse> {
    const now = this.deps.clock.now().getTime();
    const retry = { 'Retry-After': '60' };
    // GitHub signs its webhooks instead of sending a token: the signature is checked there, before anything else.
    if (req.path === GITHUB_WEBHOOK_PATH)
      return this.deps.githubWebhook
        ? this.deps.githubWebhook.handle(req)
        : error(404, 'github_off', 'No GitHub App is configured (github_app).');
    if (this.tokens.length === 0)
      return error(404, 'api_off', 'The API is off: give callers tokens in the config (api.tokens).');
    const caller = this.caller(req.authorization);
    if (!caller) {
      if (!this.failures.take(req.remote, now)) return error(429, 'rate_limited', 'Too many failed attempts.', retry);
      this.deps.log.warn({ remote: req.remote, path: req.path }, 'API request without a valid token');
      return error(401, 'unauthorized', 'A valid bearer token is needed: Authorization: Bearer <token>.', {
        'WWW-Authenticate': 'Bearer realm="rollback-bot"',
      });
    }
    if (!this.requests.take(caller, now)) return error(429, 'rate_limited', 'Too many requests.', retry);

    if (req.path === ALERTS_PATH) {
      if (req.method !== 'POST') return error(405, 'method_not_allowed', 'POST only.', { Allow: 'POST' });
      return this.alerts(req.body ?? '', caller);
    }
    if (req.path === DEPLOYMENTS_PATH) {
      if (req.method !== 'POST') return error(405, 'method_not_allowed', 'POST only.', { Allow: 'POST' });
      return this.deployment(req.body ?? '', caller);
    }
    const gate = GATE_PATH.exec(req.path);
    if (gate) {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return error(405, 'method_not_allowed', 'GET only.', { Allow: 'GET, HEAD' });
      // The path arrives decoded (once, by the front): decoding again would turn %25 into an error.
      return this.deployGate(gate[1], caller);
    }
    return error(404, 'not_found', 'No such API path.');
  }

  /**
   * Alertmanager's webhook: 202 once every alert about a configured environment is kept (the decisions follow), 400
   * with what is wrong (Alertmanager does not retry a 4xx).
   */
  private async alerts(body: string, caller: string): Promise<ApiResponse> {
    let raw: unknown;
    try {
      raw = JSON.parse(body);
    } catch {
      return error(400, 'invalid_json', 'The body must be JSON: Alertmanager\'s webhook payload (version "4").');
    }
    const parsed = alertsBody.safeParse(raw);
    if (!parsed.success)
      return {
        status: 400,
        body: {
          error: 'invalid',
          message: 'This is not Alertmanager\'s webhook payload (version "4").',
          problems: parsed.error.issues.slice(0, 20).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`),
        },
      };
    const kept = this.deps.receiveAlerts ? await this.deps.receiveAlerts(parsed.data.alerts, caller) : null;
    if (!kept) return error(503, 'unavailable', 'This store does not keep alerts.');
    this.deps.log.info({ caller, ...kept }, 'alerts received');
    return { status: 202, body: { accepted: kept.accepted, ignored: kept.ignored } };
  }

  /** A deploy CI reports: 201 recorded, 423 refused while locked (kept as attempted), 400 with what is wrong. */
  private async deployment(body: string, caller: string): Promise<ApiResponse> {
    let raw: unknown;
    try {
      raw = JSON.parse(body);
    } catch {
      return error(
        400,
        'invalid_json',
        'The body must be JSON: {"environment", "version", "commit"?, "actor"?, "url"?}.',
      );
    }
    const parsed = deployBody.safeParse(raw);
    if (!parsed.success)
      return {
        status: 400,
        body: {
          error: 'invalid',
          message: 'The deploy report is invalid.',
          problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`),
        },
      };
    const d = parsed.data;
    const outcome = await this.deps.reportDeploy(
      {
        environment: d.environment,
        version: d.version,
        commit: d.commit ?? null,
        actor: d.actor ?? null,
        url: d.url ?? null,
      },
      caller,
    );
    if (outcome.kind === 'unknown_environment') return error(404, 'not_found', 'No such environment.');
    if (outcome.kind === 'unavailable') return error(503, 'unavailable', 'This store does not keep deploy reports.');
    const report = {
      id: outcome.report.id,
      environment: outcome.report.environment,
      version: outcome.report.version,
      recorded_at: outcome.report.at,
    };
    if (outcome.kind === 'recorded') {
      if (outcome.earlierCommits.length === 0) return { status: 201, body: { deploy: report, accepted: true } };
      const before = outcome.earlierCommits.join(', ');
      this.deps.log.warn(
        { caller, environment: d.environment, version: d.version, commit: d.commit, earlierCommits: before },
        'a version was reported again with another commit',
      );
      return {
        status: 201,
        body: {
          deploy: report,
          accepted: true,
          warning: `${d.version} was reported before with commit ${before}: both reports are kept, and while they disagree the migration guard cannot rule migrations out for ${d.version} (it answers "unknown"). Give each build its own tag.`,
        },
      };
    }
    this.deps.log.warn(
      { caller, environment: d.environment, version: d.version },
      'a deploy was reported while locked',
    );
    const locked = await this.deployGate(d.environment, caller);
    return {
      status: 423,
      body: { ...locked.body, deploy: report, accepted: false, recorded_as: 'attempted while locked' },
    };
  }

  private async deployGate(environment: string, caller: string): Promise<ApiResponse> {
    // An unknown environment and a malformed name get the same answer: the API does not say which ones exist.
    const gate = ENVIRONMENT_PATTERN.test(environment) ? await this.deps.deployGate(environment) : null;
    if (!gate) return error(404, 'not_found', 'No such environment.');
    if (gate.open) return { status: 200, body: { environment, deploys: 'allowed' } };
    const r = gate.rollback;
    const { message, from, card } = lockedWords(environment, gate);
    this.deps.log.info({ caller, environment, rollbackId: r.id }, 'deploy gate: locked');
    return {
      status: 423,
      body: {
        environment,
        deploys: 'locked',
        reason: gate.reason,
        message,
        since: gate.since,
        rollback: {
          id: r.id,
          status: r.status,
          from,
          to: r.target,
          card,
        },
        clear: gate.clear,
      },
    };
  }
}

/** Why the gate is shut, in a sentence for a CI log (and GitHub's protection rule), with the card's address. */
export function lockedWords(
  environment: string,
  gate: Extract<DeployGate, { open: false }>,
): { message: string; from: string | null; card: string | null } {
  const r = gate.rollback;
  // What it moved away from: Step 3's own word when it has one (an interrupted rollback has none), else Step 1's.
  const from = r.results?.[0]?.fromVersion ?? versionsLeft(r)[0] ?? null;
  const why =
    gate.reason === 'rollback_in_progress'
      ? `${environment} is being rolled back (${r.id}): deploys wait until it ends and an incident commander clears it.`
      : gate.reason === 'rollback_failed'
        ? `A rollback of ${environment} from ${from ?? 'the bad version'} to ${r.target ?? 'a previous version'} (${r.id}) ended ${r.status} after it had started changing production: production may run either version or a mix. Deploys wait until an incident commander has brought it to a known version and cleared it.`
        : `${environment} was rolled back from ${from ?? 'the bad version'} to ${r.target ?? 'a previous version'} (${r.id}): deploys wait until an incident commander has looked at the root cause and cleared it.`;
  // A CI log is read by people: human UTC here, ISO 8601 in `since` for machines.
  return { message: `${why} Locked since ${humanUtc(gate.since)}.`, from, card: r.card ? cardUrl(r.card) : null };
}
