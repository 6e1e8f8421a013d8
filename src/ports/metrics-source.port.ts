import type { Observed } from '../domain/criteria';

export interface MetricsSource {
  /** One number from a PromQL query, or why there is none (down, slow, no data). Never throws. */
  query(promql: string): Promise<Observed>;
}
