// Shared by the browser tests: a real `siar demo` on a free localhost port and
// Debian's Chromium, both stopped after the file's tests.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

export const root = resolve(import.meta.dirname, '..', '..');

export async function startSiar() {
  const bin = process.env.SIAR_BIN ?? join(root, 'target', 'debug', 'siar');
  const port = 18000 + Math.floor(Math.random() * 2000);
  const base = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'siar-browser-'));
  const server = spawn(bin, ['demo', '--data', dataDir, '--listen', `127.0.0.1:${port}`], { stdio: 'ignore' });
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
