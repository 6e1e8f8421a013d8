/** Option B's section (`docker:`): its one setting, filled when the section is left out, and what it refuses. */
import { dockerConfig } from '../../../../src/config/strategies/docker.config';

const messages = (input: unknown): string[] =>
  dockerConfig.schema.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];

describe('the docker section', () => {
  it("waits five minutes for Swarm when the section or the setting is left out (Docker's section is never required)", () => {
    expect(dockerConfig.schema.parse(undefined)).toEqual({ convergence_timeout_ms: 300_000 });
    expect(dockerConfig.schema.parse({})).toEqual({ convergence_timeout_ms: 300_000 });
    expect(dockerConfig.schema.parse({ convergence_timeout_ms: 60_000 })).toEqual({ convergence_timeout_ms: 60_000 });
    expect(dockerConfig).not.toHaveProperty('required');
  });

  it('takes whole milliseconds between one second and an hour, and no other key', () => {
    for (const ok of [1000, 3_600_000]) expect(messages({ convergence_timeout_ms: ok })).toEqual([]);
    for (const bad of [999, 3_600_001, 1500.5, '300000'])
      expect(messages({ convergence_timeout_ms: bad })).toEqual([expect.stringMatching(/^convergence_timeout_ms: /)]);
    expect(messages({ convergence_timeout: 5000 })).toEqual([expect.stringContaining('convergence_timeout')]);
  });

  it("rolls back the environment's services one by one, and reads migrations from the images' labels", () => {
    expect(dockerConfig).toMatchObject({
      key: 'docker',
      perService: true,
      imageLabels: true,
      deployer: 'Docker Swarm',
    });
  });
});
