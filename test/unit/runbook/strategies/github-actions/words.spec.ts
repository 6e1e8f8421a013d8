/** How Option C is talked about: the card's and thread's words, and the advice when Step 3 needs a hand. */
import type { Rollback } from '../../../../../src/domain/rollback';
import { githubActionsWords } from '../../../../../src/runbook/strategies/github-actions/words';
import { WHOLE_ENVIRONMENT_NO_TARGET } from '../../../../../src/runbook/strategies/strategy-words';
import { approvedEvents, draftRollback, rollbackAfter } from '../../../../support/fakes';

const AT = '2026-12-01T10:00:00.000Z';
const approved: Rollback = rollbackAfter(draftRollback(AT), approvedEvents(AT));
const started = { kind: 'workflow' as const, runId: 7, url: 'https://github.com/acme/shop/actions/runs/7' };

describe("GitHub Actions' words", () => {
  it('names GitHub Actions, reads versions from /health, and has no earlier version of its own', () => {
    expect(githubActionsWords.words).toMatchObject({
      option: 'GitHub Actions',
      versions: 'Deployed version (/health)',
    });
    expect(githubActionsWords.words.noTarget).toBe(WHOLE_ENVIRONMENT_NO_TARGET);
  });

  it('links the run it dispatched (a link piece slack/blocks draws); nothing for another kind', () => {
    expect(githubActionsWords.deploymentStarted?.(started)).toEqual([
      ':rocket: Workflow run ',
      { url: 'https://github.com/acme/shop/actions/runs/7', label: '#7' },
      ' dispatched; following it to its conclusion.',
    ]);
    expect(githubActionsWords.deploymentStarted?.({ kind: 'docker', services: [] })).toBeNull();
  });

  it('to finish by hand, points at the run once dispatched, and names the environment and version to dispatch', () => {
    expect(githubActionsWords.manualRecovery({ ...approved, deployment: started }, [])).toEqual([
      "• Open the workflow run (https://github.com/acme/shop/actions/runs/7) for the failed job's logs.",
      '• To finish by hand (runbook Step 3, Option C): Actions → the workflow → *Run workflow* with environment `production` and version `v1`; or Option A / B.',
    ]);
    expect(githubActionsWords.manualRecovery(approved, [])[0]).toBe(
      "• Open the workflow run for the failed job's logs.",
    );
  });

  it('after an interruption or a failed check, says the run is in GitHub and what it reported', () => {
    expect(githubActionsWords.interruptedNextSteps(approved)).toContain('(the workflow runs in GitHub)');
    expect(githubActionsWords.verifyFailedState(approved)).toBe(
      'the GitHub Actions reported success for `v1`, but the checks did not pass.',
    );
  });
});
