/**
 * What may be called an environment or a version, wherever it comes from (a command, the form, the config): checked
 * before it reaches Docker, a deploy script or a workflow.
 */

export const ENVIRONMENT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
/** A Docker tag (and a git SHA or release tag): what may reach Docker as a version. */
export const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** How long a reason may be (it goes into the runbook's announcement). */
export const MAX_REASON_LENGTH = 500;

export function isValidVersion(v: string): boolean {
  return VERSION_PATTERN.test(v);
}
