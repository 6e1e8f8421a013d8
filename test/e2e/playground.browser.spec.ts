/**
 * The playground in a real browser: headless Chromium (Debian's package, driven by playwright-core) against the
 * playground's page, the Slack stand-in and the real bot, on the simulated demo environment. Asserts on what is
 * visible on the page, and saves a screenshot of the final page in test-artifacts/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type Playground, simulatedTarget, startPlayground } from '../../playground/playground';

jest.setTimeout(120_000);

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '../../test-artifacts');

let pg: Playground;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`This test needs Debian's chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does)`);
  pg = await startPlayground({ port: 0, target: simulatedTarget(300), logLevel: 'silent' });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
});
afterAll(async () => {
  await browser?.close();
  await pg?.stop();
});

const as = (name: string) => page.selectOption('#user', { label: name });
const channel = () => page.locator('#channel');
const card = () => channel().locator('.msg', { hasText: 'Rollback · production' });

async function approveAs(name: string) {
  await as(name);
  await card().getByRole('button', { name: 'Approve' }).click();
  // The card's Approve has a confirmation, as in Slack.
  await page.getByRole('dialog').getByRole('button', { name: 'Roll back' }).click();
}

it('runs a rollback from the command box to ROLLBACK COMPLETE, refusing a non-IC on the way', async () => {
  await page.goto(pg.url);
  await page.getByText('Demo environment: SIMULATED target (no Docker)').waitFor();

  await as('Omar Ortiz');
  await page.getByRole('textbox', { name: 'message' }).fill('/rollback production bad deploy');
  await page.getByRole('textbox', { name: 'message' }).press('Enter');
  await card().getByRole('button', { name: 'Approve' }).waitFor({ timeout: 30_000 });
  await card().getByText('Awaiting approval').waitFor();
  await card().getByText('Health check failures · 2+ consecutive · observed 3 consecutive').waitFor();

  // Someone who is not an incident commander is refused, and only they see why.
  await approveAs('Sam Sato');
  await page.getByText('Only an incident commander can approve a rollback.').waitFor();
  await card().getByText('Awaiting approval').waitFor();

  await approveAs('Ina Ito');
  await page.getByText('Only an incident commander can approve a rollback.').waitFor({ state: 'detached' });
  await channel().getByText('ROLLBACK IN PROGRESS').waitFor();
  await channel().getByText('ROLLBACK COMPLETE').waitFor({ timeout: 60_000 });
  await card().getByText('Completed').first().waitFor();

  // The thread beside the channel: each step as it happened.
  await card()
    .getByRole('button', { name: /\d+ replies/ })
    .click();
  const thread = page.locator('#thread-messages');
  await thread.getByText('✅ Approved by @Ina Ito. Announcing and rolling back.').waitFor();
  await thread.getByText('Step 3 — Execute the rollback (Docker Swarm): done.').waitFor();
  await thread.getByText('Step 4 — Verify the rollback: done.').waitFor();
  await thread.getByText('Step 5 — Announce the resolution: done.').waitFor();
  expect(await thread.getByText('HTTP 200, version v1').count()).toBeGreaterThan(0);

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'playground.png'), fullPage: true });
  expect(existsSync(path.join(ARTIFACTS, 'playground.png'))).toBe(true);
});
