// Accessibility check with axe-core (WCAG 2.1 A and AA rules) in real Chromium:
// the public portal on a phone, the sign-in page, and the console pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { audit, startSiar } from './harness.mjs';

let siar, browser, base;

before(async () => {
  siar = await startSiar();
  ({ browser, base } = siar);
});

after(async () => {
  await siar?.stop();
});

test('the portal and sign-in page pass axe on a phone', async () => {
  const ctx = await browser.newContext({ bypassCSP: true, viewport: { width: 360, height: 740 } });
  const page = await ctx.newPage();
  for (const path of ['/', '/?lang=en', '/app/login', '/tidak-ada', '/tautan', '/artikel', '/artikel/tips-memilih-buku-untuk-anak-usia-dini', '/masuk', '/jajak/buku-minggu-buku', '/jajak/waktu-berkunjung', '/hadiah', '/tantangan', '/tantangan/liburan-akhir-tahun', '/verifikasi/ACDE-FGHJ', '/kuis/kenal-palembang', '/survei/kepuasan-2026']) {
    await page.goto(base + path);
    assert.deepEqual(await audit(page), [], `violations on ${path}`);
  }
  await ctx.close();
});

test('the console pages pass axe', async () => {
  const ctx = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await page.goto(`${base}/app/login`);
  await page.fill('#email', 'admin@perpustakaan.example');
  await page.fill('#password', 'siar-demo');
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}/app`);
  for (const path of ['/app', '/app/staff', '/app/staff/new', '/app/staff/1', '/app/settings', '/app/audit', '/app/jobs', '/app/account', '/app/channels', '/app/channels/1', '/app/posts', '/app/tulis', '/app/tinjauan', '/app/notifikasi', '/app/kampanye', '/app/kampanye/1', '/app/posts/1', '/app/links', '/app/links/1', '/app/hari-penting', '/app/kalender', '/app/kalender?tampilan=minggu', '/app/kalender?tampilan=daftar', '/app/kalender/impor', '/app/antrean', '/app/templat', '/app/artikel', '/app/artikel/1', '/app/artikel/baru', '/app/kotak-masuk', '/app/kotak-masuk/1', '/app/kotak-masuk/atur', '/app/kotak-masuk/laporan', '/app/analitik', '/app/analitik/konten', '/app/analitik/waktu', '/app/analitik/audiens', '/app/analitik/laporan', '/app/jajak', '/app/jajak/1', '/app/jajak/2', '/app/patron/kode', '/app/hadiah', '/app/hadiah/tukar', '/app/tantangan', '/app/tantangan/1', '/app/tantangan/tinjauan', '/app/kuis', '/app/survei', '/app/formulir/1', '/app/formulir/1/pratinjau', '/app/formulir/1/hasil', '/app/formulir/1/soal/1', '/app/formulir/2', '/app/formulir/2/pratinjau', '/app/formulir/2/hasil']) {
    await page.goto(base + path);
    assert.deepEqual(await audit(page), [], `violations on ${path}`);
  }
  await ctx.close();
});
