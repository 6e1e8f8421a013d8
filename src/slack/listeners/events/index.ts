/** The Events API: one listener per file, registered here. */
import type { App } from '@slack/bolt';
import type { ListenerDeps } from '../types';
import { appHomeOpenedEvent } from './app-home-opened.event';

export function register(app: App, deps: ListenerDeps): void {
  const listener = appHomeOpenedEvent(deps);
  app.event(listener.id, listener.handler);
}
