/** The Home tab's paging buttons: ack, then the page asked for is drawn. */
import { ACTION } from '../../../../../src/slack/ids';
import { homePageAction } from '../../../../../src/slack/listeners/actions/home-page.action';
import { boltArgs, click, fakeDeps, refused } from '../../../../support/listener-fakes';

describe('paging the Home tab', () => {
  it('answers both buttons', () => {
    const id = homePageAction(fakeDeps(refused('x')).deps).id as RegExp;
    expect(id.test(`${ACTION.homePage}_next`)).toBe(true);
    expect(id.test(`${ACTION.homePage}_previous`)).toBe(true);
    expect(id.test(ACTION.homeUnlock)).toBe(false);
  });

  it('draws the page asked for', async () => {
    const { deps, rec } = fakeDeps(refused('x'));
    await homePageAction(deps).handler(boltArgs(rec, click(`${ACTION.homePage}_next`, '2')));
    expect(rec.calls).toEqual(['ack', 'service.homePage']);
    expect(rec.args[1]).toEqual(['U0IC', 2]);
  });

  it('draws nothing for a value that is not a page', async () => {
    const { deps, rec } = fakeDeps(refused('x'));
    await homePageAction(deps).handler(boltArgs(rec, click(`${ACTION.homePage}_next`, '-1')));
    expect(rec.calls).toEqual(['ack']);
  });
});
