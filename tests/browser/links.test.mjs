// Browser test in real Chromium: a contributor makes a short link for the
// practice channel, sees its QR code, and following the short address lands
// on the target with UTM tags and counts the click. Screenshots go to
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

test('a contributor makes a short link with a QR code for a poster', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${base}/app/login`);
  await page.fill('#email', 'kontributor@perpustakaan.example');
  await page.fill('#password', 'siar-demo');
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}/app`);
  await page.click('nav >> text=Tautan pendek');
  await page.waitForURL(`${base}/app/links`);
  // The demo's campaign links are listed with their clicks.
  assert.match(await page.textContent('table'), /KatalogPalembang/);
  await page.screenshot({ path: join(shots, 'links-id.png'), fullPage: true });
  // A code with a space is refused and what was typed stays.
  await page.fill('#target', 'https://perpustakaan.example/hari-buku');
  await page.fill('#label', 'Poster Hari Buku');
  await page.selectOption('#channel', { label: 'Kanal Latihan · latihan' }).catch(async () => {
    // The practice channel's handle may differ: pick the first channel.
    const v = await page.locator('#channel option').nth(1).getAttribute('value');
    await page.selectOption('#channel', v);
  });
  await page.fill('#campaign', '#HariBukuNasional');
  await page.fill('#code', 'hari buku');
  await page.click('button[type=submit]');
  await page.waitForSelector('#code-err');
  assert.match(await page.textContent('#code-err'), /tanpa spasi/);
  assert.equal(await page.inputValue('#target'), 'https://perpustakaan.example/hari-buku');
  await page.fill('#code', 'HariBuku2027');
  await page.click('button[type=submit]');
  await page.waitForURL(/\/app\/links\/\d+$/);
  // The QR code is a real image.
  const qr = page.locator('img.qr');
  await qr.waitFor();
  assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 100), 'QR code drawn');
  await page.screenshot({ path: join(shots, 'link-qr-id.png'), fullPage: true });
  // Following the short address goes on with UTM tags (the target is not
  // served here, so only the redirect is checked) and counts one click.
  const r = await page.request.get(`${base}/l/HariBuku2027`, { maxRedirects: 0 });
  assert.equal(r.status(), 302);
  assert.equal(
    r.headers()['location'],
    'https://perpustakaan.example/hari-buku?utm_source=practice&utm_medium=social&utm_campaign=haribukunasional',
  );
  await page.reload();
  assert.match(await page.textContent('.figures'), /1/);
  // The days that matter, a month at a time, for planning.
  // Whatever today's month, a month with Hari Ibu (22 December) is reached
  // by walking forward at most twelve times (always at least once).
  await page.click('nav >> text=Hari penting');
  for (let i = 0; i === 0 || (i < 13 && !/Hari Ibu/.test(await page.textContent('main'))); i++) {
    const next = await page.getAttribute('text=Bulan berikutnya', 'href');
    await Promise.all([
      page.waitForURL((u) => u.search === new URL(next, page.url()).search),
      page.click('text=Bulan berikutnya'),
    ]);
  }
  assert.match(await page.textContent('main'), /Hari Ibu/);
  await page.screenshot({ path: join(shots, 'days-id.png'), fullPage: true });
  await page.close();
});

test('the link-in-bio page is light and works on a small phone', async () => {
  const page = await browser.newPage({ viewport: { width: 360, height: 740 }, javaScriptEnabled: false });
  await page.goto(`${base}/tautan`);
  const links = page.locator('a.bio-link');
  assert.ok((await links.count()) >= 3, 'the demo campaign links are listed');
  // Each goes through its short link, so taps are counted.
  for (const href of await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')))) {
    assert.match(href, /^\/l\/[A-Za-z0-9-]+$/);
  }
  await page.screenshot({ path: join(shots, 'tautan-phone-id.png'), fullPage: true });
  await page.close();
});
