/** A fake of what Bolt hands a listener (ack, respond, client) and of the service, recording calls in order. */
import pino from 'pino';
import type { Rollback } from '../../src/domain/rollback';
import type { Outcome, RollbackService } from '../../src/runbook/service';
import type { ListenerDeps } from '../../src/slack/listeners/types';
import { unitConfig } from './fakes';

export interface Recorder {
  calls: string[];
  /** The arguments of each call, in the same order as `calls`. */
  args: unknown[][];
  responses: Array<Record<string, unknown>>;
}

/**
 * Made once: parsing the config and making a logger cost far more than a listener call, and the command property
 * calls fakeDeps 10,000 times. Neither is changed by a listener.
 */
let shared: { config: ListenerDeps['config']; logger: ListenerDeps['logger'] } | undefined;

/** A service whose every method records its call and answers `outcome`. */
export function fakeDeps(outcome: Outcome): { deps: ListenerDeps; rec: Recorder } {
  shared ??= { config: unitConfig(), logger: pino({ level: 'silent' }) };
  const rec: Recorder = { calls: [], args: [], responses: [] };
  const service = new Proxy(
    {},
    {
      get: (_t, name: string) => {
        const called = (args: unknown[]) => {
          rec.calls.push(`service.${name}`);
          rec.args.push(args);
        };
        // precheck is synchronous (a store read, answered in the form's ack); the rest are use cases.
        if (name === 'precheck') return (...args: unknown[]) => (called(args), null);
        return async (...args: unknown[]) => {
          called(args);
          if (name === 'status') return { active: [], recent: [], marked: [] };
          if (name === 'report') return { kind: 'ok', message: 'Thanks, recorded.' };
          return outcome;
        };
      },
    },
  ) as unknown as RollbackService;
  const deps: ListenerDeps = {
    config: shared.config,
    service,
    logger: shared.logger,
    redact: (t) => t.replace(/s3cret/g, '[redacted]'),
  };
  return { deps, rec };
}

/** The same service with one method answered by `impl` (the rest still recorded). */
export function withMethod(deps: ListenerDeps, name: keyof RollbackService, impl: (...args: never[]) => unknown): void {
  const service = deps.service;
  deps.service = new Proxy(service, {
    get: (target, n: string) => (n === name ? impl : (target as unknown as Record<string, unknown>)[n]),
  });
}

export function boltArgs(rec: Recorder, body: unknown, extra: Record<string, unknown> = {}) {
  return {
    ack: async (arg?: unknown) => {
      rec.calls.push('ack');
      rec.args.push([arg]);
    },
    respond: async (m: Record<string, unknown>) => {
      rec.calls.push('respond');
      rec.responses.push(m);
    },
    body,
    ...extra,
  } as never;
}

export const refused = (message: string, rollback?: Partial<Rollback>): Outcome => ({
  kind: 'refused',
  message,
  rollback: rollback as Rollback,
});

export const click = (actionId: string, value: string, user = 'U0IC') => ({
  type: 'block_actions',
  user: { id: user },
  channel: { id: 'C0INCIDENT' },
  actions: [{ action_id: actionId, value }],
});
