/** How Option A is talked about: the card's and thread's words, and the advice when Step 3 needs a hand. */
import type { Rollback } from '../../../../../src/domain/rollback';
import { scriptWords } from '../../../../../src/runbook/strategies/script/words';
import { WHOLE_ENVIRONMENT_NO_TARGET } from '../../../../../src/runbook/strategies/strategy-words';
import { approvedEvents, draftRollback, rollbackAfter } from '../../../../support/fakes';

const AT = '2026-12-01T10:00:00.000Z';
const approved: Rollback = rollbackAfter(draftRollback(AT), approvedEvents(AT));
const started = {
  kind: 'script' as const,
  pid: 4242,
  commandLine: './deploy.sh --rollback --env production --version v1',
  outputFile: '/var/rollback/rb-1/deploy.log',
};

describe("the deploy script's words", () => {
  it('names the deploy script, reads versions from /health, and has no earlier version of its own', () => {
    expect(scriptWords.words).toMatchObject({ option: 'deploy script', versions: 'Deployed version (/health)' });
    expect(scriptWords.words.noTarget).toBe(WHOLE_ENVIRONMENT_NO_TARGET);
  });

  it('says the script started, with its pid, command line and where its output goes; nothing for another kind', () => {
    expect(scriptWords.deploymentStarted?.(started)).toEqual([
      ':gear: Deploy script started (pid 4242): `./deploy.sh --rollback --env production --version v1`\nFull output: `/var/rollback/rb-1/deploy.log`',
    ]);
    expect(scriptWords.deploymentStarted?.({ kind: 'workflow', runId: 7, url: 'https://x.invalid' })).toBeNull();
  });

  it('to finish by hand, gives the command line it ran once it started, else the runbook’s', () => {
    expect(scriptWords.manualRecovery({ ...approved, deployment: started }, [])).toEqual([
      "• Read the deploy script's output (/var/rollback/rb-1/deploy.log) for what it did and did not do.",
      '• To finish by hand (runbook Step 3, Option A): `./deploy.sh --rollback --env production --version v1`, or Option B / C.',
    ]);
    expect(scriptWords.manualRecovery(approved, [])).toEqual([
      "• Read the deploy script's output for what it did and did not do.",
      '• To finish by hand (runbook Step 3, Option A): the deploy script with `--rollback --env production --version v1`, or Option B / C.',
    ]);
  });

  it('after an interruption or a failed check, points at the output and what the script reported', () => {
    expect(scriptWords.interruptedNextSteps(approved)).toContain("(the deploy script's output)");
    expect(scriptWords.verifyFailedState(approved)).toBe(
      'the deploy script reported success for `v1`, but the checks did not pass.',
    );
  });
});
