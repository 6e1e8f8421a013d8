/** The slash command: ack first; the text parsed as typed (Slack sends it escaped); every answer private and escaped. */
import { rollbackCommand } from '../../../../../src/slack/listeners/commands/rollback.command';
import type { Rollback } from '../../../../../src/domain/rollback';
import { boltArgs, fakeDeps, refused } from '../../../../support/listener-fakes';

const command = (text: string) => ({ text, user_id: 'U0ONCALL', channel_id: 'C0INCIDENT', trigger_id: 't1' });
const run = async (text: string, outcome = refused('nope')) => {
  const { deps, rec } = fakeDeps(outcome);
  await rollbackCommand(deps).handler(boltArgs(rec, {}, { command: command(text), client: {} }));
  return rec;
};

describe('/rollback', () => {
  it('requests a rollback with what the user typed', async () => {
    const rec = await run('production to v1 checkout &lt;!here&gt; &amp; cart');
    expect(rec.calls).toEqual(['ack', 'service.request', 'respond']);
    expect(rec.args[1][0]).toEqual({
      kind: 'rollback',
      environment: 'production',
      target: 'v1',
      reason: 'checkout <!here> & cart',
      dryRun: false,
      userId: 'U0ONCALL',
      channelId: 'C0INCIDENT',
    });
  });

  it('answers a request with where its card is, in words that stay true while the card moves on', async () => {
    const rollback = {
      id: 'rb-1',
      environment: 'production',
      channel: 'C0INCIDENT',
      dryRun: false,
      card: { channel: 'C0INCIDENT', ts: '1700000000.000100' },
    } as Rollback;
    const rec = await run('production', { kind: 'ok', rollback });
    const text = String(rec.responses[0].text);
    // The answer stays under the card; by the time it is read Step 1 may be long done.
    expect(text).not.toContain('Step 1 is running');
    expect(text).toContain('Rollback `rb-1` of *production* requested: ');
    expect(text).toContain(
      'in <#C0INCIDENT> shows each step as it happens, and an incident commander approves it there.',
    );
  });

  it('answers a refusal escaped, with the channel to use linked by the bot', async () => {
    const rec = await run('production x', { kind: 'refused', message: 'Use <the> channel:', channel: 'C0INCIDENT' });
    expect(rec.responses[0]).toMatchObject({
      response_type: 'ephemeral',
      text: 'Use &lt;the&gt; channel: <#C0INCIDENT>',
    });
  });

  it('answers help and bad input with escaped text, and calls no use case', async () => {
    const help = await run('help');
    expect(help.calls).toEqual(['ack', 'respond']);
    expect(String(help.responses[0].text)).toContain('/rollback &lt;environment&gt;');
    const bad = await run('<!channel>');
    expect(bad.calls).toEqual(['ack', 'respond']);
    expect(String(bad.responses[0].text)).toContain('`&lt;!channel&gt;` is not an environment name');
  });

  it('acks Slack’s retry of a delivery already handled, and does nothing more', async () => {
    const { deps, rec } = fakeDeps(refused('x'));
    await rollbackCommand(deps).handler(
      boltArgs(
        rec,
        {},
        { command: command('production'), client: {}, context: { firstDelivery: Promise.resolve(false) } },
      ),
    );
    expect(rec.calls).toEqual(['ack']);
    const first = fakeDeps(refused('x'));
    await rollbackCommand(first.deps).handler(
      boltArgs(
        first.rec,
        {},
        { command: command('production'), client: {}, context: { firstDelivery: Promise.resolve(true) } },
      ),
    );
    expect(first.rec.calls).toEqual(['ack', 'service.request', 'respond']);
  });

  it('ignores a payload that is not Slack’s, after acking it', async () => {
    const { deps, rec } = fakeDeps(refused('x'));
    await rollbackCommand(deps).handler(
      boltArgs(rec, {}, { command: { text: 'status', user_id: 'nobody', channel_id: 'C1' }, client: {} }),
    );
    expect(rec.calls).toEqual(['ack', 'respond']);
    expect(rec.responses[0].text).toBe('That request from Slack was incomplete; please try again.');
  });
});
