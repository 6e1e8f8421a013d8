/**
 * The front's one route table, for the HTTP and the Socket Mode receiver alike: what a request is for, by its
 * normalised path and method. Socket Mode has no events route over HTTP (front.ts answers it 404).
 */
import { posix } from 'node:path';
import { API_PREFIX } from '../api/api.wire';

export const EVENTS_PATH = '/slack/events';
export const HEALTHZ_PATH = '/healthz';
/** Ready: the store answers (a load balancer sends no request to a replica that could not record it). */
export const READYZ_PATH = '/readyz';
/** Prometheus's scrape: the work side's metrics and the front's own process metrics. */
export const METRICS_PATH = '/metrics';
/** The environment variable holding the bearer token for GET /metrics. */
export const METRICS_TOKEN_VARIABLE = 'ROLLBACK_METRICS_TOKEN';

export type Route =
  | { kind: 'events'; url: string }
  | { kind: 'healthz' }
  | { kind: 'readyz' }
  | { kind: 'metrics' }
  | { kind: 'api'; path: string }
  | { kind: 'method'; allow: string }
  | { kind: 'malformed' }
  | { kind: 'none' };

const READ = ['GET', 'HEAD'];
/** Exact paths and the methods each takes; the API (a prefix) is matched apart, and takes any method. */
const TABLE: ReadonlyArray<{ path: string; methods: string[]; kind: 'events' | 'healthz' | 'readyz' | 'metrics' }> = [
  { path: EVENTS_PATH, methods: ['POST'], kind: 'events' },
  { path: HEALTHZ_PATH, methods: READ, kind: 'healthz' },
  { path: READYZ_PATH, methods: READ, kind: 'readyz' },
  { path: METRICS_PATH, methods: READ, kind: 'metrics' },
];

/**
 * What a request is for, by its normalised path: `/slack/./events`, `//slack/events` and `/slack/events/` are the
 * events endpoint too, so no check can be skipped by spelling the path differently.
 */
export function routeOf(method: string | undefined, rawUrl: string | undefined): Route {
  const [rawPath, query] = (rawUrl ?? '/').split(/\?(.*)/s, 2);
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    // A malformed %-escape: no route could match it; the caller learns it sent a bad request.
    return { kind: 'malformed' };
  }
  const path = posix.normalize(`/${decoded}`).replace(/\/+$/, '') || '/';
  if (path.startsWith(API_PREFIX)) return { kind: 'api', path };
  const entry = TABLE.find((r) => r.path === path);
  if (!entry) return { kind: 'none' };
  if (!entry.methods.includes(method ?? '')) return { kind: 'method', allow: entry.methods.join(', ') };
  if (entry.kind === 'events') return { kind: 'events', url: query ? `${EVENTS_PATH}?${query}` : EVENTS_PATH };
  return { kind: entry.kind };
}

/**
 * Where the bot listens and what it answers there, on one line for the start of the log:
 * "listening on http://0.0.0.0:3000 — POST /slack/events, GET /healthz /readyz /metrics, /api/v1/…".
 */
export function listeningLine(
  host: string | undefined,
  port: number,
  opts: { socketMode: boolean; metrics: boolean },
): string {
  const where = host && host !== '::' && host !== '0.0.0.0' ? (host.includes(':') ? `[${host}]` : host) : '0.0.0.0';
  const routes = `${opts.socketMode ? '' : `POST ${EVENTS_PATH}, `}GET ${HEALTHZ_PATH} ${READYZ_PATH} ${METRICS_PATH}, ${API_PREFIX}…`;
  const metricsOff = opts.metrics ? '' : ` (${METRICS_PATH} is off: set ${METRICS_TOKEN_VARIABLE})`;
  return `listening on http://${where}:${port} — ${routes}${metricsOff}`;
}
