/**
 * The API on the wire: its path prefix, its largest body, and a request and an answer as they cross from the front
 * (which serves PORT) to the work side (which answers them, ./api.ts). A leaf: the front reads it without loading
 * the API, the runbook or Block Kit.
 */
export const API_PREFIX = '/api/v1/';

/** The largest body the API reads (a deploy report is a few hundred bytes). */
export const API_MAX_BODY = 16 * 1024;

/** GitHub's webhooks (the deploy gate as a deployment protection rule): signed, so carried as the bytes that came. */
export const GITHUB_WEBHOOK_PATH = '/api/v1/github/webhook';
/** A deployment_protection_rule payload is tens of KiB (it carries the repository and the sender). */
export const GITHUB_WEBHOOK_MAX_BODY = 1024 * 1024;
/** The headers a GitHub webhook needs beyond its body; the front carries these and no others. */
export const GITHUB_WEBHOOK_HEADERS = ['x-github-event', 'x-github-delivery', 'x-hub-signature-256'] as const;
/** Alertmanager's webhook: a group of alerts, labels and annotations and all, can be large. */
export const ALERTS_PATH = '/api/v1/alerts';
export const ALERTS_MAX_BODY = 1024 * 1024;

export interface ApiRequest {
  method: string;
  /** The normalised path, URL-decoded once (by the front), without the query string. */
  path: string;
  /** The Authorization header, if any. */
  authorization?: string;
  /** The caller's address (for the limit on failed attempts). */
  remote: string;
  /** The request body (POST), at most API_MAX_BODY bytes (ALERTS_MAX_BODY on ALERTS_PATH). */
  body?: string;
  /**
   * A GitHub webhook's body exactly as it came, base64 (its signature is over those bytes; IPC carries text), at most
   * GITHUB_WEBHOOK_MAX_BODY bytes; `body` is then absent.
   */
  rawBody?: string;
  /** GITHUB_WEBHOOK_HEADERS, lower-case, when the request has them. */
  headers?: Record<string, string>;
}

export interface ApiResponse {
  status: number;
  headers?: Record<string, string>;
  body: Record<string, unknown>;
}
