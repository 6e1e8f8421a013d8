/**
 * What the front and the work process it forked say to each other over Node's IPC channel ('advanced'
 * serialization), and the channel itself as each end sees it (a ChildProcess, or `process` in the child).
 */
import type { ApiRequest } from '../api/api.wire';
import type { ForwardedEvent } from './work-link';

/** Set in the forked process's environment: run the work side and take deliveries from the front. */
export const WORK_ROLE_VARIABLE = 'ROLLBACK_PROCESS_ROLE';
export const WORK_ROLE = 'work';
/** How long in-flight steps get to finish when the replica stops (SIGTERM, or the front's 'stop'). */
export const GRACE_MS = 8000;
/** The work process says it is alive (and how many deliveries it has taken) this often. */
export const HEARTBEAT_MS = 1000;

export type ToWork =
  | { kind: 'event'; id: number; event: ForwardedEvent; answer: boolean }
  | { kind: 'ready'; id: number }
  | { kind: 'metrics'; id: number }
  | { kind: 'api'; id: number; request: ApiRequest }
  | { kind: 'stop'; graceMs: number };

export type FromWork =
  | { kind: 'started' }
  | { kind: 'answer'; id: number; answer: unknown }
  | { kind: 'ready'; id: number; error?: string }
  /** Alive; `taken`: how many deliveries it has received so far. */
  | { kind: 'beat'; taken: number };

/** One end of the channel: what the link needs of a ChildProcess, and the work side of `process`. */
export interface Channel<In, Out> {
  readonly connected: boolean;
  send(message: Out, callback?: (err: Error | null) => void): unknown;
  on(event: 'message', listener: (message: In) => void): unknown;
  off(event: 'message', listener: (message: In) => void): unknown;
}
