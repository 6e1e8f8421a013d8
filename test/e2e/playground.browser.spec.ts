/**
 * The playground in a real browser: headless Chromium (Debian's package, driven by playwright-core) against the
 * playground's page, the Slack stand-in and the real bot, on the simulated demo environment. Asserts on what is
 * visible on the page, and keeps screenshots (the card in each state, the form, the page at a laptop's width) in
 * test-artifacts/.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
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
/** The newest rollback card in the channel. */
const card = () => channel().locator('.msg', { hasText: 'Rollback · production' }).last();

/** In the page: how many clearly green pixels the emoji font draws for ✅ (a missing font draws an outline, or nothing). */
const COLOUR_PROBE = `(() => {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 64;
  const ctx = canvas.getContext('2d');
  ctx.font = '48px "Noto Color Emoji"';
  ctx.fillText('✅', 4, 52);
  const px = ctx.getImageData(0, 0, 64, 64).data;
  let n = 0;
  for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 0 && px[i + 1] > px[i] + 40 && px[i + 1] > px[i + 2] + 40) n++;
  return n;
})()`;

/** The page's layout at this moment: whether the page or only the channel scrolls, and where the fixed parts are. */
const LAYOUT_PROBE = `(() => {
  const box = (sel) => document.querySelector(sel).getBoundingClientRect();
  const c = document.getElementById('channel');
  return {
    pageScrolls: document.scrollingElement.scrollHeight > window.innerHeight,
    channelScrolls: c.scrollHeight > c.clientHeight,
    channelWidth: box('main').width,
    composerBottom: box('#compose').bottom,
    switcherTop: box('#user').top,
    height: window.innerHeight,
  };
})()`;

/** A screenshot kept as an artifact of the test run (test-artifacts/ is uploaded by CI, ignored by git). */
async function keep(name: string, shot: (file: string) => Promise<unknown>) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  // The page redraws the channel on every update: an element can be replaced while it is being shot; try again.
  for (let attempt = 1; ; attempt++) {
    try {
      await shot(file);
      break;
    } catch (err) {
      if (attempt >= 3 || !/not attached|detached/i.test(String(err))) throw err;
    }
  }
  expect(statSync(file).size).toBeGreaterThan(1000);
}

async function approveAs(name: string) {
  await as(name);
  await card().getByRole('button', { name: 'Approve' }).click();
  // The card's Approve has a confirmation, as in Slack.
  await page.getByRole('dialog').getByRole('button', { name: 'Roll back' }).click();
}

it('the bare /rollback opens the form as a modal; its errors show under the fields; submitted, it makes a card', async () => {
  await page.goto(pg.url);
  await as('Omar Ortiz');
  await page.getByRole('textbox', { name: 'message' }).fill('/rollback');
  await page.getByRole('textbox', { name: 'message' }).press('Enter');
  const modal = page.getByRole('dialog', { name: 'Roll back' });
  await modal.waitFor();
  expect(await modal.getByLabel('Environment').inputValue()).toBe('production');
  await keep('form', (file) => modal.screenshot({ path: file }));

  // A bad version and no reason: Slack keeps the modal open and shows the bot's errors under their fields.
  await modal.getByLabel('Roll back to (version)').fill('v1; rm -rf /');
  await modal.getByRole('button', { name: 'Start' }).click();
  await modal.getByText('Use an image tag: letters, digits, . _ - (at most 128 characters).').waitFor();
  await modal.getByText('Say why: it goes into the announcement.').waitFor();

  await modal.getByLabel('Roll back to (version)').fill('');
  await modal.getByLabel('Reason').fill('checkout errors after the deploy');
  await modal.getByRole('button', { name: 'Start' }).click();
  await modal.waitFor({ state: 'hidden' });
  await card().getByRole('button', { name: 'Approve' }).waitFor({ timeout: 30_000 });
  await card().getByText('checkout errors after the deploy').waitFor();

  // Put it away for the next test: the requester may cancel their own.
  await card().getByRole('button', { name: 'Cancel' }).click();
  await card().getByText('Cancelled').first().waitFor();
});

it('draws Slack emoji as emoji, in colour', async () => {
  await page.goto(pg.url);
  const text = await channel().innerText();
  expect(text).toContain('🚫'); // the cancelled card of the test before
  expect(text).not.toMatch(/:[a-z_]+:/);
  // Colour: the emoji font draws ✅ green, where a missing font draws an outline or nothing.
  const coloured = await page.evaluate<number>(COLOUR_PROBE);
  expect(coloured).toBeGreaterThan(100);
});

it('at a laptop width, only the messages scroll: the composer and the user switcher stay in view', async () => {
  await page.setViewportSize({ width: 1024, height: 700 });
  try {
    await page.goto(pg.url);
    // Fill the channel past the fold.
    for (let i = 0; i < 8; i++) {
      await page.getByRole('textbox', { name: 'message' }).fill('/rollback status');
      await page.getByRole('textbox', { name: 'message' }).press('Enter');
    }
    await page.waitForFunction("document.querySelectorAll('#channel .msg').length >= 16");
    await card()
      .getByRole('button', { name: /\d+ repl/ })
      .first()
      .click();
    await page.locator('aside.open').waitFor();
    const layout = await page.evaluate<{
      pageScrolls: boolean;
      channelScrolls: boolean;
      channelWidth: number;
      composerBottom: number;
      switcherTop: number;
      height: number;
    }>(LAYOUT_PROBE);
    expect(layout.pageScrolls).toBe(false);
    expect(layout.channelScrolls).toBe(true);
    expect(layout.composerBottom).toBeLessThanOrEqual(layout.height);
    expect(layout.switcherTop).toBeGreaterThanOrEqual(0);
    expect(layout.channelWidth).toBeGreaterThanOrEqual(480);
    await keep('laptop-width', (file) => page.screenshot({ path: file }));
  } finally {
    await page.setViewportSize({ width: 1500, height: 1000 });
  }
});

it('runs a rollback from the command box to ROLLBACK COMPLETE, refusing a non-IC on the way', async () => {
  await page.goto(pg.url);
  await page.getByText('Demo environment: SIMULATED target (no Docker)').waitFor();

  await as('Omar Ortiz');
  await page.getByRole('textbox', { name: 'message' }).fill('/rollback production bad deploy');
  await page.getByRole('textbox', { name: 'message' }).press('Enter');
  await card().getByRole('button', { name: 'Approve' }).waitFor({ timeout: 30_000 });
  await card().getByText('Awaiting approval').waitFor();
  await card().getByText('Health check failures · 2+ consecutive · observed 3 consecutive').waitFor();
  await keep('card-awaiting-approval', (file) => card().screenshot({ path: file }));

  // Someone who is not an incident commander is refused, and only they see why.
  await approveAs('Sam Sato');
  await page.getByText('Only an incident commander can approve a rollback.').waitFor();
  await card().getByText('Awaiting approval').waitFor();

  await approveAs('Ina Ito');
  await page.getByText('Only an incident commander can approve a rollback.').waitFor({ state: 'detached' });
  await channel().getByText('ROLLBACK IN PROGRESS').waitFor();
  await keep('card-rolling-back', (file) => card().screenshot({ path: file }));
  await channel().getByText('ROLLBACK COMPLETE').waitFor({ timeout: 60_000 });
  await card().getByText('Completed').first().waitFor();
  await card().getByText('Verified (Step 4)').waitFor();
  await keep('card-completed', (file) => card().screenshot({ path: file }));

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
  // Slack's entities are drawn as the characters they stand for ("> 90 %", not "&gt; 90 %").
  const shown = `${await channel().innerText()}\n${await thread.innerText()}`;
  expect(shown).toContain('Memory usage · > 90 %');
  expect(shown).not.toMatch(/&(gt|lt|amp);/);
  // Times as Slack draws them, in the reader's own zone ("today at 10:29"): never markup, never ISO 8601.
  expect(shown).toMatch(/Requested by @Omar Ortiz today at \d/);
  await page
    .locator('#scheduled')
    .getByText(/due within the hour/)
    .waitFor();
  const scheduled = await page.locator('#scheduled').innerText();
  expect(scheduled).toMatch(/is due within the hour \(by tomorrow at \d/);
  expect(`${shown}\n${scheduled}`).not.toMatch(/<!date|\d{4}-\d\d-\d\dT\d\d:\d\d/);

  // After the rollback the deploy gate is locked: the demo CI's deploy is refused, and a change by hand is called out.
  await page.getByRole('button', { name: 'Try a deploy (as CI)' }).click();
  await channel()
    .getByText(/The deploy gate refused the demo CI's deploy of v2: HTTP 423 Locked/)
    .waitFor();
  await page.getByRole('button', { name: 'Change production by hand' }).click();
  await channel().getByText('Production changed while deploys are locked').first().waitFor({ timeout: 20_000 });
  await keep('playground', (file) => page.screenshot({ path: file, fullPage: true }));
});

/**
 * In the page: what would read badly at this width. The banner's lines; every code chip that is broken over two
 * lines or sticks out of its pane; whether the channel and the thread are both on screen, side by side; anything
 * that scrolls sideways.
 */
const WRAP_PROBE = `(() => {
  const lineHeight = (el) => {
    const cs = getComputedStyle(el);
    return cs.lineHeight === 'normal' ? parseFloat(cs.fontSize) * 1.2 : parseFloat(cs.lineHeight);
  };
  const banner = document.getElementById('target');
  const bs = getComputedStyle(banner);
  const inner = banner.getBoundingClientRect().height - ['paddingTop', 'paddingBottom', 'borderTopWidth', 'borderBottomWidth'].reduce((n, k) => n + parseFloat(bs[k]), 0);
  const badChips = [];
  for (const code of document.querySelectorAll('#channel code, #thread-messages code, form.compose code, #target code')) {
    const rects = code.getClientRects();
    if (!rects.length) continue;
    const box = code.getBoundingClientRect();
    const pane = code.closest('#channel, #thread-messages, form.compose, #target').getBoundingClientRect();
    const why = [];
    if (rects.length > 1) why.push(rects.length + ' pieces');
    if (box.height > lineHeight(code) * 1.5) why.push('height ' + Math.round(box.height) + ' px');
    if (box.right > pane.right + 0.5 || box.left < pane.left - 0.5) why.push('outside its pane');
    if (why.length) badChips.push(code.textContent + ': ' + why.join(', '));
  }
  const main = document.querySelector('main').getBoundingClientRect();
  const aside = document.getElementById('thread').getBoundingClientRect();
  const sideways = ['#channel', '#thread-messages'].filter((s) => { const e = document.querySelector(s); return e.scrollWidth > e.clientWidth + 1; });
  return {
    bannerLines: Math.round(inner / lineHeight(banner)),
    chips: document.querySelectorAll('#channel code, #thread-messages code').length,
    badChips,
    channel: { left: Math.round(main.left), right: Math.round(main.right), width: Math.round(main.width) },
    thread: { left: Math.round(aside.left), right: Math.round(aside.right), width: Math.round(aside.width) },
    pageWidth: document.scrollingElement.scrollWidth,
    sideways,
  };
})()`;

it.each([1024, 1280])(
  'at %i px with the thread open, nothing wraps badly: the banner in two lines, code chips whole, channel and thread side by side',
  async (width) => {
    await page.setViewportSize({ width, height: 768 });
    try {
      await page.goto(pg.url);
      // The completed rollback of the test before: its card, its thread of steps, the gate's refusal.
      await card()
        .getByRole('button', { name: /\d+ replies/ })
        .click();
      await page.locator('aside.open').waitFor();
      await page.locator('#thread-messages').getByText('Step 5 — Announce the resolution: done.').waitFor();
      // The thread opens with a transition on its width: measure once it has settled.
      await page.waitForFunction(
        `(() => { const a = document.getElementById('thread').getBoundingClientRect().width; const same = window.__w === a; window.__w = a; return same && a > 0; })()`,
        undefined,
        { polling: 200 },
      );
      await keep(`thread-open-${width}`, (file) => page.screenshot({ path: file }));
      const seen = await page.evaluate<{
        bannerLines: number;
        chips: number;
        badChips: string[];
        channel: { left: number; right: number; width: number };
        thread: { left: number; right: number; width: number };
        pageWidth: number;
        sideways: string[];
      }>(WRAP_PROBE);
      expect(seen.bannerLines).toBeLessThanOrEqual(2);
      expect(seen.chips).toBeGreaterThan(5);
      expect(seen.badChips).toEqual([]);
      // Side by side, both on screen and wide enough to read.
      expect(seen.channel.left).toBeGreaterThanOrEqual(0);
      expect(seen.channel.right).toBeLessThanOrEqual(seen.thread.left + 1);
      expect(seen.thread.right).toBeLessThanOrEqual(width);
      expect(seen.channel.width).toBeGreaterThanOrEqual(460);
      expect(seen.thread.width).toBeGreaterThanOrEqual(300);
      expect(seen.pageWidth).toBeLessThanOrEqual(width);
      expect(seen.sideways).toEqual([]);
    } finally {
      await page.setViewportSize({ width: 1500, height: 1000 });
    }
  },
);

it('shows the Home tab: every environment at a glance; Request a rollback opens the form for it, Unlock asks why', async () => {
  await page.setViewportSize({ width: 1280, height: 720 });
  try {
    await page.goto(pg.url);
    // After the rollback of the tests before: production's deploys are locked by it.
    await as('Ina Ito');
    await page.getByRole('button', { name: /Home/ }).click();
    const home = page.locator('#home');
    await home.getByText('Every environment at a glance').waitFor();
    await home.getByText(/Deploys: 🔒 locked since .* \(rolled back\)/).waitFor();
    // What runs: the change made by hand after the rollback (the test before), and how long ago it was seen.
    await home.getByText(/Runs: v\d — changed by hand after rb-[a-z0-9]+, (just now|\d+ min ago)/).waitFor();
    await home.getByText(/Last rollbacks: rb-[a-z0-9]+ completed in \d/).waitFor();
    expect(await home.innerText()).not.toMatch(/<!date|&(gt|lt|amp);/);
    await keep('home-tab', (file) => page.screenshot({ path: file }));

    // Request a rollback: the form, with the environment already chosen.
    await home.getByRole('button', { name: 'Request a rollback' }).click();
    const form = page.getByRole('dialog', { name: 'Roll back' });
    await form.waitFor();
    expect(await form.getByLabel('Environment').inputValue()).toBe('production');
    await form.getByRole('button', { name: 'Cancel' }).click();
    await form.waitFor({ state: 'hidden' });

    // Someone who is not an incident commander has no Unlock.
    await as('Sam Sato');
    await home.getByText('Every environment at a glance').waitFor();
    await home.getByRole('button', { name: 'Request a rollback' }).waitFor();
    expect(await home.getByRole('button', { name: 'Unlock' }).count()).toBe(0);

    // An incident commander unlocks, saying why; the tab redraws with the gate open.
    await as('Ina Ito');
    await home.getByRole('button', { name: 'Unlock' }).click();
    const why = page.getByRole('dialog', { name: 'Unlock deploys' });
    await why.waitFor();
    await why.getByRole('button', { name: 'Unlock' }).click();
    await why.getByText('Say why deploys may go ahead again: it goes in the timeline.').waitFor();
    await why.getByLabel('Reason').fill('root cause fixed in #812');
    await why.getByRole('button', { name: 'Unlock' }).click();
    await why.waitFor({ state: 'hidden' });
    await home.getByText(/Deploys of production are allowed again: the mark of rb-[a-z0-9]+ is cleared\./).waitFor();
    await home.getByText('Deploys: 🟢 open').waitFor();
    expect(await home.getByRole('button', { name: 'Unlock' }).count()).toBe(0);
  } finally {
    await page.setViewportSize({ width: 1500, height: 1000 });
  }
});
