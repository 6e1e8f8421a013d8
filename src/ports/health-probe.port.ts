import type { ProbeObservation, SmokeResult } from '../domain/findings';

export interface ProbeOptions {
  /** How many attempts at most (the runbook's `--retries`). */
  attempts: number;
  intervalMs: number;
  timeoutMs: number;
  /** Stop early once this holds; default: a 2xx answer. */
  until?: (o: ProbeObservation) => boolean;
}

export interface HealthProbe {
  /** Probes `url` until `until` holds or the attempts run out; reports the last observation. */
  probe(url: string, options: ProbeOptions): Promise<ProbeObservation>;
  smokeTest(test: { name: string; url: string; expectStatus: number }, timeoutMs: number): Promise<SmokeResult>;
}
