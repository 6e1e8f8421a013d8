import type { App } from '@slack/bolt';
import { register as registerActions } from './actions';
import { register as registerCommands } from './commands';
import { register as registerEvents } from './events';
import { register as registerViews } from './views';
import type { ListenerDeps } from './types';

export type { ListenerDeps };

export function registerListeners(app: App, deps: ListenerDeps): void {
  registerCommands(app, deps);
  registerActions(app, deps);
  registerViews(app, deps);
  registerEvents(app, deps);
}
