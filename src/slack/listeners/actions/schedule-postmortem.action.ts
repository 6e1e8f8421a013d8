/** "Schedule post-mortem": the reminders at +24 h and +48 h. */
import { ACTION } from '../../ids';
import type { ActionListener, ListenerDeps } from '../types';
import { rollbackButton } from './rollback-button';

export const schedulePostmortemAction = (deps: ListenerDeps): ActionListener =>
  rollbackButton(deps, ACTION.schedulePostmortem, (s, id, user) => s.schedulePostmortem(id, user));
