/** Option A's section (`script:`): the runbook's command line by default, and the check of its placeholders. */
import type { ConfigIssue } from '../../../../src/config/primitives';
import { SCRIPT_PLACEHOLDERS, scriptConfig } from '../../../../src/config/strategies/script.config';

const messages = (input: unknown): string[] =>
  scriptConfig.schema.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];

/** What the check reports about a section, as `path: message` lines. */
function checked(args: string[]): string[] {
  const found: string[] = [];
  const issue: ConfigIssue = (path, message) => found.push(`${path.join('.')}: ${message}`);
  scriptConfig.check(scriptConfig.schema.parse({ command: './deploy.sh', args }), issue);
  return found;
}

describe('the script section', () => {
  it("fills the runbook's command line, the output folder and the intervals", () => {
    expect(scriptConfig.schema.parse({ command: './deploy.sh' })).toEqual({
      command: './deploy.sh',
      args: ['--rollback', '--env', '{environment}', '--version', '{version}', '--output-dir', '{output_dir}'],
      env: {},
      kill_grace_ms: 5000,
      output_root: './rollback-results',
      output_interval_ms: 10_000,
    });
  });

  it('needs a command, takes only environment variable names in env, and no unknown key', () => {
    expect(messages({ args: [] })).toEqual([expect.stringMatching(/^command: /)]);
    expect(messages({ command: '' })).toEqual([expect.stringMatching(/^command: /)]);
    // zod words a bad record key as such, and carries the section's own reason inside.
    const badKey = scriptConfig.schema.safeParse({ command: './deploy.sh', env: { 'DEPLOY-REGION': 'eu' } }).error;
    expect(badKey?.issues).toEqual([
      expect.objectContaining({
        path: ['env', 'DEPLOY-REGION'],
        issues: [expect.objectContaining({ message: 'an environment variable name' })],
      }),
    ]);
    expect(messages({ command: './deploy.sh', env: { DEPLOY_REGION: 'eu', _X1: 'y' } })).toEqual([]);
    expect(messages({ command: './deploy.sh', output_interval_ms: 100 })).toEqual([
      expect.stringMatching(/^output_interval_ms: /),
    ]);
    expect(messages({ command: './deploy.sh', shell: true })).toEqual([expect.stringContaining('shell')]);
  });

  it('names each argument with a placeholder the runbook does not fill, and the ones it does', () => {
    expect(checked(['--env', '{environment}', '--version', '{version}', '{output_dir}', 'id={rollback_id}'])).toEqual(
      [],
    );
    expect(checked(['--version', '{verison}', '{env}-{version}-{x}'])).toEqual([
      `script.args.1: unknown placeholder {verison} (known: ${SCRIPT_PLACEHOLDERS.join(', ')})`,
      'script.args.2: unknown placeholder {env}, {x} (known: {environment}, {version}, {output_dir}, {rollback_id})',
    ]);
    // Braces without a name are a placeholder nobody fills either; text without braces is a plain argument.
    expect(checked(['{}', 'version'])).toEqual([expect.stringMatching(/^script\.args\.0: unknown placeholder \{\} /)]);
  });

  it('checks nothing when the environment has no script section (the requirement says what is missing)', () => {
    const found: string[] = [];
    scriptConfig.check(undefined, (_p, m) => found.push(m));
    expect(found).toEqual([]);
    expect(scriptConfig.required).toBe('strategy script needs a script: { command, args }');
    expect(scriptConfig).toMatchObject({ key: 'script', perService: false, deployer: 'deploy script' });
  });
});
