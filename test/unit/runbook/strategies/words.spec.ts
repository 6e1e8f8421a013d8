/**
 * The words-only registry the card and thread read: the three shipped strategies' words, one added at run time, and
 * no name that is not registered (not even Object.prototype's).
 */
import { dockerWords } from '../../../../src/runbook/strategies/docker/words';
import { githubActionsWords } from '../../../../src/runbook/strategies/github-actions/words';
import { scriptWords } from '../../../../src/runbook/strategies/script/words';
import {
  registerStrategyWords,
  STRATEGY_WORDS,
  type StrategyTexts,
  wordsFor,
  wordsOf,
} from '../../../../src/runbook/strategies/words';

const canaryWords: StrategyTexts = {
  words: {
    option: 'canary release',
    versions: 'Versions behind the canary',
    ready: 'The canary controller answers.',
    inspecting: 'which version the canary serves',
    reportsNow: 'What the canary controller reports now',
    noTarget: 'the canary controller keeps no earlier version',
  },
  manualRecovery: () => ['• Shift the weight back by hand.'],
  interruptedNextSteps: () => 'look at the canary controller.',
  verifyFailedState: (r) => `the canary serves \`${r.target}\`, but the checks did not pass.`,
};

describe('the words registry', () => {
  it("holds the shipped strategies' words under their names", () => {
    expect(wordsOf('script')).toBe(scriptWords);
    expect(wordsOf('docker')).toBe(dockerWords);
    expect(wordsOf('github-actions')).toBe(githubActionsWords);
    expect(Object.keys(STRATEGY_WORDS)).toEqual(['script', 'docker', 'github-actions']);
  });

  it("finds a rollback's strategy's words; one stored before strategies had names speaks Docker's", () => {
    expect(wordsFor({ strategy: 'github-actions' })).toBe(githubActionsWords);
    expect(wordsFor({})).toBe(dockerWords);
  });

  it('adds a strategy’s words; the same again is harmless, other words under a taken name are refused', () => {
    expect(() => wordsOf('canary')).toThrow('no strategy named "canary" is registered');
    registerStrategyWords('canary', canaryWords);
    expect(wordsOf('canary')).toBe(canaryWords);
    expect(wordsFor({ strategy: 'canary' }).words.option).toBe('canary release');
    registerStrategyWords('canary', canaryWords);
    expect(() => registerStrategyWords('canary', { ...canaryWords })).toThrow(
      'a strategy named "canary" already has its words',
    );
    expect(() => registerStrategyWords('docker', canaryWords)).toThrow(
      'a strategy named "docker" already has its words',
    );
    expect(wordsOf('docker')).toBe(dockerWords);
  });

  it("names no strategy that is not registered, not even one of Object.prototype's names", () => {
    for (const name of ['kubernetes', 'toString', 'constructor', '__proto__'])
      expect(() => wordsOf(name)).toThrow(TypeError);
  });
});
