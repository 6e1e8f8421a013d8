/** How Slack writes mentions of users and user groups, and several roles' mentions as one. */
import { joinMentions, mentionsOf } from '../../../src/slack/mentions';

describe('mentionsOf', () => {
  it('mentions users and user groups the way Slack expects', () => {
    expect(mentionsOf({ users: ['U0IC'], usergroups: ['S0ICS'] })).toBe('<@U0IC> <!subteam^S0ICS>');
    expect(mentionsOf({ users: [], usergroups: [] })).toBe('');
  });
});

describe('joinMentions', () => {
  it('names each person or group once, whoever they are mentioned as, and skips empty roles', () => {
    expect(joinMentions('<@U0IC>', undefined, '<@U0IC> <!subteam^S0ICS>', '', '<@U0ONCALL>')).toBe(
      '<@U0IC> <!subteam^S0ICS> <@U0ONCALL>',
    );
    expect(joinMentions()).toBe('');
  });
});
