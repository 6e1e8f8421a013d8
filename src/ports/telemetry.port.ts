import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { Rollback } from '../domain/rollback';

/**
 * Metrics as prom-client's registries give them as plain objects: the work side's telemetry hands them to the front
 * (GET /metrics), across the IPC channel where the two are processes.
 */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/**
 * What the runbook tells the operator's monitoring (Prometheus at GET /metrics): rollbacks as they are requested and
 * as each stored event moves them. Calls never throw and never wait: monitoring must not hold up a rollback.
 */
export interface Telemetry {
  /** A rollback was created (its card is about to be posted). */
  rollbackRequested(rollback: Rollback): void;
  /** A stored event moved `before` to `after` (steps started or ended, a final state reached). */
  rollbackMoved(before: Rollback, after: Rollback): void;
}
