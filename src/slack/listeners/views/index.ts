/** The rollback form: one listener, registered here. */
import type { App } from '@slack/bolt';
import type { ListenerDeps } from '../types';
import { requestFormView } from './request-form.view';

export function register(app: App, deps: ListenerDeps): void {
  const listener = requestFormView(deps);
  app.view(listener.id, listener.handler);
}
