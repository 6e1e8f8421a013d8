/**
 * The seam between the front (the transport: HTTP receiver or Socket Mode, which verifies, acknowledges and answers
 * health checks) and the work side (the Bolt app with the listeners, the runbook, the store). The front acknowledges
 * a delivery at once and hands it over; the work never shares an event loop with the acknowledgements. In
 * production the two are separate processes (main.ts); in one process (tests, the playground) they talk directly.
 */
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
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
 * The work side's receiver: Bolt's app gets each forwarded delivery as if from a transport of its own, with an ack
 * that reports the listener's answer back to the front.
 */
export class ForwardedReceiver implements Receiver {
  private app?: App;

  constructor(private readonly log: Logger) {}

  init(app: App): void {
    this.app = app;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  /** Runs the listeners for one delivery; resolves with the ack's answer (undefined if none, or when they end). */
  deliver(event: ForwardedEvent): Promise<unknown> {
    const app = this.app;
    if (!app) return Promise.reject(new Error('the Slack app is not initialised'));
    return new Promise((resolve) => {
      const ack = (response?: unknown): Promise<void> => {
        resolve(response);
        return Promise.resolve();
      };
      const received: ReceiverEvent = {
        body: event.body,
        ack,
        retryNum: event.retryNum,
        retryReason: event.retryReason,
        customProperties: {},
      };
      app.processEvent(received).then(
        () => resolve(undefined),
        (err: unknown) => {
          this.log.error({ err }, 'a Slack delivery failed in its listener');
          resolve(undefined);
        },
      );
    });
  }
}
