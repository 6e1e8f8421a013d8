/** The forms: one listener per file, registered here. */
import type { App } from '@slack/bolt';
import type { ListenerDeps } from '../types';
import { requestFormView } from './request-form.view';
import { unlockFormView } from './unlock-form.view';

export const VIEW_LISTENERS = [requestFormView, unlockFormView] as const;

export function register(app: App, deps: ListenerDeps): void {
  for (const make of VIEW_LISTENERS) {
    const listener = make(deps);
    app.view(listener.id, listener.handler);
  }
}
