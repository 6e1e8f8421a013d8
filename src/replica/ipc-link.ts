/**
 * The front's end of the IPC link: it forks the work process (this same program, with the work role) and speaks to
 * it over Node's IPC channel. The work process runs at a lower CPU priority: when the host is busy, acknowledging
 * Slack within its 3 s beats finishing a step a few milliseconds sooner. A work process not heard from for a while
 * is taken for hung, and Slack is turned away so that it delivers elsewhere.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { setPriority } from 'node:os';
import type { Logger } from 'pino';
import type { ApiResponse } from '../api/api.wire';
import { type Channel, type FromWork, type ToWork, WORK_ROLE, WORK_ROLE_VARIABLE } from './ipc-messages';
import { answeredInAck, type MetricsJson, type WorkLink } from './work-link';

/** The work process's nice value (0 is the front's; higher is lower priority). */
export const WORK_NICE = 10;
/** A request to the work process (the answer to a form, a readiness check, the metrics) gets this long. */
export const REPLY_TIMEOUT_MS = 5000;
/**
 * Not heard from for this long, the work process is taken for hung: the front turns Slack away (503, or no ack in
 * Socket Mode) so that Slack delivers elsewhere, instead of acknowledging deliveries nobody may ever run. Long
 * enough that a busy moment (a nice'd process on a loaded host) is not mistaken for a hang.
 */
export const SILENT_MS = 5000;
/**
 * At most this many acknowledged deliveries wait for the work process to take them; beyond, Slack is turned away.
 * A bound on the front's memory, not the hang check (SILENT_MS is): the work process says what it has taken once a
 * second, so a burst (an incident channel at full tilt, the bench's 500 requests) counts as untaken for that second
 * and must not be refused. A thousand deliveries are a few MB.
 */
export const MAX_UNTAKEN = 1000;

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
  const channel = child as unknown as Channel<FromWork, ToWork>;
  await started(channel, exited);
  return {
    link: ipcLink(channel, exited, logger),
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

/** Resolves when the work process says it has started; rejects if it exits first. */
export function started(channel: Channel<FromWork, ToWork>, exited: Promise<number | null>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onMessage = (m: FromWork) => {
      if (m.kind !== 'started') return;
      channel.off('message', onMessage);
      resolve();
    };
    channel.on('message', onMessage);
    void exited.then((code) => reject(new Error(`the work process exited with ${code} while starting`)));
  });
}

/** The WorkLink over a channel to the work process: requests with ids and a timeout, and a watch on its heartbeat. */
export function ipcLink(channel: Channel<FromWork, ToWork>, exited: Promise<unknown>, logger: Logger): WorkLink {
  // Every message from the work process shows its event loop turns; deliveries sent minus deliveries it has taken
  // are the ones acknowledged to Slack and still waiting.
  let heardAt = Date.now();
  let sent = 0;
  let taken = 0;
  let silentSaid = false;
  const unavailable = (): string | null => {
    if (!channel.connected) return 'the work process is gone';
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
  channel.on('message', (m: FromWork) => {
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
      channel.send(make(id), (err) => {
        if (err) pending.get(id)?.reject(err);
      });
    });
  };
  channel.on('message', (m: FromWork) => {
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

  return {
    forward(event) {
      if (unavailable()) return null;
      sent += 1;
      if (answeredInAck(event.body)) return request((id) => ({ kind: 'event', id, event, answer: true }));
      return new Promise((resolve, reject) => {
        channel.send({ kind: 'event', id: 0, event, answer: false } satisfies ToWork, (err) =>
          err ? reject(err) : resolve(undefined),
        );
      });
    },
    unavailable,
    ready: () => request((id) => ({ kind: 'ready', id })).then(() => undefined),
    metrics: () => request((id) => ({ kind: 'metrics', id })) as Promise<MetricsJson>,
    api: (r) => request((id) => ({ kind: 'api', id, request: r })) as Promise<ApiResponse>,
  };
}

const NOT_RUNNING = 'the work process is not running';

/**
 * The link the front serves with from its first moment, before the work process is forked (and after it is gone):
 * it speaks to whichever work process `current` names, and says "not running" while there is none.
 */
export function linkToCurrent(current: () => WorkLink | undefined): WorkLink {
  return {
    forward: (event) => current()?.forward(event) ?? null,
    unavailable: () => {
      const link = current();
      return link ? link.unavailable() : NOT_RUNNING;
    },
    ready: () => current()?.ready() ?? Promise.reject(new Error(NOT_RUNNING)),
    metrics: () => current()?.metrics() ?? Promise.reject(new Error(NOT_RUNNING)),
    api: (request) => current()?.api(request) ?? Promise.reject(new Error(NOT_RUNNING)),
  };
}
