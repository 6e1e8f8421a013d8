/** A stand-in for Bolt's App that records what each `register` gives it: the ids and the handlers, by kind. */
import type { App } from '@slack/bolt';

export interface Registered {
  kind: 'command' | 'action' | 'view' | 'event';
  id: string | RegExp;
  handler: (...args: never[]) => unknown;
}

export function registeringApp(): { app: App; registered: Registered[] } {
  const registered: Registered[] = [];
  const on =
    (kind: Registered['kind']) =>
    (id: string | RegExp, handler: Registered['handler']): void =>
      void registered.push({ kind, id, handler });
  return {
    app: { command: on('command'), action: on('action'), view: on('view'), event: on('event') } as unknown as App,
    registered,
  };
}
