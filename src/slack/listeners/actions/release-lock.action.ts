/** "Release the lock": an outcome nobody could know, looked at by an incident commander. */
import { ACTION } from '../../ids';
import type { ActionListener, ListenerDeps } from '../types';
import { rollbackButton } from './rollback-button';

export const releaseLockAction = (deps: ListenerDeps): ActionListener =>
  rollbackButton(deps, ACTION.releaseLock, (s, id, user) => s.releaseLock(id, user));
