/** Option C's section (`github_actions:`): the workflow it dispatches, its defaults, and what it refuses. */
import { githubActionsConfig } from '../../../../src/config/strategies/github-actions.config';

const MINIMAL = { repo: 'acme/shop', token: 'ghp_abc', workflow: 'ci-cd.yml' };
const messages = (input: unknown): string[] =>
  githubActionsConfig.schema.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];

describe('the github_actions section', () => {
  it('fills the ref, the input names, the polling and the request time limit', () => {
    expect(githubActionsConfig.schema.parse(MINIMAL)).toEqual({
      ...MINIMAL,
      api_url: 'https://api.github.com',
      ref: 'main',
      inputs: { environment: 'environment', version: 'version' },
      extra_inputs: {},
      poll_interval_ms: 5000,
      request_timeout_ms: 10_000,
    });
    // Step 3's budget applies unless it has its own limit; the actor is asked of GitHub unless named.
    expect(githubActionsConfig.schema.parse(MINIMAL)).not.toHaveProperty('timeout_ms');
    expect(githubActionsConfig.schema.parse({ ...MINIMAL, inputs: { version: 'tag' } })?.inputs).toEqual({
      environment: 'environment',
      version: 'tag',
    });
  });

  it('names the workflow by its file name or its numeric id, and says so otherwise', () => {
    for (const ok of ['ci-cd.yml', 'Deploy_prod.yaml', '12345678'])
      expect(messages({ ...MINIMAL, workflow: ok })).toEqual([]);
    for (const bad of ['CI/CD Pipeline', 'ci-cd', '.github/workflows/ci-cd.yml'])
      expect(messages({ ...MINIMAL, workflow: bad })).toEqual([
        'workflow: a workflow file name such as ci-cd.yml, or its numeric id',
      ]);
  });

  it('refuses a repository that is not owner/name, a missing token or workflow, and unknown keys', () => {
    expect(messages({ ...MINIMAL, repo: 'shop' })).toEqual(['repo: owner/name']);
    expect(messages({ repo: 'acme/shop' }).map((m) => m.split(':')[0])).toEqual(['token', 'workflow']);
    expect(messages({ ...MINIMAL, inputs: { env: 'environment' } })).toEqual([expect.stringMatching(/^inputs: .*env/)]);
    expect(messages({ ...MINIMAL, poll_interval_ms: 100 })).toEqual([expect.stringMatching(/^poll_interval_ms: /)]);
    expect(messages({ ...MINIMAL, request_timeout_ms: 60_001 })).toEqual([
      expect.stringMatching(/^request_timeout_ms: /),
    ]);
  });

  it('is required of an environment that chooses it, saying what goes in it; it deploys the environment as a whole', () => {
    expect(githubActionsConfig.schema.parse(undefined)).toBeUndefined();
    expect(githubActionsConfig.required).toBe(
      'strategy github-actions needs github_actions: { repo, token, workflow }',
    );
    expect(githubActionsConfig).toMatchObject({ key: 'github_actions', perService: false, imageLabels: false });
  });
});
