/** Every button: ack first, the right use case with the rollback id and the user, a refusal answered privately. */
import { ACTION_LISTENERS } from '../../../../../src/slack/listeners/actions';
import { ACTION } from '../../../../../src/slack/ids';
import { boltArgs, click, fakeDeps, refused } from '../../../../support/listener-fakes';

const BUTTONS: Array<[string, string, unknown[]]> = [
  [ACTION.approve, 'service.approve', ['rb-1', 'U0IC']],
  [ACTION.cancel, 'service.cancel', ['rb-1', 'U0IC']],
  [ACTION.ackNoCriterion, 'service.acknowledge', ['rb-1', 'U0IC', 'no_criterion']],
  [ACTION.ackMigrations, 'service.acknowledge', ['rb-1', 'U0IC', 'migrations']],
  [ACTION.clearRootCause, 'service.clearRootCause', ['rb-1', 'U0IC']],
  [ACTION.schedulePostmortem, 'service.schedulePostmortem', ['rb-1', 'U0IC']],
  [ACTION.createTicket, 'service.createTicket', ['rb-1', 'U0IC']],
  [ACTION.releaseLock, 'service.releaseLock', ['rb-1', 'U0IC']],
  [`${ACTION.tick}:ticket_created`, 'service.tick', ['rb-1', 'U0IC', 'ticket_created']],
];

const listenerFor = (actionId: string, deps: Parameters<(typeof ACTION_LISTENERS)[number]>[0]) => {
  const found = ACTION_LISTENERS.map((make) => make(deps)).find((l) =>
    typeof l.id === 'string' ? l.id === actionId : l.id.test(actionId),
  );
  if (!found) throw new Error(`no listener for ${actionId}`);
  return found;
};

describe('button listeners', () => {
  it.each(BUTTONS)('%s: acks, then calls %s', async (actionId, method, args) => {
    const { deps, rec } = fakeDeps({ kind: 'ok', rollback: {} as never });
    await listenerFor(actionId, deps).handler(boltArgs(rec, click(actionId, 'rb-1')));
    expect(rec.calls).toEqual(['ack', method]);
    expect(rec.args[1]).toEqual(args);
  });

  it('answers a refusal privately, escaped and redacted, leaving the card alone', async () => {
    const { deps, rec } = fakeDeps(refused('No: <!channel> said s3cret'));
    await listenerFor(ACTION.approve, deps).handler(boltArgs(rec, click(ACTION.approve, 'rb-1')));
    expect(rec.responses).toEqual([
      { response_type: 'ephemeral', text: 'No: &lt;!channel&gt; said [redacted]', replace_original: false },
    ]);
  });

  it('acks and ignores a payload that is not Slack’s (bad user id, bad rollback id)', async () => {
    const { deps, rec } = fakeDeps({ kind: 'ok', rollback: {} as never });
    const l = listenerFor(ACTION.approve, deps);
    await l.handler(boltArgs(rec, click(ACTION.approve, 'rb-1', 'not-a-user')));
    await l.handler(boltArgs(rec, click(ACTION.approve, '../etc')));
    expect(rec.calls).toEqual(['ack', 'ack']);
  });

  it('the reports button requests a rollback of the environment it names', async () => {
    const { deps, rec } = fakeDeps(refused('already in progress'));
    await listenerFor(ACTION.requestFromReports, deps).handler(
      boltArgs(rec, click(ACTION.requestFromReports, 'production', 'U0ONCALL')),
    );
    expect(rec.calls).toEqual(['ack', 'service.request', 'respond']);
    expect(rec.args[1][0]).toMatchObject({
      environment: 'production',
      userId: 'U0ONCALL',
      channelId: 'C0INCIDENT',
      target: null,
    });
  });
});
