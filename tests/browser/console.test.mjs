// Browser test in real Chromium: an editor signs in, sees Beranda in Indonesian,
// switches to English; a contributor is refused the staff page. Screenshots go to
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

async function signIn(page, email) {
  await page.goto(`${base}/app/login`);
  await page.fill('#email', email);
  await page.fill('#password', 'siar-demo');
  await page.click('button[type=submit]');
}

test('the portal shows the library in Indonesian', async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await page.goto(base + '/');
  assert.equal(await page.getAttribute('html', 'lang'), 'id');
  assert.match(await page.textContent('h1'), /Perpustakaan Kota Palembang/);
  assert.ok(await page.isVisible('text=Jam buka'));
  await page.screenshot({ path: join(shots, 'portal-mobile.png'), fullPage: true });
  await page.close();
});

test('an editor signs in, sees Beranda in Indonesian, switches to English', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signIn(page, 'editor@perpustakaan.example');
  await page.waitForURL(`${base}/app`);
  assert.equal(await page.getAttribute('html', 'lang'), 'id');
  assert.match(await page.textContent('h1'), /Selamat datang, Dedi Editor!/);
  assert.ok(await page.isVisible('nav.side >> text=Beranda'));
  assert.equal(await page.locator('nav.side >> text=Staf').count(), 0, 'editors do not see Staf');
  await page.screenshot({ path: join(shots, 'beranda-id.png'), fullPage: true });

  await page.click('button[name=lang][value=en]');
  await page.waitForURL(`${base}/app`);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.match(await page.textContent('h1'), /Welcome, Dedi Editor!/);
  assert.ok(await page.isVisible('nav.side >> text=Home'));
  await page.screenshot({ path: join(shots, 'home-en.png'), fullPage: true });

  // The choice persists for the user: a fresh browser context signs in to English.
  const ctx = await browser.newContext();
  const again = await ctx.newPage();
  await signIn(again, 'editor@perpustakaan.example');
  await again.waitForURL(`${base}/app`);
  assert.match(await again.textContent('h1'), /Welcome/);
  await ctx.close();
  await page.close();
});

test('a contributor is refused the staff page', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signIn(page, 'kontributor@perpustakaan.example');
  await page.waitForURL(`${base}/app`);
  const res = await page.goto(`${base}/app/staff`);
  assert.equal(res.status(), 403);
  assert.ok(await page.isVisible('text=Akses tidak diizinkan'));
  assert.ok(await page.isVisible('text=Kode permintaan'));
  await page.screenshot({ path: join(shots, 'contributor-403.png'), fullPage: true });
  await page.close();
});

test('an admin sees the staff list and the settings form', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await signIn(page, 'admin@perpustakaan.example');
  await page.waitForURL(`${base}/app`);
  await page.screenshot({ path: join(shots, 'beranda-admin.png'), fullPage: true });
  await page.goto(`${base}/app/staff`);
  assert.equal(await page.locator('tbody tr').count(), 5);
  await page.screenshot({ path: join(shots, 'staff.png'), fullPage: true });
  await page.goto(`${base}/app/settings`);
  await page.fill('#name', '');
  await page.click('form[action="/app/settings"] button[type=submit]');
  assert.ok(await page.isVisible('text=Kolom ini wajib diisi.'));
  await page.screenshot({ path: join(shots, 'settings-error.png'), fullPage: true });
  await page.close();
});

test('a form sent after the session ended is kept through sign-in', async () => {
  const a = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await a.newPage();
  await signIn(page, 'admin@perpustakaan.example');
  await page.waitForURL(`${base}/app`);
  await page.goto(`${base}/app/staff/new`);
  await page.fill('#name', 'Putri Ramadhani');
  await page.fill('#email', 'putri@perpustakaan.example');
  await page.selectOption('#role', 'editor');

  // Meanwhile the same admin signs out everywhere from another computer.
  const b = await browser.newContext();
  const other = await b.newPage();
  await signIn(other, 'admin@perpustakaan.example');
  await other.waitForURL(`${base}/app`);
  await other.goto(`${base}/app/account`);
  await other.click('form[action="/app/logout-all"] button');
  await b.close();

  await page.click('form[action="/app/staff/new"] button[type=submit]');
  assert.ok(await page.isVisible('text=isian Anda masih kami simpan'));
  await page.fill('#email', 'admin@perpustakaan.example');
  await page.fill('#password', 'siar-demo');
  await page.click('button[type=submit]');
  assert.ok(await page.isVisible('text=Kirim ulang isian saya'));
  await page.screenshot({ path: join(shots, 'resume-form.png'), fullPage: true });
  await page.click('text=Kirim ulang isian saya');
  // Back on the form: everything typed is there; only the password is asked for.
  assert.equal(await page.inputValue('#name'), 'Putri Ramadhani');
  assert.equal(await page.inputValue('#email'), 'putri@perpustakaan.example');
  assert.ok(await page.isVisible('text=Kolom ini wajib diisi.'));
  await page.screenshot({ path: join(shots, 'resume-form-back.png'), fullPage: true });
  await a.close();
});
