/** "Migrations are forward-only": an incident commander accepts the migration warning. */
import { ACTION } from '../../ids';
import type { ActionListener, ListenerDeps } from '../types';
import { rollbackButton } from './rollback-button';

export const acknowledgeMigrationsAction = (deps: ListenerDeps): ActionListener =>
  rollbackButton(deps, ACTION.ackMigrations, (s, id, user) => s.acknowledge(id, user, 'migrations'));
