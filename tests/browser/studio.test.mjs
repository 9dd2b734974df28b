// Browser test in real Chromium: a contributor drafts a post with an image and
// alt text (counters update as she types, the draft saves itself), submits it;
// an editor asks for a change; she fixes it and submits again; the editor
// approves and it is scheduled on the practice channel. Screenshots go to
// target/screenshots/.
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

// Wall-clock time in Palembang (WIB, UTC+7, no daylight saving) `ms` from now.
function wib(ms) {
  return new Date(Date.now() + ms + 7 * 3600e3).toISOString();
}

async function signIn(browser, email) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(`${base}/app/login`);
  await page.fill('#email', email);
  await page.fill('#password', 'siar-demo');
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}/app`);
  return page;
}

test('a draft goes from contributor to editor and back, then is approved', async () => {
  const sari = await signIn(browser, 'kontributor@perpustakaan.example');
  await sari.goto(`${base}/app/tulis`);
  // Live counter: typing updates the practice channel's count.
  // Four channels: the practice channel and the ones that follow Facebook's,
  // Instagram's and X's rules.
  const boxes = sari.locator('input[name=channel]');
  assert.equal(await boxes.count(), 4);
  for (let i = 0; i < 4; i++) await boxes.nth(i).check();
  await sari.fill('#text', 'Kelas menulis cerpen untuk pelajar SMP, Sabtu ini di aula. #palembangbaca');
  await sari.selectOption('#campaign', { label: '#PalembangBaca' });
  await sari.selectOption('#category', 'program_membaca');
  await sari.waitForFunction(() => /terhitung \d+ dari/.test(document.querySelector('.counter').textContent));
  // The campaign's spelling of its hashtag is suggested.
  await sari.waitForSelector('#hashtag-fixes li');
  assert.match(await sari.textContent('#hashtag-fixes'), /#PalembangBaca/);
  // The draft saves itself within a few seconds, and the address becomes the draft's.
  await sari.waitForFunction(() => /Tersimpan otomatis/.test(document.getElementById('autosave-status').textContent), null, { timeout: 10000 });
  assert.match(sari.url(), /\/app\/tulis\/\d+$/);
  // Hashtag suggestions complete a tag being typed.
  await sari.click('#text');
  await sari.keyboard.press('End');
  await sari.keyboard.type(' #Ayo');
  await sari.click('button.tag[data-tag="#AyoMembaca"]');
  assert.match(await sari.inputValue('#text'), /#AyoMembaca $/);
  // Planned for tomorrow at 09:00 WIB.
  await sari.check('input[name=when_mode][value=later]');
  await sari.fill('#when', `${wib(86400e3).slice(0, 10)}T09:00`);
  await sari.setInputFiles('#file', poster);
  await sari.fill('#alt', 'Pelajar menulis cerpen di aula perpustakaan');
  await sari.screenshot({ path: join(shots, 'studio-compose-id.png'), fullPage: true });
  await sari.click('button[value=submit]');
  await sari.waitForSelector('.flash.ok');
  assert.match(await sari.textContent('.flash.ok'), /sudah diajukan/);
  assert.match(await sari.textContent('#status'), /Menunggu tinjauan/);
  const draftUrl = sari.url();

  // The editor sees it waiting and in the notifications; asks for a change.
  const dedi = await signIn(browser, 'editor@perpustakaan.example');
  await dedi.goto(`${base}/app/notifikasi`);
  assert.match(await dedi.textContent('main'), /Sari Kontributor mengajukan “Kelas menulis cerpen/);
  await dedi.goto(`${base}/app/tinjauan`);
  await dedi.click('text=Kelas menulis cerpen');
  assert.equal(dedi.url(), draftUrl);
  assert.equal(await dedi.getAttribute('.media-list img', 'alt'), 'Pelajar menulis cerpen di aula perpustakaan');
  await dedi.click('button[value=changes]');
  await dedi.waitForSelector('#comment-err');
  await dedi.fill('#comment', 'Tambahkan jam mulainya (pukul 09.00), ya.');
  await dedi.click('button[value=changes]');
  await dedi.waitForURL(`${base}/app/tinjauan`);

  // The contributor sees the comment, fixes the text and submits again.
  await sari.goto(`${base}/app/notifikasi`);
  assert.match(await sari.textContent('main'), /meminta perubahan/);
  await sari.goto(draftUrl);
  assert.match(await sari.textContent('.attention'), /Tambahkan jam mulainya/);
  await sari.screenshot({ path: join(shots, 'studio-changes-requested-id.png'), fullPage: true });
  await sari.fill('#text', 'Kelas menulis cerpen untuk pelajar SMP, Sabtu ini pukul 09.00 di aula. #PalembangBaca #AyoMembaca');
  await sari.click('button[value=submit]');
  await sari.waitForSelector('.flash.ok');

  // The editor approves: it is scheduled on the practice channel.
  await dedi.goto(draftUrl);
  assert.match(await dedi.textContent('main'), /pukul 09\.00/);
  await dedi.screenshot({ path: join(shots, 'studio-review-id.png'), fullPage: true });
  await dedi.click('button[value=approve]');
  await dedi.waitForURL(/\/app\/posts\/\d+$/);
  assert.match(await dedi.textContent('.flash'), /disetujui/);
  assert.ok(await dedi.isVisible('text=Kanal Latihan (aturan Instagram)'));
  await dedi.screenshot({ path: join(shots, 'studio-approved-id.png'), fullPage: true });

  const postUrl = dedi.url();
  const id = postUrl.split('/').pop();

  // It is on the calendar tomorrow; the editor drags it to the day after.
  const tomorrow = wib(86400e3).slice(0, 10);
  const later = wib(2 * 86400e3).slice(0, 10);
  await dedi.goto(`${base}/app/kalender?tanggal=${tomorrow}`);
  const item = dedi.locator(`#calendar [data-post="${id}"]`);
  await item.waitFor();
  await dedi.screenshot({ path: join(shots, 'calendar-month-id.png'), fullPage: true });
  await item.dragTo(dedi.locator(`#calendar td[data-date="${later}"]`));
  await dedi.waitForFunction(() => /dipindah/.test(document.getElementById('cal-status').textContent));
  await dedi.waitForSelector(`#calendar td[data-date="${later}"] [data-post="${id}"]`);
  // With the keyboard: Alt + left arrow moves it back a day.
  await dedi.focus(`#calendar [data-post="${id}"]`);
  await dedi.keyboard.press('Alt+ArrowLeft');
  await dedi.waitForSelector(`#calendar td[data-date="${tomorrow}"] [data-post="${id}"]`);
  // A past day is refused with a message.
  await dedi.goto(`${base}/app/kalender?tampilan=minggu&tanggal=${tomorrow}`);
  await dedi.screenshot({ path: join(shots, 'calendar-week-id.png'), fullPage: true });

  // Without dragging, the post's page moves it too: to this very minute, and
  // it goes out on the practice channel at once.
  await dedi.goto(postUrl);
  const soon = wib(60e3);
  await dedi.fill('#move-date', soon.slice(0, 10));
  await dedi.fill('#move-time', soon.slice(11, 16));
  await dedi.click('form[action="/app/kalender/pindah"] button');
  await dedi.waitForSelector('.flash.ok');
  for (let i = 0; i < 120; i++) {
    if ((await dedi.locator('.badge.ok').count()) >= 4) break;
    await dedi.waitForTimeout(1000);
    await dedi.reload();
  }
  assert.equal(await dedi.locator('.badge.ok').count(), 4, 'published on all four practice channels');
  await dedi.screenshot({ path: join(shots, 'studio-published-id.png'), fullPage: true });

  // The uploaded poster is in the media library for the next draft, with its alt text.
  await sari.goto(`${base}/app/tulis`);
  await sari.fill('#text', 'Poster kelas menulis, sekali lagi.');
  await sari.click('text=Pilih dari pustaka media');
  await sari.check('input[name=pick]');
  await sari.click('button[value=save]');
  await sari.waitForSelector('.flash.ok');
  assert.equal(await sari.getAttribute('.media-list img', 'alt'), 'Pelajar menulis cerpen di aula perpustakaan');
  await sari.context().close();
  await dedi.context().close();
});

test('campaigns show their posts on a small calendar', async () => {
  const page = await signIn(browser, 'editor@perpustakaan.example');
  await page.goto(`${base}/app/kampanye`);
  await page.click('table a >> text="#PalembangBaca"');
  await page.waitForSelector('.mini-cal');
  assert.ok((await page.locator('.mini-cal .dot').count()) >= 5, 'posts on the calendar');
  await page.screenshot({ path: join(shots, 'campaign-id.png'), fullPage: true });
  // A hashtag with a space is refused and the form keeps what was typed.
  await page.goto(`${base}/app/kampanye`);
  await page.fill('#name', 'Pekan Dongeng');
  await page.fill('#starts_on', '2026-12-10');
  await page.fill('#ends_on', '2026-12-17');
  await page.fill('#hashtags', '#Pekan Dongeng');
  await page.click('text=Buat kampanye');
  await page.waitForSelector('#hashtags-err');
  assert.match(await page.textContent('#hashtags-err'), /tidak boleh berisi spasi/);
  assert.equal(await page.inputValue('#name'), 'Pekan Dongeng');
  await page.context().close();
});

test('an article reads well on a phone and its editor shows a safe preview', async () => {
  const ctx = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const phone = await ctx.newPage();
  await phone.goto(`${base}/artikel`);
  await phone.click('text=Tips Memilih Buku untuk Anak Usia Dini');
  await phone.waitForSelector('article h1');
  assert.equal(await phone.getAttribute('meta[property="og:title"]', 'content'), 'Tips Memilih Buku untuk Anak Usia Dini');
  const width = await phone.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `no sideways scrolling (${width}px)`);
  await phone.screenshot({ path: join(shots, 'article-phone-id.png'), fullPage: true });
  await ctx.close();
  const dedi = await signIn(browser, 'editor@perpustakaan.example');
  await dedi.goto(`${base}/app/artikel`);
  await dedi.click('text=Cara Meminjam E-book');
  await dedi.waitForSelector('.article-body');
  await dedi.screenshot({ path: join(shots, 'article-edit-id.png'), fullPage: true });
  await dedi.context().close();
});
