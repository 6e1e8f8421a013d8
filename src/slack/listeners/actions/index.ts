/** Every button the bot puts on a card, a checklist, an alert or the Home tab: one listener per file, registered here. */
import type { App, BlockAction } from '@slack/bolt';
import type { ActionListener, ListenerDeps } from '../types';
import { acknowledgeMigrationsAction } from './acknowledge-migrations.action';
import { acknowledgeNoCriterionAction } from './acknowledge-no-criterion.action';
import { acknowledgeRolledBackFromAction } from './acknowledge-rolled-back-from.action';
import { approveAction } from './approve.action';
import { cancelAction } from './cancel.action';
import { clearRootCauseAction } from './clear-root-cause.action';
import { createTicketAction } from './create-ticket.action';
import { homePageAction } from './home-page.action';
import { homeRequestAction } from './home-request.action';
import { homeUnlockAction } from './home-unlock.action';
import { releaseLockAction } from './release-lock.action';
import { requestFromReportsAction } from './request-from-reports.action';
import { schedulePostmortemAction } from './schedule-postmortem.action';
import { tickAction } from './tick.action';

export const ACTION_LISTENERS: ReadonlyArray<(deps: ListenerDeps) => ActionListener> = [
  approveAction,
  cancelAction,
  acknowledgeNoCriterionAction,
  acknowledgeMigrationsAction,
  acknowledgeRolledBackFromAction,
  clearRootCauseAction,
  schedulePostmortemAction,
  createTicketAction,
  releaseLockAction,
  tickAction,
  requestFromReportsAction,
  homeRequestAction,
  homeUnlockAction,
  homePageAction,
];

export function register(app: App, deps: ListenerDeps): void {
  for (const make of ACTION_LISTENERS) {
    const listener = make(deps);
    app.action<BlockAction>(listener.id, listener.handler);
  }
}
