/**
 * "A rollback moved away from this version": the target named with `to` is one that a rollback since the
 * environment's mark was last cleared moved production away from, and an incident commander accepts that.
 */
import { ACTION } from '../../ids';
import type { ActionListener, ListenerDeps } from '../types';
import { rollbackButton } from './rollback-button';

export const acknowledgeRolledBackFromAction = (deps: ListenerDeps): ActionListener =>
  rollbackButton(deps, ACTION.ackRolledBackFrom, (s, id, user) => s.acknowledge(id, user, 'rolled_back_from'));
