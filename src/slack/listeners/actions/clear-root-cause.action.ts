/** "Root cause investigated": an incident commander clears the environment's rolled-back mark. */
import { ACTION } from '../../ids';
import type { ActionListener, ListenerDeps } from '../types';
import { rollbackButton } from './rollback-button';

export const clearRootCauseAction = (deps: ListenerDeps): ActionListener =>
  rollbackButton(deps, ACTION.clearRootCause, (s, id, user) => s.clearRootCause(id, user));
