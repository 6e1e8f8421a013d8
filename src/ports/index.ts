/**
 * The ports: what the runbook needs from the outside world, in the runbook's words, one file each. Adapters
 * (src/adapters/*) implement them with Docker, HTTP, Slack, SQLite and the rest. Every call is asynchronous.
 */
export type * from './alert-log.port';
export type * from './clock.port';
export type * from './code-host.port';
export type * from './container-runtime.port';
export type * from './delivery-log.port';
export type * from './deployment-history.port';
export type * from './deployment-reviews.port';
export type * from './deploy-reports.port';
export type * from './directory.port';
export type * from './health-probe.port';
export type * from './leases.port';
export { instancePrefix } from './leases.port';
export type * from './log.port';
export type * from './metrics-source.port';
export type * from './notifier.port';
export type * from './pager.port';
export type * from './reports.port';
export type * from './rollback-repository.port';
export type * from './script-runner.port';
export type * from './service-events.port';
export type * from './telemetry.port';
export type * from './ticket-tracker.port';
export type * from './verified-versions.port';
export type * from './workflow-runner.port';
