/**
 * The work process's end of the IPC link: runs the deliveries the front sends, answers its readiness, metrics and
 * API requests, beats so that the front knows it is alive, and stops when asked.
 */
import { type Channel, type FromWork, HEARTBEAT_MS, type ToWork } from './ipc-messages';
import type { WorkSide } from './work-link';

export function serveFront(
  work: WorkSide,
  onStop: (graceMs: number) => void,
  channel: Channel<ToWork, FromWork> = process as unknown as Channel<ToWork, FromWork>,
): void {
  const send = (m: FromWork) => {
    if (channel.connected) channel.send(m);
  };
  let taken = 0;
  // Its silence is what tells the front this process hangs (a blocked event loop sends nothing).
  setInterval(() => send({ kind: 'beat', taken }), HEARTBEAT_MS).unref();
  channel.on('message', (m: ToWork) => {
    if (m.kind === 'event') {
      taken += 1;
      const done = work.deliver(m.event);
      if (m.answer) void done.then((answer) => send({ kind: 'answer', id: m.id, answer }));
    } else if (m.kind === 'ready') {
      work.ready().then(
        () => send({ kind: 'ready', id: m.id }),
        (err: unknown) => send({ kind: 'ready', id: m.id, error: err instanceof Error ? err.message : String(err) }),
      );
    } else if (m.kind === 'metrics') {
      work.metrics().then(
        (answer) => send({ kind: 'answer', id: m.id, answer }),
        (err: unknown) => {
          work.logger.warn({ err }, 'could not collect the metrics');
          send({ kind: 'answer', id: m.id, answer: [] });
        },
      );
    } else if (m.kind === 'api') {
      work.api(m.request).then(
        (answer) => send({ kind: 'answer', id: m.id, answer }),
        (err: unknown) => {
          work.logger.error({ err }, 'the API request failed');
          send({ kind: 'answer', id: m.id, answer: { status: 500, body: { error: 'internal' } } });
        },
      );
    } else if (m.kind === 'stop') onStop(m.graceMs);
  });
  send({ kind: 'started' });
}
