// Browser test in real Chromium: an editor writes a post with an image and alt
// text for the practice channel and it appears on the practice timeline; a post
// refused for its rules keeps everything typed, the uploaded image included.
// Screenshots go to target/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { root, startSiar } from './harness.mjs';

const shots = join(root, 'target', 'screenshots');
const poster = join(root, 'crates', 'siar-testkit', 'fixtures', 'poster.jpg');
let siar, browser, base;

before(async () => {
  mkdirSync(shots, { recursive: true });
  siar = await startSiar();
  ({ browser, base } = siar);
});

after(async () => {
  await siar?.stop();
});

async function signIn(page, email) {
  await page.goto(`${base}/app/login`);
  await page.fill('#email', email);
  await page.fill('#password', 'siar-demo');
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}/app`);
}

test('the demo has published and scheduled posts on the practice channel', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await signIn(page, 'editor@perpustakaan.example');
  await page.goto(`${base}/app/posts`);
  // The demo's worker publishes the two posts due now within a few seconds.
  for (let i = 0; i < 50; i++) {
    if ((await page.locator('.badge.ok').count()) >= 2) break;
    await page.waitForTimeout(200);
    await page.reload();
  }
  assert.ok((await page.locator('.badge.ok').count()) >= 2, 'two posts published');
  assert.ok((await page.locator('text=Terjadwal').count()) >= 2, 'two posts scheduled');
  await page.screenshot({ path: join(shots, 'posts-id.png'), fullPage: true });
  await page.close();
});

test('an editor schedules a post with an image; bad input keeps what was typed', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await signIn(page, 'editor@perpustakaan.example');
  await page.goto(`${base}/app/tulis`);
  const text = 'Pameran buku lokal Palembang di lobi perpustakaan 🎉 #BacaBukuLokal';
  await page.fill('#text', text);
  await page.setInputFiles('#file', poster);
  // No channel chosen and no alt text: saved as a draft but not scheduled; nothing lost.
  await page.click('button[value=schedule]');
  await page.waitForSelector('.flash.err');
  assert.match(await page.textContent('body'), /Pilih setidaknya satu kanal/);
  assert.equal(await page.inputValue('#text'), text);
  assert.equal(await page.locator('.media-list img').count(), 1, 'the uploaded image is kept');
  await page.screenshot({ path: join(shots, 'compose-problems-id.png'), fullPage: true });

  await page.check('input[name=channel]');
  await page.click('button[value=schedule]');
  await page.waitForSelector('.flash.err');
  assert.match(await page.textContent('body'), /Teks alternatif wajib diisi/);
  await page.fill('#alt', 'Rak pameran berisi buku karya penulis Palembang');
  await page.click('button[value=schedule]');
  await page.waitForURL(/\/app\/posts\/\d+$/);
  assert.match(await page.textContent('.flash'), /sudah dijadwalkan/);
  for (let i = 0; i < 50; i++) {
    if ((await page.locator('.badge.ok').count()) >= 1) break;
    await page.waitForTimeout(200);
    await page.reload();
  }
  assert.equal(await page.locator('.badge.ok').count(), 1, 'published on the practice channel');
  assert.equal(await page.getAttribute('.media-list img', 'alt'), 'Rak pameran berisi buku karya penulis Palembang');
  await page.screenshot({ path: join(shots, 'post-published-id.png'), fullPage: true });

  await page.click('text=Lihat di platform');
  await page.waitForURL(/\/app\/channels\/\d+/);
  assert.match(await page.textContent('.timeline'), /Pameran buku lokal Palembang/);
  await page.screenshot({ path: join(shots, 'practice-timeline-id.png'), fullPage: true });
  await page.close();
});

test('an admin sees channel health and the ways to connect', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await signIn(page, 'admin@perpustakaan.example');
  await page.goto(`${base}/app/channels`);
  assert.ok(await page.isVisible('text=Kanal Latihan'));
  assert.ok(await page.isVisible('.badge.ok'));
  assert.ok(await page.isVisible('#handle'), 'the Bluesky form');
  // A Bluesky handle that is not a domain is refused before any call.
  await page.fill('#handle', 'perpustakaan');
  await page.fill('#app_password', 'xxxx');
  await page.click('#connect-bluesky ~ form button[type=submit]');
  await page.waitForSelector('#handle-err');
  assert.equal(await page.inputValue('#handle'), 'perpustakaan');
  assert.equal(await page.inputValue('#app_password'), '', 'passwords are never sent back');
  await page.screenshot({ path: join(shots, 'channels-id.png'), fullPage: true });
  await page.close();
});
