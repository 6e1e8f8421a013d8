/** Who is an incident commander (users and user-group members, cached briefly) and display names, against the fake Slack Web API. */
import { WebClient } from '@slack/web-api';
import { SlackDirectory } from '../../../../src/adapters/slack/slack.directory';
import { FakeSlack } from '../../../support/fake-slack';
import { unitConfig } from '../../../support/fakes';

describe('SlackDirectory', () => {
  let slack: FakeSlack;
  let client: WebClient;
  beforeEach(async () => {
    slack = new FakeSlack();
    await slack.start();
    client = new WebClient('xoxb-directory-test', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  });
  afterEach(() => slack.stop());

  const config = () =>
    unitConfig(
      { incident_commanders: { users: ['U0ENVIC'], usergroups: [] } },
      { roles: { incident_commanders: { users: ['U0IC'], usergroups: ['S0ICS'] } } },
    );

  it('counts the listed users and the members of the listed groups, and nobody else', async () => {
    slack.usergroups.set('S0ICS', ['U0MEMBER']);
    const dir = new SlackDirectory(client, config());
    expect(await dir.isIncidentCommander('U0IC')).toBe(true);
    expect(await dir.isIncidentCommander('U0MEMBER')).toBe(true);
    expect(await dir.isIncidentCommander('U0ONCALL')).toBe(false);
  });

  it('uses the environment’s own incident commanders where it names them', async () => {
    const dir = new SlackDirectory(client, config());
    expect(await dir.isIncidentCommander('U0ENVIC', 'production')).toBe(true);
    expect(await dir.isIncidentCommander('U0IC', 'production')).toBe(false);
    expect(await dir.isIncidentCommander('U0IC', 'staging')).toBe(true);
  });

  it('asks Slack for a group’s members once within the cache time, and again after it', async () => {
    slack.usergroups.set('S0ICS', ['U0MEMBER']);
    const fresh = new SlackDirectory(client, config());
    await fresh.isIncidentCommander('U0A');
    await fresh.isIncidentCommander('U0B');
    expect(slack.callsOf('usergroups.users.list')).toHaveLength(1);
    const expiring = new SlackDirectory(client, config(), 0);
    await expiring.isIncidentCommander('U0A');
    await expiring.isIncidentCommander('U0B');
    expect(slack.callsOf('usergroups.users.list')).toHaveLength(3);
  });

  it('throws a coded error when Slack refuses the group lookup (never a silent no)', async () => {
    slack.answerNext('usergroups.users.list', { ok: false, error: 'missing_scope' });
    const dir = new SlackDirectory(client, config());
    await expect(dir.isIncidentCommander('U0OTHER')).rejects.toMatchObject({ code: expect.stringMatching(/^SLACK_/) });
  });

  it('gives display names, leaving out ids it cannot read and anything that is not a user id', async () => {
    slack.answerNext('users.info', { ok: true, user: { name: 'ina', profile: { display_name: 'Ina Ito' } } });
    slack.answerNext('users.info', { ok: false, error: 'user_not_found' });
    const dir = new SlackDirectory(client, config());
    const names = await dir.displayNames(['U0IC', 'U0IC', 'U0GONE', 'not-an-id']);
    expect(slack.callsOf('users.info').map((c) => c.args.user)).toEqual(['U0IC', 'U0GONE']);
    expect([...names]).toEqual([['U0IC', 'Ina Ito']]);
    // Cached: asked again, Slack is not.
    expect([...(await dir.displayNames(['U0IC']))]).toEqual([['U0IC', 'Ina Ito']]);
    expect(slack.callsOf('users.info')).toHaveLength(2);
  });
});
