// SPDX-License-Identifier: LGPL-2.1-or-later
// The web console in Debian's chromium, against a running wolfpackd:
// sign in, take a group offline and online with the buttons, see a killed
// application's failure and restart arrive over the event stream without a
// reload, the group view with its dependency graph and why, a property
// refused with the API's message next to its field, the nodes view with a
// drain, the log view with live entries, and a read token that is offered
// no action at all.
//
// tests/integration/test_console.py starts wolfpackd and runs this; by
// hand: node tests/browser/console.test.mjs with
//   WOLFPACK_URL            https://127.0.0.1:PORT (the TLS listener)
//   WOLFPACK_ADMIN_TOKEN    a token of role admin
//   WOLFPACK_OPERATOR_TOKEN a token of role operator (optional)
//   WOLFPACK_READ_TOKEN     a token of role read
//   WOLFPACK_GROUP          a group holding WOLFPACK_RESOURCE, Online
//   WOLFPACK_RESOURCE       a genapp resource whose process can be killed
//   WOLFPACK_KILL_CMD       a shell command that kills that process (SIGKILL);
//                           the resource's restart policy must restart it
//   WOLFPACK_SCREENSHOTS    the directory the screenshots go to
//   CHROMIUM                the browser (default /usr/bin/chromium)
// Every wait is bounded (20 s); the first failure stops the run with a
// message naming what did not happen, and a screenshot failure-*.png.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  console.error(`playwright-core is not installed (npm ci --prefix tests/browser): ${e.message}`);
  process.exit(2);
}

function need(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`${name} is not set; see the top of ${import.meta.url}`);
    process.exit(2);
  }
  return v;
}

const URL_ = need('WOLFPACK_URL').replace(/\/$/, '');
const ADMIN = need('WOLFPACK_ADMIN_TOKEN');
const READ = need('WOLFPACK_READ_TOKEN');
const OPERATOR = process.env.WOLFPACK_OPERATOR_TOKEN || '';
const GROUP = process.env.WOLFPACK_GROUP || 'web';
const RESOURCE = process.env.WOLFPACK_RESOURCE || 'app';
const KILL = need('WOLFPACK_KILL_CMD');
const SHOTS = need('WOLFPACK_SCREENSHOTS');
const BROWSER = process.env.CHROMIUM || '/usr/bin/chromium';
const WAIT = 20000;

mkdirSync(SHOTS, { recursive: true });

let browser, context, page;
const pageErrors = [];
let broken = null;
let shots = 0;

// One step of the run: skipped once an earlier one failed, so that the
// first failure is the one reported.
function step(name, fn) {
  test(name, { timeout: 4 * WAIT }, async (t) => {
    if (broken) {
      t.skip(`after the failure of "${broken}"`);
      return;
    }
    try {
      await fn();
      if (pageErrors.length) throw new Error(`the page threw: ${pageErrors.join('; ')}`);
    } catch (e) {
      broken = name;
      await shot(`failure-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`).catch(() => {});
      const notices = await page?.locator('#notices').innerText({ timeout: 1000 }).catch(() => '') ?? '';
      throw new Error(`${name}: ${e.message}\n  page: ${page?.url()}${notices ? `\n  notices: ${notices}` : ''}`);
    }
  });
}

async function shot(name) {
  const file = join(SHOTS, `${String(++shots).padStart(2, '0')}-${name}.png`);
  // From the top: the bar on top sticks to where the page was scrolled.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: file, fullPage: true });
  console.log(`# screenshot ${file}`);
}

// Wait for a locator to be visible; the error names what was awaited.
async function see(locator, what, timeout = WAIT) {
  try {
    await locator.first().waitFor({ state: 'visible', timeout });
  } catch (e) {
    throw new Error(`did not see ${what} within ${timeout / 1000} s (${e.message.split('\n')[0]})`);
  }
}

async function until(fn, arg, what, timeout = WAIT) {
  try {
    await page.waitForFunction(fn, arg, { timeout, polling: 100 });
  } catch (e) {
    throw new Error(`${what} did not happen within ${timeout / 1000} s (${e.message.split('\n')[0]})`);
  }
}

const view = (name) => page.locator(`[data-view-name="${name}"][data-ready="true"]`);
const card = () => page.locator(`[data-view-name="overview"] [data-group="${GROUP}"]`);

async function open(nav, name) {
  await page.click(`[data-nav="${nav}"]`);
  await see(view(name), `the ${name} view`);
}

async function signIn(token, role) {
  await see(page.locator('#token'), 'the sign-in form');
  await page.fill('#token', token);
  await page.click('#login-button');
  await see(page.locator(`#who[data-role="${role}"]`), `the console signed in with role ${role}`);
  await see(page.locator('[data-view-name][data-ready="true"]'), 'a view after signing in');
  await see(page.locator('#stream[data-stream="open"]'), 'the event stream open');
}

async function signOut() {
  await page.click('#logout');
  await see(page.locator('#login #token'), 'the sign-in form after signing out');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('wolfpack.token')), null,
               'signing out left the token in sessionStorage');
}

// What a read token must not be offered: any element marked as an action,
// any button that is not marked as one that only shows something, any
// field to type a property into or a node to move to.
async function offeredActions() {
  return page.evaluate(() => {
    const out = [];
    const seen = (el) => el.getClientRects().length > 0;
    for (const el of document.querySelectorAll('[data-action]')) out.push(`${el.tagName} ${el.dataset.action} ${el.textContent}`);
    for (const el of document.querySelectorAll('button, input[type="submit"], input[type="button"]')) {
      if (!el.dataset.view && seen(el)) out.push(`unmarked button "${el.textContent || el.value}"`);
    }
    for (const el of document.querySelectorAll('[data-props] input, [data-props] select, select[data-move-to]')) {
      out.push(`field ${el.name || el.dataset.moveTo}`);
    }
    return out;
  });
}

// Every state the page shows for a resource or group, as it changes: the
// DOM is watched, so that a state shown for half a second is not missed.
async function watchStates() {
  await page.evaluate(() => {
    window.wpSeen = new Set();
    const look = () => {
      for (const el of document.querySelectorAll('[data-resource][data-state], [data-group][data-state]')) {
        window.wpSeen.add(`${el.dataset.resource ? 'resource' : 'group'} ${el.dataset.resource || el.dataset.group} ${el.dataset.state}`);
      }
    };
    window.wpWatch?.disconnect();
    window.wpWatch = new MutationObserver(look);
    window.wpWatch.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
    look();
  });
}

before(async () => {
  browser = await chromium.launch({ executablePath: BROWSER, headless: true, args: ['--no-sandbox'] });
  context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(WAIT);
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
});

after(async () => {
  await browser?.close();
});

step('a bad token is refused with the API\'s message', async () => {
  const res = await page.goto(`${URL_}/`);
  assert.equal(res.status(), 200, `GET / answered ${res.status()}: this wolfpackd does not serve the console's page`);
  assert.match(res.headers()['content-type'] || '', /^text\/html/, 'GET / is not text/html');
  await page.fill('#token', 'not-a-token');
  await page.click('#login-button');
  await see(page.locator('#login-message:not([hidden])'), 'a message after a bad token');
  const said = (await page.locator('#login-message').innerText()).trim();
  assert.ok(said.length > 0, 'the sign-in form shows no message for a bad token');
  assert.ok(await page.locator('#login').isVisible(), 'a bad token left the sign-in form');
  await shot('sign-in-refused');
});

step('admin signs in and sees the group Online', async () => {
  await signIn(ADMIN, 'admin');
  await see(card().and(page.locator('[data-state="Online"]')), `group ${GROUP} Online on the overview`);
  await see(card().locator(`[data-resource="${RESOURCE}"][data-state="Online"]`), `resource ${RESOURCE} Online`);
  await page.evaluate(() => { window.wpLoaded = 'once'; });
  await shot('overview');
});

step('the group goes offline and online with the buttons', async () => {
  await card().locator(`[data-action="group-offline"][data-target="${GROUP}"]`).click();
  await see(card().and(page.locator('[data-state="Offline"]')), `group ${GROUP} Offline`);
  await see(card().locator(`[data-resource="${RESOURCE}"][data-state="Offline"]`), `resource ${RESOURCE} Offline`);
  await card().locator(`[data-action="group-online"][data-target="${GROUP}"]`).click();
  await see(card().and(page.locator('[data-state="Online"]')), `group ${GROUP} Online again`);
});

step('a killed application shows Failed, then Online, without a reload', async () => {
  await see(card().locator(`[data-resource="${RESOURCE}"][data-state="Online"]`), `resource ${RESOURCE} Online`);
  await watchStates();
  try {
    execFileSync('/bin/sh', ['-c', KILL], { timeout: WAIT, stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (e) {
    throw new Error(`WOLFPACK_KILL_CMD failed: ${e.message}`);
  }
  await until((r) => window.wpSeen.has(`resource ${r} Failed`), RESOURCE, `${RESOURCE} shown Failed after the kill`);
  await until((r) => document.querySelector(`[data-view-name="overview"] [data-resource="${r}"]`)?.dataset.state === 'Online',
              RESOURCE, `${RESOURCE} shown Online again after its restart`);
  assert.equal(await page.evaluate(() => window.wpLoaded), 'once', 'the page was reloaded');
  await see(page.locator('.recent li', { hasText: RESOURCE }), `${RESOURCE}'s changes under Recent changes`);
});

step('the group view draws the dependency graph and answers why', async () => {
  await card().locator('a.group-name').click();
  await see(view('group'), `the view of group ${GROUP}`);
  const names = await page.locator('[data-view-name="group"] table.resources tr[data-resource]')
    .evaluateAll((rows) => rows.map((r) => r.dataset.resource));
  assert.ok(names.includes(RESOURCE), `the group view lists ${names.join(', ')}, not ${RESOURCE}`);
  const svg = page.locator(`svg[data-graph="${GROUP}"]`);
  await see(svg, 'the dependency graph');
  const drawn = await svg.locator('[data-graph-node]').evaluateAll((ns) => ns.map((n) => n.dataset.graphNode));
  assert.deepEqual([...drawn].sort(), [...names].sort(), 'the graph has not one node for each resource');
  const deps = await page.locator('[data-view-name="group"] table.resources tr[data-resource] code').count();
  const edges = await svg.locator('[data-edge]').count();
  assert.ok(edges >= deps, `${deps} resources depend on others, yet the graph has ${edges} edges`);
  assert.equal(await svg.locator(`[data-graph-node="${RESOURCE}"]`).getAttribute('data-state'), 'Online',
               `${RESOURCE} is not Online in the graph`);
  await page.click(`[data-view="why"][data-target="${GROUP}"]`);
  await see(page.locator(`[data-why-summary="${GROUP}"]`), 'the answer of why');
  assert.ok((await page.locator(`[data-why-summary="${GROUP}"]`).innerText()).trim(), 'why has no summary');
  assert.ok(await page.locator('[data-why-node]').count() > 0, 'why names no node');
  assert.equal(await page.evaluate(() => window.wpLoaded), 'once', 'the page was reloaded');
  await shot('group');
});

step('a refused property shows the API\'s message next to its field', async () => {
  const form = page.locator('form[data-props="group"]');
  await see(form, 'the group\'s property form');
  // The forms are wolfpackd's tables (GET /v1/properties): a choice is a
  // select of its values, a yes/no property too.
  const choices = async (prop) => form.locator(`select[data-prop="${prop}"] option`).allInnerTexts();
  assert.deepEqual((await choices('AutoFailbackType')).slice(1), ['prevent', 'allow'], 'AutoFailbackType offers');
  assert.deepEqual((await choices('PersistentState')).slice(1), ['yes', 'no'], 'PersistentState offers');
  await form.locator('input[data-prop="FailoverThreshold"]').fill('many');
  await form.locator('[data-action="save-properties"]').click();
  const err = form.locator('[data-error-for="FailoverThreshold"]');
  await see(err, 'an error next to FailoverThreshold');
  assert.match(await err.innerText(), /FailoverThreshold/, 'the message next to the field is not the API\'s');
  assert.equal(await form.locator('input[data-prop="FailoverThreshold"]').getAttribute('aria-invalid'), 'true');

  // A resource's form: pick it in the graph, then a good value saved.
  await page.click(`svg[data-graph="${GROUP}"] [data-graph-node="${RESOURCE}"]`);
  const rform = page.locator('form[data-props="resource"]');
  await see(rform.locator('input[data-prop="RestartThreshold"]'), `the property form of ${RESOURCE}`);
  await rform.locator('input[data-prop="RestartThreshold"]').fill('lots');
  await rform.locator('[data-action="save-properties"]').click();
  await see(rform.locator('[data-error-for="RestartThreshold"]'), 'an error next to RestartThreshold');
  await shot('property-refused');
  // A good value saved: DeadlockTimeout changes nothing the run relies on.
  await rform.locator('input[data-prop="RestartThreshold"]').fill(
    await rform.locator('input[data-prop="RestartThreshold"]').getAttribute('data-original'));
  const was = await rform.locator('input[data-prop="DeadlockTimeout"]').getAttribute('data-original');
  await rform.locator('input[data-prop="DeadlockTimeout"]').fill(was === '301s' ? '302s' : '301s');
  await rform.locator('[data-action="save-properties"]').click();
  await see(rform.locator('[data-form-status="resource"]', { hasText: 'Saved' }), 'the resource\'s property saved');
  assert.match(await err.innerText(), /FailoverThreshold/, 'picking a resource cleared the group form\'s message');
  await form.locator('input[data-prop="FailoverThreshold"]').fill('');
});

step('the nodes view pauses, resumes and drains', async () => {
  await open('nodes', 'nodes');
  const rows = page.locator('[data-view-name="nodes"] tr[data-node]');
  assert.ok(await rows.count() > 0, 'the nodes view lists no node');
  const node = await rows.first().getAttribute('data-node');
  const row = page.locator(`[data-view-name="nodes"] tr[data-node="${node}"]`);
  await row.locator('[data-action="node-pause"]').click();
  await see(page.locator(`[data-view-name="nodes"] tr[data-node="${node}"][data-paused="true"]`), `${node} paused`);
  await row.locator('[data-action="node-resume"]').click();
  await see(page.locator(`[data-view-name="nodes"] tr[data-node="${node}"][data-paused="false"]`), `${node} resumed`);
  // On one node a drain has nowhere to go: the 409's message is shown;
  // on many, the moves.
  await row.locator('[data-action="node-drain"]').click();
  const outcome = page.locator(`[data-drain-result="${node}"]`);
  await see(outcome, `the outcome of draining ${node}`);
  assert.ok((await outcome.innerText()).trim().length > `Drain of ${node}: `.length, 'the drain outcome says nothing');
  await shot('nodes');
  if (await outcome.getAttribute('data-outcome') === 'moving') {
    await page.locator(`[data-view-name="nodes"] tr[data-node="${node}"] [data-action="node-resume"]`).click();
  }
});

step('the log view reads, filters and follows the cluster log', async () => {
  await open('log', 'log');
  await see(page.locator('[data-view-name="log"] tr[data-log-code]'), 'entries of the cluster log');
  await page.fill('[data-filter="search"]', RESOURCE);
  await see(page.locator('[data-view-name="log"] tr[data-log-code="RESOURCE_FAILED"]'),
            `the failure of ${RESOURCE} in the log, searched by its name`);
  await page.fill('[data-filter="search"]', '');
  await page.selectOption('[data-filter="level"]', 'error');
  const errors = await page.locator('[data-view-name="log"] tr[data-log-code]').evaluateAll(
    (rows) => rows.filter((r) => r.dataset.level !== 'error').length);
  assert.equal(errors, 0, 'the level filter "error and above" shows entries of lower levels');
  await page.selectOption('[data-filter="level"]', 'debug');
  // New entries arrive while the view is open: the group taken offline and
  // online again through the API, its placement (logged by wolfpackd
  // itself) must appear without reading the log again.
  const rows = (code) => page.locator(`[data-view-name="log"] tr[data-log-code="${code}"]`).count();
  const placed = await rows('GROUP_PLACED');
  const api = async (method, p) => {
    const res = await context.request.fetch(`${URL_}${p}`, { method, headers: { Authorization: `Bearer ${ADMIN}` } });
    assert.ok(res.ok(), `${method} ${p} answered ${res.status()}: ${await res.text()}`);
    return res.json();
  };
  const g = `/v1/groups/${encodeURIComponent(GROUP)}`;
  await api('POST', `${g}/offline`);
  for (let end = Date.now() + WAIT; (await api('GET', g)).state !== 'Offline';) {
    assert.ok(Date.now() < end, `${GROUP} did not go Offline within ${WAIT / 1000} s`);
    await page.waitForTimeout(100);
  }
  const reads = [];
  page.on('request', (r) => { if (r.url().includes('/v1/log')) reads.push(r.url()); });
  await api('POST', `${g}/online`);
  await until((n) => document.querySelectorAll('[data-view-name="log"] tr[data-log-code="GROUP_PLACED"]').length > n,
              placed, `${GROUP}'s new GROUP_PLACED entry shown live`);
  assert.deepEqual(reads, [], 'the log view read the log again instead of following the event stream');
  await shot('log');
  await open('overview', 'overview');
  await see(card().and(page.locator('[data-state="Online"]')), `group ${GROUP} Online again`);
});

if (OPERATOR) {
  step('an operator is offered operations, not property changes', async () => {
    await signOut();
    await signIn(OPERATOR, 'operator');
    await open('overview', 'overview');
    await see(card().locator('[data-action="group-offline"]'), 'the offline button for an operator');
    await page.goto(`${URL_}/#/group/${encodeURIComponent(GROUP)}/${encodeURIComponent(RESOURCE)}`);
    await see(view('group'), 'the group view');
    await see(page.locator(`[data-action="resource-fail"][data-target="${RESOURCE}"]`), 'the fail button for an operator');
    await see(page.locator('[data-props="resource"]'), 'the resource\'s properties');
    const editable = await page.locator('[data-props] input, [data-props] select, [data-action="save-properties"]').count();
    assert.equal(editable, 0, 'an operator is offered property fields');
  });
}

step('a read token is offered no action anywhere', async () => {
  await signOut();
  await shot('signed-out');
  await signIn(READ, 'read');
  await open('overview', 'overview');
  const found = [];
  const look = async (where) => {
    for (const a of await offeredActions()) found.push(`${where}: ${a}`);
  };
  await see(card(), `group ${GROUP} on the overview`);
  await look('overview');
  await shot('read-overview');
  await page.goto(`${URL_}/#/group/${encodeURIComponent(GROUP)}/${encodeURIComponent(RESOURCE)}`);
  await see(view('group'), 'the group view');
  await see(page.locator('[data-props="resource"]'), 'the resource\'s properties, read-only');
  await look('group');
  await shot('read-group');
  await open('nodes', 'nodes');
  await look('nodes');
  await open('log', 'log');
  await look('log');
  assert.deepEqual(found, [], 'a read token is offered actions');
  await signOut();
});
