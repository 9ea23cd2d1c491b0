#!/usr/bin/env node
// Takes the README's screenshot (docs/playground.png): the built page in Debian's Chromium, SQ and PQ
// run on fmnist-2k with PQ at two sub-quantizer counts. Needs /usr/bin/chromium and a built dist/.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const app = new URL('..', import.meta.url).pathname;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1180, height: 900 } });
  await page.goto(pathToFileURL(join(app, 'dist/index.html')).href);
  await page.locator('input.use-plugin[data-plugin="sq"]').check();
  await page.locator('fieldset[data-plugin="sq"] [data-param="format"]').selectOption('4bit');
  await page.locator('input.use-plugin[data-plugin="pq"]').check();
  await page.locator('fieldset[data-plugin="pq"] [data-param="m"]').fill('8,16');
  await page.click('#run');
  await page.waitForFunction(() => /^done|^cancelled/.test(document.querySelector('#run-status')?.textContent ?? '') || document.querySelector('#run-status')?.classList.contains('error'), undefined, { timeout: 300_000 });
  console.log(await page.textContent('#run-status'));
  const out = join(app, '../../docs/playground.png');
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
}
