/** How Option A (the deploy script) is talked about: on the card, in the thread, and when Step 3 needs a hand. */
import { type StrategyTexts, WHOLE_ENVIRONMENT_NO_TARGET } from '../strategy-words';

export const scriptWords: StrategyTexts = {
  words: {
    option: 'deploy script',
    versions: 'Deployed version (/health)',
    ready: 'The deploy script is there and executable.',
    inspecting: 'what /health reports and whether the deploy script can run',
    reportsNow: 'What /health reports now',
    noTarget: WHOLE_ENVIRONMENT_NO_TARGET,
  },

  manualRecovery(r) {
    const d = r.deployment?.kind === 'script' ? r.deployment : null;
    return [
      `• Read the deploy script's output${d ? ` (${d.outputFile})` : ''} for what it did and did not do.`,
      `• To finish by hand (runbook Step 3, Option A): ${d ? `\`${d.commandLine}\`` : `the deploy script with \`--rollback --env ${r.environment} --version ${r.target}\``}, or Option B / C.`,
    ];
  },

  interruptedNextSteps() {
    return "find out what Step 3 did (the deploy script's output), bring the environment to one known version, then verify (Step 4) or start a new rollback.";
  },

  verifyFailedState(r) {
    return `the deploy script reported success for \`${r.target}\`, but the checks did not pass.`;
  },

  deploymentStarted(d) {
    if (d.kind !== 'script') return null;
    return [`:gear: Deploy script started (pid ${d.pid}): \`${d.commandLine}\`\nFull output: \`${d.outputFile}\``];
  },
};
