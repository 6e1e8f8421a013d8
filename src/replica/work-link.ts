/**
 * The seam between the front (the transport: HTTP receiver or Socket Mode, which verifies, acknowledges and answers
 * health checks) and the work side (the Bolt app with the listeners, the runbook, the store). The front acknowledges
 * a delivery at once and hands it over; the work never shares an event loop with the acknowledgements. In
 * production the two are separate processes that talk over IPC (ipc-link.ts, ipc-serve.ts); in one process (tests,
 * the playground) they talk directly (direct-link.ts).
 */
import type { Logger } from 'pino';
import type { ApiRequest, ApiResponse } from '../api/api.wire';
import type { MetricsJson } from '../ports/telemetry.port';

export type { MetricsJson } from '../ports/telemetry.port';

/** A delivery as the front received it, minus the ack (which the front keeps). */
export interface ForwardedEvent {
  body: Record<string, unknown>;
  retryNum?: number;
  retryReason?: string;
}

export interface WorkLink {
  /**
   * Hands a delivery to the work side; resolves with what its listener acked (only payloads answered in the ack
   * wait for that). Null when the work side cannot take it now (its process is gone): the front then fails the
   * request, and Slack retries it.
   */
  forward(event: ForwardedEvent): Promise<unknown> | null;
  /**
   * Why the work side cannot take deliveries now (its process has not been heard from for a few seconds), or null.
   * The front then turns Slack away (HTTP 503, no ack in Socket Mode) so that Slack delivers elsewhere, rather than
   * acknowledging deliveries that would wait for a hung process.
   */
  unavailable(): string | null;
  /** Resolves when the work side can serve (its store answers, and the Docker engine where used); rejects saying why. */
  ready(): Promise<void>;
  /** The work side's metrics (prom-client's JSON form), for GET /metrics. */
  metrics(): Promise<MetricsJson>;
  /** A request to the bot's HTTP API (/api/v1/…), answered by the work side. */
  api(request: ApiRequest): Promise<ApiResponse>;
}

/**
 * Payloads whose answer travels in the ack itself (a form's validation errors, a menu's options): the front waits
 * for the listener's ack, within Slack's deadline. Everything else is acknowledged before the work side sees it.
 */
export const ANSWERED_IN_ACK: ReadonlySet<string> = new Set([
  'view_submission',
  'block_suggestion',
  'dialog_suggestion',
  'dialog_submission',
]);

export const answeredInAck = (body: Record<string, unknown>): boolean =>
  typeof body.type === 'string' && ANSWERED_IN_ACK.has(body.type);

/**
 * The work side as the transport sees it: what a link carries to it. bot.ts's worker is one; the transport never
 * loads it (the front's memory stays small), it only calls it.
 */
export interface WorkSide {
  logger: Logger;
  /** Runs one delivery the front acknowledged; resolves with the listener's ack answer (if any). */
  deliver(event: ForwardedEvent): Promise<unknown>;
  /** Resolves when the store answers (and the Docker engine where used); rejects saying which part does not. */
  ready(): Promise<void>;
  metrics(): Promise<MetricsJson>;
  api(request: ApiRequest): Promise<ApiResponse>;
}
