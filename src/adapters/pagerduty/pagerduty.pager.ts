import axios from 'axios';
import { ErrorCode, RollbackBotError } from '../../domain/errors';
import type { Pager } from '../../ports';
import { describeHttpFailure } from '../http/http.health-probe';

/** PagerDuty Events API v2 (`POST /v2/enqueue`): trigger with a dedup key, resolve with the same key. */
export class PagerDutyPager implements Pager {
  constructor(private readonly opts: { routingKey: string; eventsUrl: string; timeoutMs: number }) {}

  async trigger(alert: {
    dedupKey: string;
    summary: string;
    source: string;
    details: Record<string, unknown>;
  }): Promise<void> {
    await this.send({
      routing_key: this.opts.routingKey,
      event_action: 'trigger',
      dedup_key: alert.dedupKey,
      payload: {
        summary: alert.summary.slice(0, 1024),
        source: alert.source,
        severity: 'critical',
        component: 'rollback-bot',
        custom_details: alert.details,
      },
    });
  }

  async resolve(dedupKey: string): Promise<void> {
    await this.send({ routing_key: this.opts.routingKey, event_action: 'resolve', dedup_key: dedupKey });
  }

  private async send(body: Record<string, unknown>): Promise<void> {
    try {
      const res = await axios.post(this.opts.eventsUrl, body, {
        timeout: this.opts.timeoutMs,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
        validateStatus: () => true,
        headers: { 'Content-Type': 'application/json' },
      });
      if (res.status !== 202) {
        const data = res.data as { message?: string; errors?: string[] } | undefined;
        throw new RollbackBotError(
          ErrorCode.PagerFailed,
          `PagerDuty answered ${res.status}: ${[data?.message, ...(data?.errors ?? [])].filter(Boolean).join('; ')}`,
        );
      }
    } catch (err) {
      if (err instanceof RollbackBotError) throw err;
      throw new RollbackBotError(
        ErrorCode.PagerFailed,
        `PagerDuty did not answer: ${describeHttpFailure(err, this.opts.timeoutMs)}`,
        { cause: err },
      );
    }
  }
}
