/** Cancel: an incident commander (or the requester, before approval) stops the rollback. */
import { ACTION } from '../../ids';
import type { ActionListener, ListenerDeps } from '../types';
import { rollbackButton } from './rollback-button';

export const cancelAction = (deps: ListenerDeps): ActionListener =>
  rollbackButton(deps, ACTION.cancel, (s, id, user) => s.cancel(id, user));
