// SPDX-License-Identifier: LGPL-2.1-or-later
// bench/api's browser side: the web console in Debian's chromium, signed in
// with a read token, watching one resource's state on the overview. The
// driver (bench/api) writes "WATCH NAME" on stdin; this answers "READY"
// once NAME is shown and watched, then "SEEN NAME STATE EPOCH_MS" when the
// page shows NAME in another state, with the wall-clock time at which the
// page changed (a MutationObserver in the page stamps it). "QUIT" ends.
//
// Environment: WOLFPACK_URL, WOLFPACK_READ_TOKEN, CHROMIUM (default
// /usr/bin/chromium). playwright-core comes from tests/browser (npm ci
// --prefix tests/browser).

import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const top = join(dirname(fileURLToPath(import.meta.url)), '..');
const { chromium } = await import(pathToFileURL(join(top, 'tests/browser/node_modules/playwright-core/index.mjs')));

const url = process.env.WOLFPACK_URL.replace(/\/$/, '');
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
                                        args: ['--no-sandbox'] });
const page = await (await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } }))
  .newPage();
await page.goto(`${url}/`);
await page.fill('#token', process.env.WOLFPACK_READ_TOKEN);
await page.click('#login-button');
await page.waitForSelector('#stream[data-stream="open"]', { timeout: 60000 });

const say = (line) => process.stdout.write(line + '\n');
for await (const line of createInterface({ input: process.stdin })) {
  const [verb, name] = line.trim().split(/\s+/);
  if (verb === 'QUIT') break;
  if (verb !== 'WATCH') continue;
  const sel = `[data-view-name="overview"] [data-resource="${name}"]`;
  await page.waitForSelector(sel, { timeout: 60000 });
  const from = await page.evaluate(({ sel }) => {
    const before = document.querySelector(sel).dataset.state;
    window.wpSeen = null;
    window.wpObs?.disconnect();
    window.wpObs = new MutationObserver(() => {
      const el = document.querySelector(sel);
      if (!window.wpSeen && el && el.dataset.state !== before)
        window.wpSeen = { state: el.dataset.state, at: performance.timeOrigin + performance.now() };
    });
    window.wpObs.observe(document.body, { subtree: true, childList: true, attributes: true,
                                          attributeFilter: ['data-state'] });
    return before;
  }, { sel });
  say(`READY ${from}`);
  const seen = await page.waitForFunction(() => window.wpSeen, null, { timeout: 60000, polling: 'raf' });
  const { state, at } = await seen.jsonValue();
  say(`SEEN ${name} ${state} ${at.toFixed(1)}`);
}
await browser.close();
process.exit(0);
