// Browser test in real Chromium on a phone-sized screen: a guardian signs in
// with the code e-mailed through a real SMTP server (Debian's aiosmtpd), sets
// up the account, adds a child, votes in the demo's poll as the child, joins
// the reading challenge, logs three books, earns badges and a certificate
// whose verification page works and a card to share it, reads and downloads "My data"; an editor
// sees the vote; a patron takes a reward and the desk redeems it once; a
// patron answers the demo quiz and survey, and an editor reads the results. The
// signed-in patron pages pass axe. Screenshots go to target/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { audit, root, startSiar, startSmtp } from './harness.mjs';

const shots = join(root, 'target', 'screenshots');
const phone = { width: 360, height: 740 };
let siar, smtp, browser, base;

before(async () => {
  mkdirSync(shots, { recursive: true });
  smtp = await startSmtp();
  siar = await startSiar({ SIAR_SMTP_URL: smtp.url, SIAR_MAIL_FROM: 'Perpustakaan Kota Palembang <siar@perpustakaan.example>' });
  ({ browser, base } = siar);
});

after(async () => {
  await siar?.stop();
  smtp?.stop();
});

function sent(address) {
  return smtp.messages().filter(t => t.includes(address)).length;
}

// The code of the newest e-mail to `address` after the first `before` ones.
async function codeFor(address, before = 0) {
  for (let i = 0; i < 100; i++) {
    const all = smtp.messages().filter(t => t.includes(address));
    const m = all.length > before ? all.pop() : undefined;
    const found = m && m.match(/\b(\d{6})\b/);
    if (found) return found[1];
    await new Promise(r => setTimeout(r, 200));
  }
  throw new Error(`no code e-mailed to ${address}`);
}

test('a guardian signs in with an e-mailed code, adds a child, and the child votes', async () => {
  const ctx = await browser.newContext({ viewport: phone, bypassCSP: true });
  const page = await ctx.newPage();
  await page.goto(`${base}/`);
  assert.match(await page.textContent('#polls-h'), /Jajak pendapat/);
  await page.screenshot({ path: join(shots, 'portal-home-phone.png'), fullPage: true });
  // From the poll, sign in first (this poll also takes anonymous votes; the
  // guardian wants it on the child's profile).
  await page.click('header >> text=Masuk');
  await page.fill('#email', 'ayah.budi@contoh.example');
  await page.click('button:has-text("Kirim kode")');
  await page.waitForSelector('#code');
  assert.match(await page.textContent('main'), /ayah\.budi@contoh\.example/);
  const code = await codeFor('ayah.budi@contoh.example');
  await page.fill('#code', code);
  await page.screenshot({ path: join(shots, 'portal-code-phone.png'), fullPage: true });
  await page.click('button:has-text("Masuk")');
  await page.waitForURL(/\/akun\/mulai/);
  assert.deepEqual(await audit(page), [], 'violations on /akun/mulai');
  await page.fill('#nickname', 'Ayah Budi');
  // Without the consent it is refused and the nickname stays.
  await page.click('button:has-text("Simpan dan mulai")');
  await page.waitForSelector('#consent-err');
  assert.equal(await page.inputValue('#nickname'), 'Ayah Budi');
  await page.check('input[name=consent]');
  await page.click('button:has-text("Simpan dan mulai")');
  await page.waitForURL(`${base}/akun`);
  assert.match(await page.textContent('.flash'), /Akun Anda siap/);
  // A child's profile under the guardian's consent.
  await page.fill('#child-nickname', 'Nadia Cilik');
  await page.fill('#first_name', 'Nadia');
  await page.fill('#birth_year', '2017');
  await page.check('input[name=guardian_consent]');
  await page.click('button:has-text("Tambahkan anak")');
  await page.waitForSelector('.flash.ok');
  assert.match(await page.textContent('.profile-list'), /Nadia Cilik/);
  assert.deepEqual(await audit(page), [], 'violations on /akun');
  await page.screenshot({ path: join(shots, 'portal-account-phone.png'), fullPage: true });
  await page.click('button:has-text("Pakai profil Nadia Cilik")');
  await page.waitForSelector('.flash.ok');
  assert.match(await page.textContent('header'), /Nadia Cilik/);
  // The child votes; the results show at once on this poll.
  await page.goto(`${base}/jajak/buku-minggu-buku`);
  await page.check('label.poll-option:has-text("Dongeng Nusantara") input');
  await page.click('button:has-text("Kirim suara")');
  await page.waitForSelector('.poll-results');
  assert.match(await page.textContent('.flash'), /suara Anda sudah tercatat/);
  assert.match(await page.textContent('.poll-results'), /pilihan Anda/);
  assert.match(await page.textContent('main'), /7 orang memberi suara/);
  assert.deepEqual(await audit(page), [], 'violations on the poll after voting');
  await page.screenshot({ path: join(shots, 'portal-poll-results-phone.png'), fullPage: true });
  // The child joins the reading challenge, logs three books, earns badges
  // and a certificate whose public verification page works.
  await page.goto(`${base}/tantangan/liburan-akhir-tahun`);
  await page.click('button:has-text("Ikut tantangan ini")');
  await page.waitForSelector('.flash.ok');
  // A bad ISBN is explained and what was typed stays.
  await page.fill('#title', 'Laskar Pelangi');
  await page.fill('#isbn', '978-602-03-3295-7');
  await page.click('button:has-text("Simpan catatan")');
  await page.waitForSelector('#isbn-err');
  assert.equal(await page.inputValue('#title'), 'Laskar Pelangi');
  await page.fill('#isbn', '978-602-03-3295-6');
  await page.click('button:has-text("Simpan catatan")');
  await page.waitForSelector('.flash.ok');
  assert.match(await page.textContent('.flash'), /lencana baru/);
  for (const title of ['Si Kancil', 'Legenda Pulau Kemaro']) {
    await page.fill('#title', title);
    await page.click('button:has-text("Simpan catatan")');
    await page.waitForSelector('.flash.ok');
  }
  assert.match(await page.textContent('.flash'), /sertifikatmu sudah siap/);
  assert.match(await page.textContent('#prog-h + progress + p'), /3 \/ 3/);
  assert.equal(await page.locator('.badge-item.earned').count(), 3);
  assert.deepEqual(await audit(page), [], 'violations on the challenge page');
  await page.screenshot({ path: join(shots, 'portal-challenge-done-phone.png'), fullPage: true });
  const [cert] = await Promise.all([page.waitForEvent('download'), page.click('text=Unduh sertifikat (PDF)')]);
  await cert.saveAs(join(shots, 'certificate.pdf'));
  await page.click('text=Halaman verifikasi');
  await page.waitForSelector('.badge.ok');
  assert.match(await page.textContent('main'), /Sertifikat asli/);
  assert.match(await page.textContent('main'), /Nadia Cilik/);
  assert.doesNotMatch(await page.textContent('main'), /Nadia\b(?! Cilik)/, 'never the real first name');
  assert.deepEqual(await audit(page), [], 'violations on the verification page');
  await page.screenshot({ path: join(shots, 'portal-verify-phone.png'), fullPage: true });

  // The finished challenge is shared as a card that shows the nickname only.
  await page.goto(`${base}/tantangan/liburan-akhir-tahun`);
  await page.click('.badge-item.earned:last-child a');
  await page.waitForSelector('img.share-card');
  assert.match(await page.textContent('h1'), /Nadia Cilik menyelesaikan tantangan membaca/);
  await page.waitForFunction(() => { const i = document.querySelector('img.share-card'); return i.complete && i.naturalWidth === 1200; }, null, { timeout: 10000 });
  assert.ok(await page.locator('meta[property="og:image"]').count() === 1);
  assert.deepEqual(await audit(page), [], 'violations on the badge page');
  await page.screenshot({ path: join(shots, 'portal-badge-share-phone.png'), fullPage: true });
  const card = await page.request.get(await page.getAttribute('img.share-card', 'src').then(s => `${base}${s}`));
  writeFileSync(join(shots, 'badge-card.png'), await card.body());

  // My data: consents with their version, the vote, and the downloads.
  await page.goto(`${base}/akun/data`);
  const data = await page.textContent('main');
  assert.match(data, /Izin orang tua\/wali/);
  assert.match(data, /versi teks 2026-11/);
  assert.match(data, /Dongeng Nusantara/);
  assert.deepEqual(await audit(page), [], 'violations on /akun/data');
  await page.screenshot({ path: join(shots, 'portal-my-data-phone.png'), fullPage: true });
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=Unduh data (JSON)')]);
  assert.equal(download.suggestedFilename(), 'data-saya.json');
  await ctx.close();

  // An editor sees seven ballots on the poll's results page.
  const staff = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const ed = await staff.newPage();
  await ed.goto(`${base}/app/login`);
  await ed.fill('#email', 'editor@perpustakaan.example');
  await ed.fill('#password', 'siar-demo');
  await ed.click('button[type=submit]');
  await ed.waitForURL(`${base}/app`);
  await ed.click('nav.side >> text=Jajak pendapat');
  await ed.click('text=Buku apa yang ingin kamu baca di Minggu Buku Palembang?');
  assert.match(await ed.textContent('main'), /7 orang memberi suara · 4 di antaranya dengan akun/);
  await ed.screenshot({ path: join(shots, 'console-poll-results.png'), fullPage: true });
  await staff.close();
});

test('a patron takes a reward for points; the desk redeems the voucher once', async () => {
  const ctx = await browser.newContext({ viewport: phone, bypassCSP: true });
  const page = await ctx.newPage();
  await page.goto(`${base}/masuk?next=/hadiah`);
  await page.fill('#email', 'keluarga.ani@contoh.example');
  await page.click('button:has-text("Kirim kode")');
  await page.waitForSelector('#code');
  await page.fill('#code', await codeFor('keluarga.ani@contoh.example'));
  await page.click('button:has-text("Masuk")');
  await page.waitForURL(`${base}/hadiah`);
  assert.match(await page.textContent('.points-now'), /80 poin/);
  assert.deepEqual(await audit(page), [], 'violations on /hadiah');
  await page.screenshot({ path: join(shots, 'portal-rewards-phone.png'), fullPage: true });
  await page.click('button:has-text("Tukar: Bebas denda sekali")');
  await page.waitForURL(/\/voucher\//);
  const code = (await page.textContent('.voucher-code')).trim();
  assert.match(code, /^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  assert.ok(await page.isVisible('img.voucher-qr'));
  assert.deepEqual(await audit(page), [], 'violations on the voucher');
  await page.screenshot({ path: join(shots, 'portal-voucher-phone.png'), fullPage: true });

  // At the desk, a moderator on a phone types the code as heard.
  const desk = await browser.newContext({ viewport: phone, bypassCSP: true });
  const d = await desk.newPage();
  await d.goto(`${base}/app/login`);
  await d.fill('#email', 'moderator@perpustakaan.example');
  await d.fill('#password', 'siar-demo');
  await d.click('button[type=submit]');
  await d.waitForURL(`${base}/app`);
  await d.goto(`${base}/app/hadiah/tukar`);
  await d.fill('#kode', code.toLowerCase().replace('-', ' '));
  await d.click('button:has-text("Periksa")');
  await d.waitForSelector('button:has-text("Tukarkan sekarang")');
  assert.deepEqual(await audit(d), [], 'violations on the desk page');
  await d.click('button:has-text("Tukarkan sekarang")');
  await d.waitForSelector('.flash.ok');
  assert.match(await d.textContent('.flash'), /berhasil ditukarkan/);
  await d.screenshot({ path: join(shots, 'desk-redeemed-phone.png'), fullPage: true });
  // A second desk (or a second try) is refused.
  await d.goto(`${base}/app/hadiah/tukar?kode=${code}`);
  assert.ok(!(await d.isVisible('button:has-text("Tukarkan sekarang")')), 'no second redemption offered');
  const r = await d.request.post(`${base}/app/hadiah/tukar`, {
    form: { _csrf: await d.locator('input[name=_csrf]').first().inputValue(), code },
  });
  assert.equal(r.status(), 422);
  assert.match(await r.text(), /sudah dipakai sebelumnya/);
  await desk.close();

  await page.reload();
  assert.match(await page.textContent('main'), /Sudah dipakai/);
  await page.goto(`${base}/akun/poin`);
  assert.match(await page.textContent('main'), /30 poin/);
  assert.deepEqual(await audit(page), [], 'violations on /akun/poin');
  await ctx.close();
});

test('a patron answers a quiz and a survey, one question per page', async () => {
  const ctx = await browser.newContext({ viewport: phone, bypassCSP: true });
  const page = await ctx.newPage();
  await page.goto(`${base}/masuk?next=/kuis/kenal-palembang`);
  const before = sent('keluarga.ani@contoh.example');
  await page.fill('#email', 'keluarga.ani@contoh.example');
  await page.click('button:has-text("Kirim kode")');
  await page.waitForSelector('#code');
  await page.fill('#code', await codeFor('keluarga.ani@contoh.example', before));
  await page.click('button:has-text("Masuk")');
  await page.waitForURL(`${base}/kuis/kenal-palembang`);
  assert.match(await page.textContent('main'), /Batas waktu 5 menit/);
  await page.click('button:has-text("Mulai kuis")');
  await page.waitForSelector('legend.question-prompt');
  assert.match(await page.textContent('main'), /Pertanyaan 1 dari 5/);
  assert.match(await page.textContent('main'), /sisa waktu/);
  // Sending nothing is explained, on the same page.
  await page.click('button:has-text("Lanjut")');
  await page.waitForSelector('.error');
  assert.match(await page.textContent('.error'), /wajib dijawab/);
  await page.check('label:has-text("Jembatan Ampera") input');
  await page.click('button:has-text("Lanjut")');
  await page.waitForSelector('.feedback');
  assert.match(await page.textContent('.feedback'), /Benar!/);
  assert.deepEqual(await audit(page), [], 'violations on a quiz question');
  // A wrong answer shows the right one and the explanation.
  await page.check('label:has-text("Rendang") input');
  await page.click('button:has-text("Lanjut")');
  await page.waitForSelector('.feedback.wrong');
  assert.match(await page.textContent('.feedback'), /Jawaban yang benar: Pempek/);
  await page.screenshot({ path: join(shots, 'portal-quiz-feedback-phone.png'), fullPage: true });
  await page.check('label:has-text("Pulau Kemaro") input');
  await page.click('button:has-text("Lanjut")');
  await page.waitForSelector('.feedback.right');
  await page.check('label:has-text("Sriwijaya") input');
  await page.click('button:has-text("Lanjut")');
  await page.waitForSelector('text=Pertanyaan 5 dari 5');
  await page.check('label:has-text("Songket") input');
  await page.check('label:has-text("Jumputan") input');
  await page.click('button:has-text("Kirim")');
  await page.waitForSelector('.big-figure');
  assert.match(await page.textContent('.big-figure'), /4 \/ 5/);
  assert.match(await page.textContent('main'), /Kamu mendapat 20 poin/);
  assert.match(await page.textContent('main'), /Pembahasan/);
  assert.deepEqual(await audit(page), [], 'violations on the quiz score');
  await page.screenshot({ path: join(shots, 'portal-quiz-score-phone.png'), fullPage: true });

  // The survey: "Ya" goes on to the rating, the scales are tappable.
  await page.goto(`${base}/survei/kepuasan-2026`);
  await page.click('button:has-text("Mulai mengisi")');
  await page.check('label:has-text("Ya") input');
  await page.click('button:has-text("Lanjut")');
  await page.waitForSelector('.scale');
  assert.match(await page.textContent('main'), /Pertanyaan 2 dari 6/);
  assert.deepEqual(await audit(page), [], 'violations on a rating question');
  await page.screenshot({ path: join(shots, 'portal-survey-rating-phone.png'), fullPage: true });
  await page.check('.scale input[value="5"]');
  await page.click('button:has-text("Lanjut")');
  await page.check('label:has-text("Ruang baca anak") input');
  await page.click('button:has-text("Lanjut")');
  await page.fill('input[type=date]', '2026-11-20');
  await page.click('button:has-text("Lanjut")');
  await page.waitForSelector('text=Pertanyaan 5 dari 6');
  await page.check('.scale input[value="9"]');
  await page.click('button:has-text("Lanjut")');
  await page.fill('textarea', 'Rak komik anak ditambah, ya.');
  await page.click('button:has-text("Kirim")');
  await page.waitForSelector('text=Masukanmu kami baca');
  assert.match(await page.textContent('main'), /Kamu mendapat 10 poin/);
  assert.deepEqual(await audit(page), [], 'violations on the survey thank-you page');
  await page.screenshot({ path: join(shots, 'portal-survey-thanks-phone.png'), fullPage: true });
  await ctx.close();

  // An editor reads the results with their charts.
  const staff = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const ed = await staff.newPage();
  await ed.goto(`${base}/app/login`);
  await ed.fill('#email', 'editor@perpustakaan.example');
  await ed.fill('#password', 'siar-demo');
  await ed.click('button[type=submit]');
  await ed.waitForURL(`${base}/app`);
  await ed.goto(`${base}/app/survei`);
  await ed.click('a:has-text("Survei Kepuasan Pengunjung 2026")');
  await ed.click('a:has-text("Hasil")');
  assert.match(await ed.textContent('main'), /3 selesai/);
  assert.match(await ed.textContent('main'), /Rak komik anak ditambah/);
  await ed.screenshot({ path: join(shots, 'console-survey-results.png'), fullPage: true });
  await ed.goto(`${base}/app/kuis`);
  await ed.click('a:has-text("Kuis Wong Kito")');
  await ed.click('a:has-text("Pratinjau")');
  await ed.screenshot({ path: join(shots, 'console-quiz-preview.png'), fullPage: true });
  await staff.close();
});
