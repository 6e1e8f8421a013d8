/** How the release switch is talked about: on the card, in the thread, and when Step 3 needs a hand. */
import type { StrategyTexts } from '../../../../src/runbook/strategies/words';

export const releaseSwitchWords: StrategyTexts = {
  words: {
    option: 'Release switch',
    versions: 'Versions behind the release switch',
    ready: 'The release switch answers and can serve the target.',
    inspecting: 'which version the release switch serves',
    reportsNow: 'What the release switch serves now',
    noTarget: 'the release switch keeps no earlier version',
  },
  manualRecovery(r) {
    return [`• Point the switch at \`${r.target}\` by hand in the release service's console.`];
  },
  interruptedNextSteps() {
    return 'ask the release service which version the switch serves, then verify (Step 4) or start a new rollback.';
  },
  verifyFailedState(r) {
    return `the release switch serves \`${r.target}\`, but the checks did not pass.`;
  },
};
