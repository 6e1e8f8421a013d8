/** Text the bot did not write is shown, never obeyed; the bot's own mentions and links still work. */
import type { Fact } from '../../../src/domain/facts';
import { newRollback } from '../../../src/domain/rollback';
import { announcementMrkdwn, reportsAlertMessage, statusMessage } from '../../../src/slack/blocks/messages';
import { deployRefusalSummary, NO_MENTIONS, progressText, refusalSummary } from '../../../src/slack/blocks/thread';
import { esc, link, unescapeSlack } from '../../../src/slack/escape';

const EVIL = '<!here> & <https://evil.example|Runbook> <!subteam^S1> <@U0X>';
const r = {
  ...newRollback({
    id: 'rb-1',
    environment: 'production',
    channel: 'C1',
    requestedBy: 'U0ONCALL',
    at: '2026-12-01T00:00:00.000Z',
    reason: EVIL,
    requestedTarget: null,
  }),
  card: { channel: 'C1', ts: '1.1' },
};

describe('escaping', () => {
  it('escapes the three control characters and nothing else', () => {
    expect(esc(EVIL)).toBe('&lt;!here&gt; &amp; &lt;https://evil.example|Runbook&gt; &lt;!subteam^S1&gt; &lt;@U0X&gt;');
    expect(esc('*bold* `code` _it_')).toBe('*bold* `code` _it_');
    expect(unescapeSlack(esc(EVIL))).toBe(EVIL);
  });

  it('writes the bot’s own links with an escaped label and an address that cannot break out', () => {
    expect(link('https://github.com/acme/shop/actions/runs/9', '#9')).toBe(
      '<https://github.com/acme/shop/actions/runs/9|#9>',
    );
    expect(link('https://x.example/a>b|c', '<!here>')).toBe('<https://x.example/a%3Eb%7Cc|&lt;!here&gt;>');
  });

  it('shows the outside text in a fact (deploy output, API errors) as text, with its link written by the bot', () => {
    const note = (fact: Fact) => progressText(r, { type: 'Note', at: r.requestedAt, fact }, NO_MENTIONS);
    expect(
      note({
        kind: 'run_unreachable',
        run: { id: 1, url: 'https://github.com/o/r/actions/runs/1' },
        error: '<!channel> & down',
      }),
    ).toBe(
      ':hourglass: GitHub is not answering about run <https://github.com/o/r/actions/runs/1|#1> (&lt;!channel&gt; &amp; down); still following it.',
    );
    expect(note({ kind: 'script_output', lines: ['<!here> ok', '```x'], skipped: 2, outputFile: '/tmp/<o>.log' })).toBe(
      ":scroll: Deploy script output:\n_(2 earlier lines not shown; all of it is in /tmp/&lt;o&gt;.log)_\n```\n&lt;!here&gt; ok\n'''x\n```",
    );
    expect(note({ kind: 'run_status', run: { id: 2, url: 'https://x.example/2' }, status: 'in_progress' })).toBe(
      ':arrows_counterclockwise: Workflow run <https://x.example/2|#2> is *in progress*.',
    );
    expect(note({ kind: 'github_untold', what: 'of this rollback', error: 'HTTP 422: No ref <!here>' })).toBe(
      ":warning: GitHub was not told of this rollback (HTTP 422: No ref &lt;!here&gt;). The rollback goes on; GitHub's deployments page may not show it.",
    );
  });

  it('escapes failure reasons and refusal reasons in the thread', () => {
    expect(
      progressText(
        r,
        { type: 'ConfirmationFailed', at: r.requestedAt, reason: 'health said <!channel>', findings: null },
        NO_MENTIONS,
      ),
    ).toContain('health said &lt;!channel&gt;');
    expect(
      refusalSummary([
        { type: 'ApprovalRefused', at: r.requestedAt, by: 'U0X', action: 'approve', why: '<!here>' },
        { type: 'ApprovalRefused', at: r.requestedAt, by: 'U0X', action: 'approve', why: '<!here>' },
      ]),
    ).toBe(
      ':no_entry: Turned away (2), each told why in private:\n• <@U0X> tried to approve this rollback (&lt;!here&gt;) ×2',
    );
  });

  it('escapes who reported the deploys refused while locked, in their summary', () => {
    const fact = (actor: string) => ({
      kind: 'deploy_refused' as const,
      version: 'v3',
      caller: 'ci <!channel>',
      actor,
      url: null,
    });
    const text = deployRefusalSummary([
      { at: '2026-12-01T10:00:00.000Z', fact: fact('run <@U0EVIL>') },
      { at: '2026-12-01T10:00:30.000Z', fact: fact('run <@U0EVIL>') },
    ]);
    expect(text).toContain('• ci &lt;!channel&gt; (run &lt;@U0EVIL&gt;): `v3` ×2');
    expect(text).not.toMatch(/<!channel>|<@U0EVIL>/);
  });

  it('keeps the runbook’s one @channel live in an announcement and escapes the rest', () => {
    expect(announcementMrkdwn('@channel ROLLBACK IN PROGRESS\nReason: <!here> & more')).toBe(
      '<!channel> ROLLBACK IN PROGRESS\nReason: &lt;!here&gt; &amp; more',
    );
    expect(announcementMrkdwn('no mention <!channel>')).toBe('no mention &lt;!channel&gt;');
  });

  it('escapes user reports in the "likely rollback" alert, keeping the bot’s mentions', () => {
    const m = reportsAlertMessage({
      environment: 'production',
      reporters: ['U1', 'U2', 'U3'],
      reports: ['<!channel> checkout broken'],
      windowMinutes: 30,
      mentions: { ...NO_MENTIONS, incidentCommanders: '<@U0IC>' },
    });
    expect(m.text).toContain('\n> &lt;!channel&gt; checkout broken');
    expect(m.text).toContain('<@U1>');
    expect(m.text).toContain('<@U0IC>');
  });

  it('shows an alert’s outside text (name, severity, summary) escaped, and links only a web address', () => {
    const alert = {
      name: 'Evil<!channel>',
      severity: '<@U0X>',
      summary: EVIL,
      startsAt: '2026-12-01T09:58:00.000Z',
      generatorUrl: 'http://prom.example/graph?g0.expr=up|x>1',
    };
    const note = (fact: Fact) => progressText(r, { type: 'Note', at: r.requestedAt, fact }, NO_MENTIONS) ?? '';
    const firing = note({ kind: 'alert_firing', alert, proposed: true });
    expect(firing).toBe(
      ':rotating_light: *Evidence — an alert fired soon after a deploy:* *Evil&lt;!channel&gt;* (&lt;@U0X&gt;): ' +
        `${esc(EVIL)} — firing since <!date^1796119080^{date_short_pretty} at {time}|1 Dec 2026 09:58 UTC> · ` +
        '<http://prom.example/graph?g0.expr=up%7Cx%3E1|source>',
    );
    const noted = note({
      kind: 'alert_firing',
      alert: { ...alert, generatorUrl: 'javascript:alert(1)' },
      proposed: false,
    });
    expect(noted).toMatch(/^:rotating_light: \*Alert firing:\* /);
    expect(noted).not.toContain('javascript');
    const resolved = note({ kind: 'alert_resolved', alert, resolvedAt: '2026-12-01T10:30:00.000Z' });
    expect(resolved).toMatch(/^:large_green_circle: \*Alert resolved:\* \*Evil&lt;!channel&gt;\*/);
    for (const text of [firing, noted, resolved]) expect(text).not.toMatch(/<!channel>|<@U0X>|<!here>/);
  });

  it('lists alerts firing in /rollback status, escaped, with the card each was told on', () => {
    const s = statusMessage({
      active: [],
      recent: [],
      alerts: [
        {
          environment: 'production',
          fingerprint: 'a1',
          name: '<!here>',
          severity: null,
          summary: null,
          startsAt: '2026-12-01T09:58:00.000Z',
          generatorUrl: null,
          status: 'firing',
          receivedAt: '2026-12-01T09:58:05.000Z',
          rollbackId: null,
          proposedAt: null,
          resolvedAt: null,
        },
        {
          environment: 'staging',
          fingerprint: 'b2',
          name: 'Latency',
          severity: 'warning',
          summary: 'p99 over 2 s',
          startsAt: '2026-12-01T09:50:00.000Z',
          generatorUrl: null,
          status: 'firing',
          receivedAt: '2026-12-01T09:58:05.000Z',
          rollbackId: 'rb-7k2m9q',
          proposedAt: null,
          resolvedAt: null,
        },
      ],
    });
    expect(s.text).toContain('*Alerts firing* (Alertmanager)\n• *production*: *&lt;!here&gt;* — firing since');
    expect(s.text).toContain('· kept, no card');
    expect(s.text).toContain('• *staging*: *Latency* (warning): p99 over 2 s — firing since');
    expect(s.text).toContain('· told on `rb-7k2m9q`');
    expect(s.text).not.toContain('<!here>');
    expect(statusMessage({ active: [], recent: [], alerts: [] }).text).not.toContain('Alerts firing');
  });
});
