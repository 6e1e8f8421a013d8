import type { Strategy } from '../../domain/rollback.machine';
import { dockerOption } from './docker.option';
import { githubActionsOption } from './github-actions.option';
import type { RollbackOption } from './option';
import { scriptOption } from './script.option';

export type { RollbackOption } from './option';

/** The runbook's Step 3 options: A (script), B (docker), C (github-actions). */
export const OPTIONS: Record<Strategy, RollbackOption> = {
  script: scriptOption,
  docker: dockerOption,
  'github-actions': githubActionsOption,
};
