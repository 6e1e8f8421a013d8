/** "Roll back anyway": no decision criterion is met, and an incident commander accepts that. */
import { ACTION } from '../../ids';
import type { ActionListener, ListenerDeps } from '../types';
import { rollbackButton } from './rollback-button';

export const acknowledgeNoCriterionAction = (deps: ListenerDeps): ActionListener =>
  rollbackButton(deps, ACTION.ackNoCriterion, (s, id, user) => s.acknowledge(id, user, 'no_criterion'));
