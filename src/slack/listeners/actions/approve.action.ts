/** Approve: an incident commander lets the rollback run. */
import { ACTION } from '../../ids';
import type { ActionListener, ListenerDeps } from '../types';
import { rollbackButton } from './rollback-button';

export const approveAction = (deps: ListenerDeps): ActionListener =>
  rollbackButton(deps, ACTION.approve, (s, id, user) => s.approve(id, user));
