// The realtime demo (examples/realtime-demo) in a real browser: headless Chromium (Debian's
// `chromium`, installed by scripts/setup) driven by playwright-core, against a running local stack
// that serves the demo at /demo/ (scripts/dev does). Two users open the page; bob follows alice
// through the page, alice posts through hers, and bob's page must show the post without a reload,
// over Stream's browser client's WebSocket. Bob then likes it, and alice's page must show the like.
//
//   TRIBUTARY_BASE_URL=http://127.0.0.1:3030 node --test tests/browser/
//
// Settings: TRIBUTARY_BASE_URL (required), TRIBUTARY_CHROMIUM=/usr/bin/chromium. Screenshots of both
// pages go to .local/artifacts/ (git-ignored) whether the test passes or not.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const scriptsRequire = createRequire(path.join(ROOT, 'scripts', 'package.json'));
const { chromium } = scriptsRequire('playwright-core');

const BASE_URL = (process.env.TRIBUTARY_BASE_URL ?? '').replace(/\/+$/, '');
if (!BASE_URL) {
  throw new Error('Set TRIBUTARY_BASE_URL to a running local stack (scripts/dev), e.g. http://127.0.0.1:3030');
}
const DEMO_URL = `${BASE_URL}/demo/`;
const CHROMIUM = process.env.TRIBUTARY_CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = path.join(ROOT, '.local', 'artifacts');
// How long the post may take to reach bob's page.
const LIVE_TIMEOUT_MS = 20_000;
// Signing in includes the first requests to functions that may still be starting.
const SIGN_IN_TIMEOUT_MS = 60_000;

let browser;
const pages = [];

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found: run scripts/setup (it installs Debian's chromium)`);
  // Playwright starts the browser on a new, empty profile directory of its own. Never a browser
  // download: only the system's Chromium.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: false, // --no-sandbox: the tests run as root
    args: [
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 60_000,
  });
});

after(async () => {
  await browser?.close();
});

/** Opens the demo as `userId` in a context of its own; resolves once the page has signed in and
 *  watches its feeds. Collects the page's console errors for failure messages. */
async function openAs(userId) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  pages.push({ userId, page, problems });
  await page.goto(`${DEMO_URL}?user=${encodeURIComponent(userId)}`);
  try {
    await page.waitForFunction((id) => document.body.dataset.signedIn === id, userId, { timeout: SIGN_IN_TIMEOUT_MS });
  } catch (err) {
    throw new Error(`${userId} did not sign in: ${await describe(page, problems)}`, { cause: err });
  }
  return { page, problems };
}

async function describe(page, problems) {
  const status = await page.locator('#status').textContent().catch(() => '?');
  const error = await page.locator('#error').textContent().catch(() => '?');
  return `status ${JSON.stringify(status)}, error ${JSON.stringify(error)}${problems.length ? `; ${problems.join('; ')}` : ''}`;
}

async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, name);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot: ${path.relative(process.cwd(), file)}`);
  return file;
}

test('a post reaches a follower\'s open page live, and a like reaches the author\'s', { timeout: 180_000 }, async () => {
  const run = randomUUID().replace(/-/g, '').slice(0, 10);
  const alice = `alice-${run}`;
  const bob = `bob-${run}`;
  const a = await openAs(alice);
  const b = await openAs(bob);
  try {
    assert.match(await b.page.locator('#status').textContent(), new RegExp(`Signed in as ${bob}`));

    // Bob follows alice through his page; the page then reads his timeline again (the button is
    // disabled until it has), so whatever shows up after that came over the WebSocket.
    await b.page.fill('#follow-id', alice);
    await b.page.click('#follow-form button');
    await b.page.waitForFunction(
      (fid) => document.getElementById('following').textContent.includes(fid)
        && !document.querySelector('#follow-form button').disabled,
      `user:${alice}`,
      { timeout: SIGN_IN_TIMEOUT_MS },
    ).catch(async (err) => {
      throw new Error(`bob's follow did not show: ${await describe(b.page, b.problems)}`, { cause: err });
    });

    // A marker only this page load has: still there afterwards means no reload happened.
    await b.page.evaluate(() => { window.__sameLoad = true; });

    // Alice posts through her page.
    const text = `hello ${randomUUID()}`;
    await a.page.fill('#post-text', text);
    await a.page.click('#post-form button');
    await a.page.locator('#own li', { hasText: text }).waitFor({ timeout: LIVE_TIMEOUT_MS }).catch(async (err) => {
      throw new Error(`alice's post did not show on her own page: ${await describe(a.page, a.problems)}`, { cause: err });
    });

    // Bob's open page shows it, over the WebSocket.
    const started = Date.now();
    const post = b.page.locator('#timeline li', { hasText: text });
    await post.waitFor({ timeout: LIVE_TIMEOUT_MS }).catch(async (err) => {
      throw new Error(`alice's post did not reach bob's page within ${LIVE_TIMEOUT_MS / 1000}s: ${await describe(b.page, b.problems)}`, { cause: err });
    });
    console.log(`the post reached bob's page ${Date.now() - started} ms after alice's page showed it`);
    assert.equal(await b.page.evaluate(() => window.__sameLoad), true, 'bob\'s page was not reloaded');
    assert.match(await post.locator('.meta').textContent(), new RegExp(alice));

    // Bob likes it; alice's page shows the like live.
    await post.locator('button.like').click();
    await a.page.locator('#own li', { hasText: text }).locator('button.like', { hasText: '♥ 1' })
      .waitFor({ timeout: LIVE_TIMEOUT_MS })
      .catch(async (err) => {
        throw new Error(`bob's like did not reach alice's page: ${await describe(a.page, a.problems)}`, { cause: err });
      });
    await post.locator('button.like.on').waitFor({ timeout: LIVE_TIMEOUT_MS });

    // Bob comments on it; his page lists the comment.
    const comment = `nice ${run}`;
    await post.locator('.comment-form input').fill(comment);
    await post.locator('.comment-form button').click();
    await post.locator('.comments li', { hasText: `${bob}: ${comment}` }).waitFor({ timeout: LIVE_TIMEOUT_MS })
      .catch(async (err) => {
        throw new Error(`bob's comment did not show on his page: ${await describe(b.page, b.problems)}`, { cause: err });
      });
  } finally {
    await screenshot(b.page, 'realtime-demo-bob.png').catch((err) => console.log(`no screenshot of bob's page: ${err.message}`));
    await screenshot(a.page, 'realtime-demo-alice.png').catch((err) => console.log(`no screenshot of alice's page: ${err.message}`));
  }
});
