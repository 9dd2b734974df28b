// Browser test in real Chromium: the demo's Analitik pages on a desktop and
// on a phone. The summary shows its figures and charts; the best-time table
// is shaded; the audience hints read plainly. Screenshots go to
// target/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { root, startSiar } from './harness.mjs';

const shots = join(root, 'target', 'screenshots');
let siar, browser, base;

before(async () => {
  mkdirSync(shots, { recursive: true });
  siar = await startSiar();
  ({ browser, base } = siar);
});

after(async () => {
  await siar?.stop();
});

async function signIn(email, viewport) {
  const ctx = await browser.newContext({ viewport });
  const page = await ctx.newPage();
  await page.goto(`${base}/app/login`);
  await page.fill('#email', email);
  await page.fill('#password', 'siar-demo');
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}/app`);
  return page;
}

test('an analyst reads the summary, content, best time and audience', async () => {
  const p = await signIn('analis@perpustakaan.example', { width: 1280, height: 900 });
  await p.click('nav.side >> text=Analitik');
  await p.waitForURL(`${base}/app/analitik`);
  assert.match(await p.textContent('.stat-cards'), /Tingkat interaksi/);
  assert.equal(await p.locator('svg[role=img]').count() >= 1, true);
  await p.click('a:has-text("90 hari terakhir")');
  await p.screenshot({ path: join(shots, 'analytics-summary.png'), fullPage: true });
  await p.click('nav.tabs >> text=Konten');
  assert.match(await p.textContent('main'), /#PalembangBaca/);
  await p.screenshot({ path: join(shots, 'analytics-content.png'), fullPage: true });
  await p.click('nav.tabs >> text=Waktu terbaik');
  assert.ok(await p.locator('td.heat.l4').count() >= 1);
  await p.screenshot({ path: join(shots, 'analytics-time.png'), fullPage: true });
  await p.click('nav.tabs >> text=Audiens');
  assert.match(await p.textContent('main'), /orang tua/);
  // The monthly report: made on demand, listed, downloadable.
  await p.click('nav.tabs >> text=Laporan bulanan');
  await p.click('button:has-text("Buat laporan PDF")');
  await p.waitForSelector('.flash.ok');
  const link = p.locator('table a[href^="/app/analitik/laporan/"]').first();
  const [download] = await Promise.all([p.waitForEvent('download'), link.click()]);
  assert.match(download.suggestedFilename(), /^laporan-\d{4}-\d{2}\.pdf$/);
  await p.screenshot({ path: join(shots, 'analytics-reports.png'), fullPage: true });
  // A reversed range is explained next to the field.
  await p.goto(`${base}/app/analitik?dari=2026-11-20&sampai=2026-11-01`);
  assert.match(await p.textContent('#dari-err'), /setelah tanggal akhir/);
  const phone = await signIn('analis@perpustakaan.example', { width: 360, height: 740 });
  await phone.goto(`${base}/app/analitik?hari=90`);
  await phone.screenshot({ path: join(shots, 'analytics-phone.png'), fullPage: true });
  await phone.goto(`${base}/app/analitik/audiens`);
  await phone.screenshot({ path: join(shots, 'analytics-audience-phone.png'), fullPage: true });
});
