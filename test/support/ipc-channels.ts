/**
 * Two ends of an in-memory IPC channel (what fork() gives the front and `process` gives the work process), so the
 * IPC link's two ends are tested together in one process. Messages arrive on a later turn, as over a real channel.
 */
import { EventEmitter } from 'node:events';
import type { Channel } from '../../src/replica/ipc-messages';

class End<In, Out> extends EventEmitter implements Channel<In, Out> {
  connected = true;
  other?: End<Out, In>;
  readonly sent: Out[] = [];
  send(message: Out, callback?: (err: Error | null) => void): boolean {
    this.sent.push(message);
    const other = this.other;
    setImmediate(() => {
      if (this.connected && other) other.emit('message', structuredClone(message));
      callback?.(this.connected ? null : new Error('channel closed'));
    });
    return true;
  }
  override on(event: 'message', listener: (message: In) => void): this {
    return super.on(event, listener);
  }
  override off(event: 'message', listener: (message: In) => void): this {
    return super.off(event, listener);
  }
}

export function channelPair<A, B>(): { front: End<B, A>; work: End<A, B> } {
  const front = new End<B, A>();
  const work = new End<A, B>();
  front.other = work;
  work.other = front;
  return { front, work };
}

/** Closes both ends, as when either process exits. */
export function disconnect(pair: { front: { connected: boolean }; work: { connected: boolean } }): void {
  pair.front.connected = false;
  pair.work.connected = false;
}
