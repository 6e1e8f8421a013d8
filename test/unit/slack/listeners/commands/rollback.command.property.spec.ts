/**
 * The slash command's listener against 10,000 random and adversarial texts: each is acked first, parsed as typed,
 * and either handed to exactly one use case with what the grammar read, or answered with the usage message, escaped;
 * a rejected text reaches no use case. (The whole HTTP path, with a real store, is fuzzed in bad-input.faults.)
 */
import fc from 'fast-check';
import { esc, unescapeSlack } from '../../../../../src/slack/escape';
import { parseCommand } from '../../../../../src/slack/grammar';
import { rollbackCommand } from '../../../../../src/slack/listeners/commands/rollback.command';
import { commandTexts } from '../../../../support/command-inputs';
import { boltArgs, fakeDeps, refused } from '../../../../support/listener-fakes';

const USER = 'U0ONCALL';
const CHANNEL = 'C0INCIDENT';

describe('/rollback with any text', () => {
  it('hands each parsed command to one use case, and answers a rejected one with the usage, escaped', async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(commandTexts, async (text) => {
        const { deps, rec } = fakeDeps(refused('<!here> no'));
        const opened: unknown[] = [];
        const client = { views: { open: async (v: unknown) => void opened.push(v) } };
        await rollbackCommand(deps).handler(
          boltArgs(rec, {}, { command: { text, user_id: USER, channel_id: CHANNEL, trigger_id: 't' }, client }),
        );
        const expected = parseCommand(unescapeSlack(text));
        seen.set(expected.kind, (seen.get(expected.kind) ?? 0) + 1);
        const answer = String(rec.responses[0]?.text ?? '');
        expect(rec.calls[0]).toBe('ack');
        switch (expected.kind) {
          case 'invalid':
            expect(rec.calls).toEqual(['ack', 'respond']);
            expect(answer).toBe(esc(expected.message));
            // Whatever was typed is shown, never obeyed: no mention, link or channel reference survives.
            expect(answer).not.toContain('<');
            break;
          case 'help':
            expect(rec.calls).toEqual(['ack', 'respond']);
            expect(answer).toContain('/rollback &lt;environment&gt;');
            break;
          case 'form':
            expect(rec.calls).toEqual(['ack', 'service.proposalFor']);
            expect(opened).toHaveLength(1);
            break;
          case 'report':
            expect(rec.calls).toEqual(['ack', 'service.report', 'respond']);
            expect(rec.args[1][0]).toEqual({ environment: expected.environment, text: expected.text, userId: USER });
            break;
          case 'status':
            expect(rec.calls).toEqual(['ack', 'service.status', 'respond']);
            break;
          case 'history':
            expect(rec.calls).toEqual(['ack', 'service.history', 'respond']);
            expect(rec.args[1][0]).toBe(expected.environment);
            break;
          case 'timeline':
            expect(rec.calls).toEqual(['ack', 'service.timeline', 'respond']);
            expect(rec.args[1][0]).toBe(expected.id);
            break;
          case 'rollback':
            expect(rec.calls).toEqual(['ack', 'service.request', 'respond']);
            expect(rec.args[1][0]).toEqual({ ...expected, userId: USER, channelId: CHANNEL });
            // The refusal is the runbook's text, escaped.
            expect(answer).toBe('&lt;!here&gt; no');
            break;
        }
      }),
      { numRuns: 10_000, seed: 20261201 },
    );
    // The generator really exercised each path.
    expect(seen.get('invalid')).toBeGreaterThan(1000);
    expect(seen.get('rollback')).toBeGreaterThan(1000);
    expect(seen.get('help')).toBeGreaterThan(0);
    expect(seen.get('status')).toBeGreaterThan(0);
  }, 180_000); // 10,000 runs: about 20 s alone, over a minute beside the e2e suites on two cores
});
