/** A hands-on change in plain words: by what, and what moved (version, replicas). */
import { changeWords, type HandsOnChange, howWords } from '../../../src/domain/facts';

const change = (over: Partial<HandsOnChange> = {}): HandsOnChange => ({
  service: 'backend',
  dockerService: 'demo-backend',
  from: 'v2',
  to: 'v9',
  ...over,
});

describe('howWords', () => {
  it('names an update, a rollback and a scale, and nothing when it was not recorded', () => {
    expect(howWords(change({ how: 'update' }))).toBe('by an update');
    expect(howWords(change({ how: 'rollback' }))).toBe(
      'by a rollback (`docker service rollback`, or Swarm undoing an update)',
    );
    expect(howWords(change({ how: 'scale' }))).toBe('by a scale');
    expect(howWords(change())).toBe('');
  });
});

describe('changeWords', () => {
  it('says the version change and by what', () => {
    expect(changeWords(change({ how: 'update' }))).toBe('backend v2 → v9 (by an update)');
    expect(changeWords(change({ from: null, to: null }))).toBe('backend unknown → unknown');
  });

  it('says a scale as replicas, with the version it runs', () => {
    expect(changeWords(change({ from: 'v2', to: 'v2', how: 'scale', replicas: { from: 2, to: 5 } }))).toBe(
      'backend scaled 2 → 5 replicas (v2)',
    );
    expect(changeWords(change({ how: 'update', replicas: { from: 2, to: 3 } }))).toBe(
      'backend v2 → v9, 2 → 3 replicas (by an update)',
    );
  });
});
