/**
 * Docker's event stream (GET /events, filtered to services): each update, rollback, create or remove as the engine
 * reports it. The stream is long-lived; when it ends or fails (the engine restarted, the socket dropped) it is
 * reopened with back-off from 1 s to 30 s, asking for the events since the last one seen so none is missed.
 */
import type Docker from 'dockerode';
import type { ServiceEvent, ServiceEvents } from '../../ports';

const MIN_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30_000;

interface DockerEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

export class DockerServiceEvents implements ServiceEvents {
  constructor(private readonly docker: Docker) {}

  follow(onEvent: (e: ServiceEvent) => void, onGap: (err: unknown, retryInMs: number) => void): () => void {
    let stopped = false;
    let stream: NodeJS.ReadableStream | null = null;
    let timer: NodeJS.Timeout | undefined;
    let backoff = MIN_BACKOFF_MS;
    // Seconds, as Docker's `since` takes them; the last second is asked again (events are told apart by their id).
    let since = Math.floor(Date.now() / 1000);
    const seen = new Set<string>();

    const reopen = (err: unknown) => {
      stream = null;
      if (stopped) return;
      onGap(err, backoff);
      timer = setTimeout(open, backoff);
      timer.unref();
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    };

    const open = () => {
      if (stopped) return;
      const options: Docker.GetEventsOptions = { since, filters: { type: ['service'] } };
      this.docker
        .getEvents(options)
        .then((s: NodeJS.ReadableStream) => {
          if (stopped) {
            (s as unknown as { destroy?: () => void }).destroy?.();
            return;
          }
          stream = s;
          backoff = MIN_BACKOFF_MS;
          let buffered = '';
          s.on('data', (chunk: Buffer) => {
            buffered += chunk.toString('utf8');
            let nl: number;
            while ((nl = buffered.indexOf('\n')) >= 0) {
              const line = buffered.slice(0, nl).trim();
              buffered = buffered.slice(nl + 1);
              if (line) this.dispatch(line, seen, onEvent, (t) => (since = Math.max(since, t)));
            }
          });
          // A stream may both error and end: one reopening per stream.
          let ended = false;
          const drop = (err: unknown) => {
            if (ended) return;
            ended = true;
            reopen(err);
          };
          s.once('end', () => drop(new Error('the Docker event stream ended')));
          s.once('error', drop);
        })
        .catch(reopen);
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(timer);
      (stream as unknown as { destroy?: () => void } | null)?.destroy?.();
    };
  }

  private dispatch(line: string, seen: Set<string>, onEvent: (e: ServiceEvent) => void, at: (sec: number) => void) {
    let e: DockerEvent;
    try {
      e = JSON.parse(line) as DockerEvent;
    } catch {
      return;
    }
    const name = e.Actor?.Attributes?.name;
    if (e.Type !== 'service' || !name || !e.Action) return;
    const id = `${e.timeNano ?? e.time ?? 0}:${e.Actor?.ID ?? name}:${e.Action}`;
    // A reopened stream repeats the last second: each event once.
    if (seen.has(id)) return;
    seen.add(id);
    if (seen.size > 5000) seen.delete(seen.values().next().value as string);
    if (e.time) at(e.time);
    // Docker 20.10+ says what changed in the attributes: image.old/new, replicas.old/new, updatestate.new.
    const attrs = e.Actor?.Attributes ?? {};
    const replicas = { from: Number(attrs['replicas.old']), to: Number(attrs['replicas.new']) };
    onEvent({
      dockerService: name,
      action: e.Action,
      at: e.timeNano ? Math.floor(e.timeNano / 1e6) : (e.time ?? 0) * 1000,
      id,
      ...(attrs['updatestate.new'] === 'rollback_started' ? { rollback: true } : {}),
      ...(Number.isInteger(replicas.from) && Number.isInteger(replicas.to) && replicas.from !== replicas.to
        ? { replicas }
        : {}),
    });
  }
}
