/**
 * A replica is two processes (main.ts): the front acknowledges Slack, the forked work process does the work. Proven
 * on the compiled bot: acks go out while the work process is frozen (SIGSTOP) and the work is done once it runs
 * again; a form's validation errors cross the process boundary in the ack; /readyz asks the work process's store;
 * the work process runs at a lower CPU priority; and it never outlives the front, however the front dies.
 */
import { readFileSync } from 'node:fs';
import { ACTION } from '../../src/slack/ids';
import { WORK_NICE } from '../../src/replica/ipc-link';
import { BotProcess, buildBot } from '../support/bot-process';
import { SIGNING_SECRET } from '../support/bot-harness';
import { FakeSlack } from '../support/fake-slack';
import { unitConfig } from '../support/fakes';
import { invalidFormSubmission, postSigned } from '../support/slack-requests';
import { until } from '../support/wait';

jest.setTimeout(120_000);

const ONCALL = 'U0ONCALL';
const CHANNEL = 'C0INCIDENT';

let main: string;
let slack: FakeSlack;
let bot: BotProcess;

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** The nice value of a process (field 19 of /proc/<pid>/stat). */
const niceOf = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
};

beforeAll(async () => {
  main = await buildBot();
});
beforeEach(async () => {
  slack = new FakeSlack();
  await slack.start();
  bot = new BotProcess(main, slack, unitConfig(), { LOG_LEVEL: 'info' });
  await bot.start();
});
afterEach(async () => {
  const work = bot.workPid;
  if (work && alive(work)) process.kill(work, 'SIGCONT');
  await bot.kill('SIGKILL');
  await slack.stop();
});

it('acknowledges while the work process is frozen, and does the work once it runs again', async () => {
  const work = bot.workPid as number;
  expect(work).toBeGreaterThan(0);
  process.kill(work, 'SIGSTOP');
  try {
    const before = slack.responses.length;
    const started = Date.now();
    const statuses = await Promise.all(Array.from({ length: 10 }, () => bot.command('help', ONCALL, CHANNEL)));
    expect(statuses).toEqual(Array(10).fill(200));
    expect(Date.now() - started).toBeLessThan(2000);
    await new Promise((r) => setTimeout(r, 300));
    expect(slack.responses.length).toBe(before);
    process.kill(work, 'SIGCONT');
    await until(() => slack.responses.length === before + 10, 'the ten answers', 10_000);
    expect(slack.responses.slice(before).every((r) => String(r.body.text).includes('/rollback'))).toBe(true);
  } finally {
    process.kill(work, 'SIGCONT');
  }
});

it('turns Slack away (503) once the work process has been silent for a few seconds, so nothing acknowledged piles up', async () => {
  const work = bot.workPid as number;
  process.kill(work, 'SIGSTOP');
  try {
    const before = slack.responses.length;
    const statuses: number[] = [];
    const started = Date.now();
    // A command every 250 ms for 8 s: the first are acknowledged (the work may only be slow), then none is.
    while (Date.now() - started < 8000) {
      statuses.push(await bot.command('help', ONCALL, CHANNEL));
      await new Promise((r) => setTimeout(r, 250));
    }
    const firstRefused = statuses.indexOf(503);
    expect(firstRefused).toBeGreaterThan(0);
    expect(statuses.slice(0, firstRefused).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(firstRefused).every((s) => s === 503)).toBe(true);
    const ready = await fetch(`${bot.baseUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { reason: string }).reason).toMatch(/the work process has not answered for \d+ s/);

    process.kill(work, 'SIGCONT');
    await until(async () => (await fetch(`${bot.baseUrl}/readyz`)).status === 200, 'ready again', 10_000, 100);
    expect(await bot.command('help', ONCALL, CHANNEL)).toBe(200);
    // Everything acknowledged is done, once; nothing refused is.
    await until(() => slack.responses.length === before + firstRefused + 1, 'the acknowledged answers', 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(slack.responses.length).toBe(before + firstRefused + 1);
  } finally {
    process.kill(work, 'SIGCONT');
  }
});

it("carries a form's validation errors across the process boundary in the ack", async () => {
  const res = await postSigned(`${bot.baseUrl}/slack/events`, invalidFormSubmission(ONCALL, CHANNEL), {
    secret: SIGNING_SECRET,
  });
  expect(res.status).toBe(200);
  const answer = JSON.parse(res.text) as { response_action: string; errors: Record<string, string> };
  expect(answer.response_action).toBe('errors');
  expect(Object.keys(answer.errors).sort()).toEqual(['reason', 'version']);
});

it("reports ready from the work process's store, and runs the work at a lower CPU priority", async () => {
  const ready = await fetch(`${bot.baseUrl}/readyz`);
  expect(ready.status).toBe(200);
  expect(niceOf(bot.pid as number)).toBe(0);
  expect(niceOf(bot.workPid as number)).toBe(WORK_NICE);
});

it('takes the work process down with the front when the front is killed (SIGKILL)', async () => {
  const work = bot.workPid as number;
  await bot.kill('SIGKILL');
  await until(() => !alive(work), 'the work process to exit', 5000);
});

it('stops both on SIGTERM, exit code 0, a button click after that refused by the closed port', async () => {
  const work = bot.workPid as number;
  const { code } = await bot.kill('SIGTERM');
  expect(code).toBe(0);
  expect(alive(work)).toBe(false);
  await expect(bot.click(ACTION.approve, 'rb-none', ONCALL, CHANNEL, '1.0')).rejects.toThrow();
});
