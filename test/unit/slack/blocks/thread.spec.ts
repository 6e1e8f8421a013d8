/** What the thread says for each event: here an execution failure with its next steps, and the silence for a posted card. */
import {
  deployRefusalSummary,
  factText,
  NO_MENTIONS,
  progressText,
  refusalSummary,
} from '../../../../src/slack/blocks/thread';
import { mentionsOf } from '../../../../src/slack/mentions';
import { AT, awaiting } from '../../../support/rollback-fixtures';

describe('thread updates', () => {
  const m = {
    ...NO_MENTIONS,
    incidentCommanders: mentionsOf({ users: ['U0IC'], usergroups: ['S0ICS'] }),
    onCall: mentionsOf({ users: ['U0ONCALL'], usergroups: [] }),
  };

  it('on an execution failure: what failed, each service state, next steps, and who to call', () => {
    const text = progressText(
      { ...awaiting, status: 'failed' },
      {
        type: 'ExecutionFailed',
        at: AT,
        reason: 'Partial rollback',
        results: [
          {
            service: 'backend',
            dockerService: 'app-backend',
            outcome: 'rolled_back',
            fromVersion: 'v2',
            toVersion: 'v1',
            runningVersion: 'v1',
          },
          {
            service: 'frontend',
            dockerService: 'app-frontend',
            outcome: 'failed',
            fromVersion: 'v2',
            toVersion: 'v1',
            runningVersion: 'v2',
            detail: 'Swarm paused the update',
          },
        ],
      },
      m,
    );
    expect(text).toBe(
      [
        ':x: *Step 3 — Execute the rollback (Docker Swarm) failed:* Partial rollback',
        '*State of each service:*',
        '• backend (`app-backend`): `v2` → `v1` :white_check_mark:',
        '• frontend (`app-frontend`): :x: Swarm paused the update — now runs `v2`',
        '*Next steps:*',
        '• Look at the services: `docker service ps &lt;service&gt;`, `docker service inspect --pretty &lt;service&gt;`.',
        '• To finish by hand (runbook Step 3, Option B): `docker service update --image &lt;image&gt;:v1 app-frontend`.',
        '• Do not start another rollback until every service is in a known state.',
        ':no_entry: *The deploy gate of production stays shut* until an incident commander clears the mark (`/rollback unlock production [reason]`), and no version this rollback moved away from is proposed until then.',
        '<@U0IC> <!subteam^S0ICS> <@U0ONCALL>',
      ].join('\n'),
    );
  });

  it('says nothing in the thread for the card being posted', () => {
    expect(progressText(awaiting, { type: 'CardPosted', at: AT, card: { channel: 'C', ts: '1.1' } }, m)).toBeNull();
  });
});

describe('refusalSummary', () => {
  it('sums up refused clicks and requests in one line each, counted, escaped, with when they came', () => {
    const refused = (at: string, by: string, why: string) =>
      ({ type: 'ApprovalRefused', at, by, action: 'approve', why }) as const;
    const text = refusalSummary([
      refused('2026-11-26T10:00:01.000Z', 'U1', 'not an incident commander'),
      refused('2026-11-26T10:00:09.000Z', 'U1', 'not an incident commander'),
      { type: 'RequestRefused', at: '2026-11-26T10:00:30.000Z', by: 'U2', why: 'rollback rb-1 is <busy>' },
    ]);
    expect(text.split('\n')).toEqual([
      expect.stringMatching(
        /^:no_entry: Turned away \(3\) between <!date\^\d+\^.*> and <!date\^\d+\^.*>, each told why in private:$/,
      ),
      '• <@U1> tried to approve this rollback (not an incident commander) ×2',
      '• <@U2> asked for another rollback (rollback rb-1 is &lt;busy&gt;)',
    ]);
  });

  it('keeps ten kinds and says how many more', () => {
    const many = Array.from({ length: 12 }, (_, i) => ({
      type: 'ApprovalRefused' as const,
      at: AT,
      by: `U${i}`,
      action: 'cancel' as const,
      why: 'no',
    }));
    const lines = refusalSummary(many).split('\n');
    expect(lines[0]).toBe(':no_entry: Turned away (12), each told why in private:');
    expect(lines).toHaveLength(12);
    expect(lines[11]).toBe('• …and 2 more');
  });
});

describe('deployRefusalSummary', () => {
  const fact = (version: string, caller: string, actor: string | null) =>
    ({ kind: 'deploy_refused', version, caller, actor, url: null }) as const;

  it('tells a single refused deploy as it is', () => {
    const one = { at: AT, fact: fact('v3', 'github-ci', 'run #1') };
    expect(deployRefusalSummary([one])).toBe(factText(one.fact));
  });

  it('sums up several by caller, with their versions and actors', () => {
    const text = deployRefusalSummary([
      { at: AT, fact: fact('v3', 'github-ci', 'run #1') },
      { at: AT, fact: fact('v3', 'github-ci', 'run #2') },
      { at: AT, fact: fact('v4', 'jenkins', null) },
    ]);
    expect(text.split('\n')).toEqual([
      ':no_entry: *3 deploys reported while deploys are locked*; the deploy gate answered 423 each time:',
      '• github-ci (run #1, run #2): `v3` ×2',
      '• jenkins: `v4` ×1',
      'If one went out anyway, production no longer runs what this rollback verified.',
    ]);
  });
});
