/** The roster writes the audience the runbook chose, as the config names each team; it decides nothing. */
import { SlackRoster } from '../../../../src/adapters/slack/slack.roster';
import { unitConfig } from '../../../support/fakes';

const config = unitConfig(
  {},
  {
    roles: {
      incident_commanders: { users: ['U0IC'], usergroups: ['S0ICS'] },
      on_call: { users: ['U0ONCALL'] },
      dba: { users: ['U0DBA'] },
      platform_team: { users: ['U0PLATFORM'], channel: 'C0PLATFORM' },
    },
  },
);

it('mentions the teams and people of the audience, and leaves everyone else out', () => {
  const roster = new SlackRoster(config);
  expect(roster.mentions('production', { teams: ['on_call', 'incident_commanders'], requester: 'U0ASKER' })).toEqual({
    requester: '<@U0ASKER>',
    actor: '',
    incidentCommanders: '<@U0IC> <!subteam^S0ICS>',
    onCall: '<@U0ONCALL>',
    dba: '',
    platformTeam: '',
  });
  expect(roster.mentions('production', { teams: ['dba', 'platform_team'], actor: 'U0ME' })).toEqual({
    requester: '',
    actor: '<@U0ME>',
    incidentCommanders: '',
    onCall: '',
    dba: '<@U0DBA>',
    platformTeam: '<@U0PLATFORM>',
  });
  expect(Object.values(roster.mentions('production', { teams: [] })).join('')).toBe('');
  expect(roster.platformChannel).toBe('C0PLATFORM');
});

it('mentions an environment’s own incident commanders there, and the global ones elsewhere', () => {
  const roster = new SlackRoster(unitConfig({ incident_commanders: { users: ['U0PRODIC'] } }, { roles: config.roles }));
  expect(roster.mentions('production', { teams: ['incident_commanders'] }).incidentCommanders).toBe('<@U0PRODIC>');
  expect(roster.mentions('staging', { teams: ['incident_commanders'] }).incidentCommanders).toBe(
    '<@U0IC> <!subteam^S0ICS>',
  );
  expect(new SlackRoster(unitConfig()).platformChannel).toBeNull();
});
