/** How Option C (a GitHub Actions workflow) is talked about: on the card, in the thread, and when Step 3 needs a hand. */
import { type StrategyTexts, WHOLE_ENVIRONMENT_NO_TARGET } from '../strategy-words';

export const githubActionsWords: StrategyTexts = {
  words: {
    option: 'GitHub Actions',
    versions: 'Deployed version (/health)',
    ready: 'The workflow is there and active.',
    inspecting: 'what /health reports and whether the workflow can be dispatched',
    reportsNow: 'What /health reports now',
    noTarget: WHOLE_ENVIRONMENT_NO_TARGET,
  },

  manualRecovery(r) {
    return [
      `• Open the workflow run${r.deployment?.kind === 'workflow' ? ` (${r.deployment.url})` : ''} for the failed job's logs.`,
      `• To finish by hand (runbook Step 3, Option C): Actions → the workflow → *Run workflow* with environment \`${r.environment}\` and version \`${r.target}\`; or Option A / B.`,
    ];
  },

  interruptedNextSteps() {
    return 'find out what Step 3 did (the workflow runs in GitHub), bring the environment to one known version, then verify (Step 4) or start a new rollback.';
  },

  verifyFailedState(r) {
    return `the GitHub Actions reported success for \`${r.target}\`, but the checks did not pass.`;
  },

  deploymentStarted(d) {
    if (d.kind !== 'workflow') return null;
    return [
      ':rocket: Workflow run ',
      { url: d.url, label: `#${d.runId}` },
      ' dispatched; following it to its conclusion.',
    ];
  },
};
