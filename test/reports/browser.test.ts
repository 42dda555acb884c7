import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveBrowser, type BrowserProbes } from '../../reports/browser.js';

function probes(files: string[], env: Record<string, string> = {}, managed: string | null = null): BrowserProbes {
  return { env, exists: (p) => files.includes(p), puppeteerManaged: () => managed };
}

test('an explicit PUPPETEER_EXECUTABLE_PATH wins over everything, then CHROME_PATH', () => {
  const all = ['/opt/a', '/opt/b', '/cache/chrome', '/usr/bin/chromium'];
  assert.deepEqual(resolveBrowser(probes(all, { PUPPETEER_EXECUTABLE_PATH: '/opt/a', CHROME_PATH: '/opt/b' }, '/cache/chrome')), { path: '/opt/a', source: 'PUPPETEER_EXECUTABLE_PATH' });
  assert.deepEqual(resolveBrowser(probes(all, { CHROME_PATH: '/opt/b' }, '/cache/chrome')), { path: '/opt/b', source: 'CHROME_PATH' });
});

test('an explicit path that does not exist is an error, not a silent fallback', () => {
  assert.throws(() => resolveBrowser(probes(['/usr/bin/chromium'], { CHROME_PATH: '/nope' })), /CHROME_PATH=\/nope does not exist/);
});

test("puppeteer's own browser comes before the system one, when it was downloaded", () => {
  assert.equal(resolveBrowser(probes(['/cache/chrome', '/usr/bin/chromium'], {}, '/cache/chrome')).source, 'puppeteer');
  assert.equal(resolveBrowser(probes(['/usr/bin/chromium'], {}, '/cache/chrome')).path, '/usr/bin/chromium');
});

test('system browsers are tried in order; none found gives an error that says what to install', () => {
  assert.equal(resolveBrowser(probes(['/usr/bin/google-chrome', '/usr/bin/chromium-browser'])).path, '/usr/bin/chromium-browser');
  assert.throws(() => resolveBrowser(probes([])), /PUPPETEER_EXECUTABLE_PATH.*apt-get install chromium/);
});
