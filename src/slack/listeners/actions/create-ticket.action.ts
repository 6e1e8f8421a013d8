/** "Create incident ticket": a GitHub issue with the timeline. */
import { ACTION } from '../../ids';
import type { ActionListener, ListenerDeps } from '../types';
import { rollbackButton } from './rollback-button';

export const createTicketAction = (deps: ListenerDeps): ActionListener =>
  rollbackButton(deps, ACTION.createTicket, (s, id, user) => s.createTicket(id, user));
