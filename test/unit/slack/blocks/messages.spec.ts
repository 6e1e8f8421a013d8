/** The ephemeral answers (help, status) and the reminders: what people read outside the card. */
import { type Rollback } from '../../../../src/domain/rollback';
import {
  announcementMrkdwn,
  cardLink,
  helpMessage,
  historyMessage,
  plainEphemeral,
  platformTeamAlert,
  reminderText,
  reportsAlertMessage,
  statusMessage,
  timelineMessage,
} from '../../../../src/slack/blocks/messages';
import { ACTION } from '../../../../src/slack/ids';
import { NO_MENTIONS } from '../../../../src/slack/blocks/thread';
import { mentionsOf } from '../../../../src/slack/mentions';
import { AT, awaiting } from '../../../support/rollback-fixtures';

describe('ephemeral messages', () => {
  it('help lists the grammar and the environments', () => {
    const help = helpMessage(['production', 'staging']);
    expect(help.response_type).toBe('ephemeral');
    // Escaped: Slack would read <environment> as a link and show "environment".
    expect(help.text).toContain('`/rollback &lt;environment&gt; [to &lt;version&gt;] [reason…]`');
    expect(help.text).toContain('`production`, `staging`');
  });

  it('status links each rollback to its card', () => {
    const s = statusMessage({
      active: [{ ...awaiting, card: { channel: 'C0INCIDENT', ts: '1700000000.000100' } }],
      recent: [],
    });
    expect(s.text).toContain('<https://slack.com/archives/C0INCIDENT/p1700000000000100|rb-abc123>');
    expect(s.text).toContain('None yet.');
  });

  it('says which replica drives each rollback in progress', () => {
    const s = statusMessage({
      active: [awaiting, { ...awaiting, id: 'rb-other', environment: 'staging' }],
      recent: [],
      drivers: new Map([['rb-abc123', 'bot-<2>']]),
    });
    const [first, second] = s.text.split('\n').filter((l) => l.startsWith('• '));
    expect(first).toMatch(/ · driven by `bot-&lt;2&gt;`$/);
    expect(second).not.toContain('driven by');
  });
});

describe('reminderText', () => {
  it('a post-mortem reminder mentions the incident commander who scheduled it once', () => {
    const text = reminderText(
      { kind: 'post_mortem', rollbackId: 'rb-1', environment: 'production', hours: 24, by: 'U0IC' },
      {
        ...NO_MENTIONS,
        actor: '<@U0IC>',
        incidentCommanders: mentionsOf({ users: ['U0IC', 'U0IC2'], usergroups: ['S0ICS'] }),
      },
    );
    expect(text.endsWith(' <@U0IC> <@U0IC2> <!subteam^S0ICS>')).toBe(true);
    expect(text.match(/<@U0IC>/g)).toHaveLength(1);
  });
});

describe('plain text and links', () => {
  it('shows a refusal as written, never as markup', () => {
    expect(plainEphemeral('use <version> & *bold*', ' <#C1>')).toEqual({
      response_type: 'ephemeral',
      text: 'use &lt;version&gt; &amp; *bold* <#C1>',
    });
  });

  it('turns only the announcement’s leading @channel into a real mention', () => {
    expect(announcementMrkdwn('@channel ROLLBACK <now>')).toBe('<!channel> ROLLBACK &lt;now&gt;');
    expect(announcementMrkdwn('Reason: @channel <!here>')).toBe('Reason: @channel &lt;!here&gt;');
  });

  it('links the card when there is one, and says its label otherwise', () => {
    expect(cardLink({ channel: 'C0INCIDENT', ts: '1700000000.000100' }, 'rb-1')).toBe(
      '<https://slack.com/archives/C0INCIDENT/p1700000000000100|rb-1>',
    );
    expect(cardLink(null)).toBe('the card');
  });
});

describe('historyMessage and timelineMessage', () => {
  it('lists finished rollbacks, or says there is none', () => {
    expect(historyMessage('production', []).text).toBe(
      '*Deployment log — production* (finished rollbacks, newest first)\nNo finished rollback yet.\n\n`/rollback timeline <id>` gives one as Markdown for the post-mortem.',
    );
    const done = { ...awaiting, status: 'completed' as const };
    expect(historyMessage(null, [done]).text).toContain('• *production* → `v1` — ');
  });

  it('keeps the timeline’s Markdown in a code block, escaped', () => {
    expect(timelineMessage('# rb-1 <x>').text).toBe('```\n# rb-1 &lt;x&gt;\n```');
  });
});

describe('reportsAlertMessage and platformTeamAlert', () => {
  it('alerts with the reports quoted on one line each, who to call, and a button that starts a request', () => {
    const m = reportsAlertMessage({
      environment: 'production',
      reporters: ['U1', 'U2', 'U3'],
      reports: ['checkout\nfails', '<b>500</b>'],
      windowMinutes: 30,
      mentions: { ...NO_MENTIONS, onCall: '<@U0ONCALL>' },
    });
    expect(m.text).toBe(
      ':loudspeaker: *Evaluate, likely rollback* — 3 people reported problems with *production* in the last 30 min (<@U1>, <@U2>, <@U3>).\n> checkout fails\n> &lt;b&gt;500&lt;/b&gt;\n<@U0ONCALL>',
    );
    expect(m.blocks[1]).toMatchObject({
      type: 'actions',
      elements: [{ action_id: ACTION.requestFromReports, value: 'production' }],
    });
  });

  it('tells the platform team of an infrastructure error, linking the card', () => {
    const failed = {
      ...awaiting,
      card: { channel: 'C0INCIDENT', ts: '1.2' },
      failure: { step: 'execute', reason: 'docker <down>' },
    } as Rollback;
    expect(platformTeamAlert(failed, { ...NO_MENTIONS, platformTeam: '<!subteam^SPLAT>' })).toBe(
      ':construction: Tooling or infrastructure error during <https://slack.com/archives/C0INCIDENT/p12|rollback rb-abc123> of *production*: docker &lt;down&gt; <!subteam^SPLAT>',
    );
  });

  it('an RCA reminder says when it is due', () => {
    expect(
      reminderText(
        { kind: 'rca_due', rollbackId: 'rb-1', environment: 'production', due: AT },
        { ...NO_MENTIONS, actor: '<@U0IC>' },
      ),
    ).toMatch(
      /^:memo: Reminder: the RCA for rollback rb-1 of production is due within the hour \(by <!date\^.*\)\. <@U0IC>$/,
    );
  });
});
