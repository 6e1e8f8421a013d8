/**
 * The work side's end of a link: Bolt's app takes each forwarded delivery as if from a transport of its own.
 */
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { Logger } from 'pino';
import type { ForwardedEvent } from './work-link';

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
