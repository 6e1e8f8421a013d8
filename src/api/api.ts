/**
 * The bot's HTTP API for machines (CI): `GET /api/v1/environments/<env>/deploy-gate` answers 200 when deploys of the
 * environment may go ahead and 423 Locked (with why, since when, which rollback, who can clear it) while a rollback is
 * in progress or after one, until an incident commander clears it. Bearer tokens from the config (`api.tokens`),
 * compared in constant time and never logged; callers that fail to authenticate are limited per address, callers
 * that do, per token. Served by the front on PORT (HTTP and Socket Mode alike), answered here on the work side.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { BotConfig } from '../config/config.schema';
import { ENVIRONMENT_PATTERN } from '../domain/names';
import type { Clock, Log } from '../ports';
import { RateLimiter } from '../runbook/limits';
import type { DeployGate } from '../runbook/use-cases/queries';

export const API_PREFIX = '/api/v1/';
const GATE_PATH = /^\/api\/v1\/environments\/([^/]+)\/deploy-gate$/;

export interface ApiRequest {
  method: string;
  /** The normalised path, without the query string. */
  path: string;
  /** The Authorization header, if any. */
  authorization?: string;
  /** The caller's address (for the limit on failed attempts). */
  remote: string;
}

export interface ApiResponse {
  status: number;
  headers?: Record<string, string>;
  body: Record<string, unknown>;
}

export interface ApiDeps {
  config: BotConfig;
  clock: Clock;
  log: Log;
  deployGate(environment: string): Promise<DeployGate | null>;
}

/** Failed authentications per address per minute, and requests per token per minute. */
export const API_LIMITS = { failuresPerMinute: 10, requestsPerMinute: 300 } as const;

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

const error = (status: number, code: string, message: string, headers?: Record<string, string>): ApiResponse => ({
  status,
  headers,
  body: { error: code, message },
});

/** The Slack permalink of a card (the web client opens it). */
const cardUrl = (card: { channel: string; ts: string } | null) =>
  card ? `https://slack.com/archives/${card.channel}/p${card.ts.replace('.', '')}` : null;

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

    const gate = GATE_PATH.exec(req.path);
    if (gate) {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return error(405, 'method_not_allowed', 'GET only.', { Allow: 'GET, HEAD' });
      return this.deployGate(decodeURIComponent(gate[1]), caller);
    }
    return error(404, 'not_found', 'No such API path.');
  }

  private async deployGate(environment: string, caller: string): Promise<ApiResponse> {
    // An unknown environment and a malformed name get the same answer: the API does not say which ones exist.
    const gate = ENVIRONMENT_PATTERN.test(environment) ? await this.deps.deployGate(environment) : null;
    if (!gate) return error(404, 'not_found', 'No such environment.');
    if (gate.open) return { status: 200, body: { environment, deploys: 'allowed' } };
    const r = gate.rollback;
    const message =
      gate.reason === 'rollback_in_progress'
        ? `${environment} is being rolled back (${r.id}): deploys wait until it ends and an incident commander clears it.`
        : `${environment} was rolled back from ${r.results?.[0]?.fromVersion ?? 'the bad version'} to ${r.target ?? 'a previous version'} (${r.id}): deploys wait until an incident commander has looked at the root cause and cleared it.`;
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
          from: r.results?.[0]?.fromVersion ?? null,
          to: r.target,
          card: cardUrl(r.card),
        },
        clear: gate.clear,
      },
    };
  }
}
