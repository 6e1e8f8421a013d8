import axios, { type AxiosInstance } from 'axios';
import type { Observed } from '../../domain/criteria';
import type { MetricsSource } from '../../ports';
import { describeHttpFailure } from '../http/http.health-probe';

interface PromResponse {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: 'vector' | 'scalar' | 'matrix' | 'string'; result: unknown };
}

/** Prometheus' HTTP API (`GET /api/v1/query`): one instant value per query. Down, slow or empty is "unknown". */
export class PrometheusMetricsSource implements MetricsSource {
  private readonly http: AxiosInstance;

  constructor(
    baseUrl: string,
    private readonly timeoutMs: number,
  ) {
    this.http = axios.create({ baseURL: baseUrl.replace(/\/+$/, ''), maxContentLength: 1024 * 1024 });
  }

  async query(promql: string): Promise<Observed> {
    let body: PromResponse;
    try {
      const res = await this.http.get<PromResponse>('/api/v1/query', {
        params: { query: promql },
        timeout: this.timeoutMs,
        signal: AbortSignal.timeout(this.timeoutMs),
        validateStatus: () => true,
      });
      body = res.data;
      if (res.status !== 200 || body?.status !== 'success')
        return { unknown: `Prometheus: ${body?.error ?? `HTTP ${res.status}`}` };
    } catch (err) {
      return { unknown: `Prometheus: ${describeHttpFailure(err, this.timeoutMs)}` };
    }
    const value = firstValue(body.data);
    if (value === undefined) return { unknown: 'Prometheus: no data' };
    const n = Number(value);
    return Number.isFinite(n) ? { value: n } : { unknown: `Prometheus: ${value}` };
  }
}

/** The sample of a scalar, or of the first series of a vector: `[timestamp, "value"]`. */
function firstValue(data: PromResponse['data']): string | undefined {
  if (!data) return undefined;
  if (data.resultType === 'scalar') return (data.result as [number, string])[1];
  if (data.resultType === 'vector') return (data.result as Array<{ value: [number, string] }>)[0]?.value[1];
  return undefined;
}
