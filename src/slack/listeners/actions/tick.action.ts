/** The checklist's "Done: …" buttons: the item is in the action id, the rollback in the value. */
import { CHECKLIST, type ChecklistKey } from '../../../domain/checklist';
import { ACTION } from '../../ids';
import type { ActionListener, ListenerDeps } from '../types';
import { rollbackButton } from './rollback-button';

export const TICK = new RegExp(`^${ACTION.tick}:(${CHECKLIST.map((c) => c.key).join('|')})$`);

export const tickAction = (deps: ListenerDeps): ActionListener =>
  rollbackButton(deps, TICK, (s, id, user, actionId) => s.tick(id, user, TICK.exec(actionId)?.[1] as ChecklistKey));
