/**
 * A replica as two processes: the front (transport, acknowledgements, health) and the work process it forks (the
 * listeners, the runbook, the store). They talk over Node's IPC channel. The work process runs at a lower CPU
 * priority: when the host is busy, acknowledging Slack within its 3 s beats finishing a step a few milliseconds
 * sooner. When the front dies, however it dies, the work process exits too: a replica is both or neither.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { setPriority } from 'node:os';
import type { Logger } from 'pino';
import type { ApiRequest, ApiResponse } from './api/api.wire';
import type { BotWorker } from './bot';
import { answeredInAck, type ForwardedEvent, type MetricsJson, type WorkLink } from './replica/work-link';

/** Set in the forked process's environment: run the work side and take deliveries from the front. */
export const WORK_ROLE_VARIABLE = 'ROLLBACK_PROCESS_ROLE';
export const WORK_ROLE = 'work';
/** The work process's nice value (0 is the front's; higher is lower priority). */
export const WORK_NICE = 10;
/** A request to the work process (the answer to a form, a readiness check, the metrics) gets this long. */
const REPLY_TIMEOUT_MS = 5000;
/** The work process says it is alive (and how many deliveries it has taken) this often. */
export const HEARTBEAT_MS = 1000;
/**
 * Not heard from for this long, the work process is taken for hung: the front turns Slack away (503, or no ack in
 * Socket Mode) so that Slack delivers elsewhere, instead of acknowledging deliveries nobody may ever run. Long
 * enough that a busy moment (a nice'd process on a loaded host) is not mistaken for a hang.
 */
export const SILENT_MS = 5000;
/** At most this many acknowledged deliveries wait for the work process to take them; beyond, Slack is turned away. */
export const MAX_UNTAKEN = 100;

type ToWork =
  | { kind: 'event'; id: number; event: ForwardedEvent; answer: boolean }
  | { kind: 'ready'; id: number }
  | { kind: 'metrics'; id: number }
  | { kind: 'api'; id: number; request: ApiRequest }
  | { kind: 'stop'; graceMs: number };

type FromWork =
  | { kind: 'started' }
  | { kind: 'answer'; id: number; answer: unknown }
  | { kind: 'ready'; id: number; error?: string }
  /** Alive; `taken`: how many deliveries it has received so far. */
  | { kind: 'beat'; taken: number };

export interface WorkProcess {
  link: WorkLink;
  pid: number | undefined;
  /** Resolves with the exit code when the work process exits. */
  exited: Promise<number | null>;
  /** Asks it to stop (it finishes in-flight steps within graceMs); killed if it has not exited soon after. */
  stop(graceMs: number): Promise<number | null>;
}

/** Forks this same program as the work process; resolves once it has started (rejects if it exits before). */
export async function forkWork(modulePath: string, env: NodeJS.ProcessEnv, logger: Logger): Promise<WorkProcess> {
  const child: ChildProcess = fork(modulePath, [], {
    env: { ...env, [WORK_ROLE_VARIABLE]: WORK_ROLE },
    serialization: 'advanced',
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  if (child.pid !== undefined) {
    try {
      setPriority(child.pid, WORK_NICE);
    } catch (err) {
      logger.warn({ err }, 'could not lower the work process priority');
    }
  }
  await new Promise<void>((resolve, reject) => {
    const onMessage = (m: FromWork) => {
      if (m.kind !== 'started') return;
      child.off('message', onMessage);
      resolve();
    };
    child.on('message', onMessage);
    void exited.then((code) => reject(new Error(`the work process exited with ${code} while starting`)));
  });

  // Every message from the work process shows its event loop turns; deliveries sent minus deliveries it has taken
  // are the ones acknowledged to Slack and still waiting.
  let heardAt = Date.now();
  let sent = 0;
  let taken = 0;
  let silentSaid = false;
  const unavailable = (): string | null => {
    if (!child.connected) return 'the work process is gone';
    const silentMs = Date.now() - heardAt;
    const why =
      silentMs > SILENT_MS
        ? `the work process has not answered for ${Math.floor(silentMs / 1000)} s`
        : sent - taken >= MAX_UNTAKEN
          ? `the work process has not taken ${sent - taken} deliveries yet`
          : null;
    if (why && !silentSaid) logger.error({ reason: why }, 'Slack is turned away until the work process answers');
    silentSaid = why !== null;
    return why;
  };
  child.on('message', (m: FromWork) => {
    heardAt = Date.now();
    if (m.kind === 'beat') taken = m.taken;
    if (silentSaid && unavailable() === null) logger.info('the work process answers again; taking Slack requests');
  });

  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const request = (make: (id: number) => ToWork): Promise<unknown> => {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`the work process did not answer within ${REPLY_TIMEOUT_MS} ms`));
      }, REPLY_TIMEOUT_MS);
      pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      child.send(make(id), (err) => {
        if (err) pending.get(id)?.reject(err);
      });
    });
  };
  child.on('message', (m: FromWork) => {
    if (m.kind === 'answer') pending.get(m.id)?.resolve(m.answer);
    else if (m.kind === 'ready') {
      const p = pending.get(m.id);
      if (m.error) p?.reject(new Error(m.error));
      else p?.resolve(undefined);
    } else return;
    pending.delete(m.id);
  });
  void exited.then(() => {
    for (const p of pending.values()) p.reject(new Error('the work process exited'));
    pending.clear();
  });

  const link: WorkLink = {
    forward(event) {
      if (unavailable()) return null;
      sent += 1;
      if (answeredInAck(event.body)) return request((id) => ({ kind: 'event', id, event, answer: true }));
      return new Promise((resolve, reject) => {
        child.send({ kind: 'event', id: 0, event, answer: false } satisfies ToWork, (err) =>
          err ? reject(err) : resolve(undefined),
        );
      });
    },
    unavailable,
    ready: () => request((id) => ({ kind: 'ready', id })).then(() => undefined),
    metrics: () => request((id) => ({ kind: 'metrics', id })) as Promise<MetricsJson>,
    api: (r) => request((id) => ({ kind: 'api', id, request: r })) as Promise<ApiResponse>,
  };
  return {
    link,
    pid: child.pid,
    exited,
    async stop(graceMs) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      if (child.connected) child.send({ kind: 'stop', graceMs } satisfies ToWork);
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs + 2000);
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
}

/** The work process's side of the channel: runs deliveries, answers readiness, stops when asked. */
export function serveFront(worker: BotWorker, onStop: (graceMs: number) => void): void {
  const send = (m: FromWork) => {
    if (process.connected) process.send?.(m);
  };
  let taken = 0;
  // Its silence is what tells the front this process hangs (a blocked event loop sends nothing).
  setInterval(() => send({ kind: 'beat', taken }), HEARTBEAT_MS).unref();
  process.on('message', (m: ToWork) => {
    if (m.kind === 'event') {
      taken += 1;
      const done = worker.deliver(m.event);
      if (m.answer) void done.then((answer) => send({ kind: 'answer', id: m.id, answer }));
    } else if (m.kind === 'ready') {
      worker.ready().then(
        () => send({ kind: 'ready', id: m.id }),
        (err: unknown) => send({ kind: 'ready', id: m.id, error: err instanceof Error ? err.message : String(err) }),
      );
    } else if (m.kind === 'metrics') {
      worker.metrics().then(
        (answer) => send({ kind: 'answer', id: m.id, answer }),
        (err: unknown) => {
          worker.logger.warn({ err }, 'could not collect the metrics');
          send({ kind: 'answer', id: m.id, answer: [] });
        },
      );
    } else if (m.kind === 'api') {
      worker.api(m.request).then(
        (answer) => send({ kind: 'answer', id: m.id, answer }),
        (err: unknown) => {
          worker.logger.error({ err }, 'the API request failed');
          send({ kind: 'answer', id: m.id, answer: { status: 500, body: { error: 'internal' } } });
        },
      );
    } else if (m.kind === 'stop') onStop(m.graceMs);
  });
  send({ kind: 'started' });
}
