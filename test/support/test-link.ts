/** A work link of the test's own, for the front: what it forwarded, and how the work side answers (or hangs). */
import { Counter, Registry } from 'prom-client';
import type { ApiRequest, ApiResponse } from '../../src/api/api.wire';
import type { ForwardedEvent, MetricsJson, WorkLink } from '../../src/replica/work-link';

export class TestLink implements WorkLink {
  readonly forwarded: ForwardedEvent[] = [];
  answer: () => Promise<unknown> | null = () => new Promise(() => undefined);
  readyError: Error | null = null;
  /** Why the work side cannot take deliveries (a hung work process), or null. */
  hung: string | null = null;
  unavailable(): string | null {
    return this.hung;
  }
  forward(event: ForwardedEvent): Promise<unknown> | null {
    this.forwarded.push(event);
    return this.answer();
  }
  ready(): Promise<void> {
    return this.readyError ? Promise.reject(this.readyError) : Promise.resolve();
  }
  readonly apiRequests: ApiRequest[] = [];
  api: (r: ApiRequest) => Promise<ApiResponse> = async (r) => {
    this.apiRequests.push(r);
    return { status: 423, headers: { 'Retry-After': '60' }, body: { deploys: 'locked' } };
  };
  metrics: () => Promise<MetricsJson> = async () => {
    const r = new Registry();
    new Counter({ name: 'rollback_started_total', help: 'started', labelNames: ['environment'], registers: [r] }).inc(
      { environment: 'production' },
      2,
    );
    return (await r.getMetricsAsJSON()) as MetricsJson;
  };
}
