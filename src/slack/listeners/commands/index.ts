/** The slash command: one listener, registered here. */
import type { App } from '@slack/bolt';
import type { ListenerDeps } from '../types';
import { rollbackCommand } from './rollback.command';

export function register(app: App, deps: ListenerDeps): void {
  const listener = rollbackCommand(deps);
  app.command(listener.id, listener.handler);
}
