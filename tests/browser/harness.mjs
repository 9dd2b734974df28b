// Shared by the browser tests: a real `siar demo` on a free localhost port and
// Debian's Chromium, both stopped after the file's tests.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { chromium } from 'playwright-core';

export const root = resolve(import.meta.dirname, '..', '..');

export async function startSiar(env = {}) {
  const bin = process.env.SIAR_BIN ?? join(root, 'target', 'debug', 'siar');
  const port = 18000 + Math.floor(Math.random() * 2000);
  const base = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'siar-browser-'));
  const server = spawn(bin, ['demo', '--data', dataDir, '--listen', `127.0.0.1:${port}`], {
    stdio: 'ignore',
    env: { ...process.env, ...env },
  });
  let up = false;
  for (let i = 0; i < 100 && !up; i++) {
    try { up = (await fetch(`${base}/healthz`)).ok; } catch {}
    if (!up) await new Promise(r => setTimeout(r, 100));
  }
  if (!up) {
    server.kill('SIGTERM');
    throw new Error('siar demo did not start');
  }
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  return {
    base,
    browser,
    async stop() {
      await browser.close();
      server.kill('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// axe-core (WCAG 2.1 A and AA rules) on the page; the context must bypass the
// CSP only so that axe itself can be injected.
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
export async function audit(page) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  return result.violations.map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(' ')).join(', ')}`);
}

// A real SMTP server on localhost (Debian's python3-aiosmtpd) that prints each
// message it receives; `messages()` returns what arrived so far.
export async function startSmtp() {
  const port = 20000 + Math.floor(Math.random() * 2000);
  const proc = spawn('/usr/bin/python3', ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'aiosmtpd.handlers.Debugging'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  proc.stdout.on('data', d => { out += d.toString(); });
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise(res => {
      const s = connect(port, '127.0.0.1', () => { s.end(); res(true); });
      s.on('error', () => res(false));
    });
    if (ok) break;
    await new Promise(r => setTimeout(r, 100));
  }
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages: () => out.split('---------- MESSAGE FOLLOWS ----------').slice(1),
    stop: () => proc.kill('SIGTERM'),
  };
}
