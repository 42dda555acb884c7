/**
 * Which Chrome/Chromium prints the PDF. We depend on puppeteer-core, which
 * brings no browser: an explicit path wins, then the browser the full
 * `puppeteer` package downloaded (where someone installed it), then the
 * system Chromium. Resolution is pure over its probes so tests can drive it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface BrowserProbes {
  env: Record<string, string | undefined>;
  exists: (path: string) => boolean;
  /** the executable the full puppeteer package manages, or null when it is not installed */
  puppeteerManaged: () => string | null;
}

export const SYSTEM_BROWSERS = [
  '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable',
] as const;

export function resolveBrowser(probes: BrowserProbes): { path: string; source: string } {
  for (const name of ['PUPPETEER_EXECUTABLE_PATH', 'CHROME_PATH'] as const) {
    const path = probes.env[name];
    if (!path) continue;
    if (!probes.exists(path)) throw new Error(`${name}=${path} does not exist; fix or unset it`);
    return { path, source: name };
  }
  const managed = probes.puppeteerManaged();
  if (managed && probes.exists(managed)) return { path: managed, source: 'puppeteer' };
  const system = SYSTEM_BROWSERS.find((p) => probes.exists(p));
  if (system) return { path: system, source: 'system' };
  throw new Error(
    `no Chrome or Chromium found for the PDF: set PUPPETEER_EXECUTABLE_PATH, or install Debian's chromium (apt-get install chromium); looked in ${SYSTEM_BROWSERS.join(', ')}`,
  );
}

function puppeteerManaged(): string | null {
  try {
    const require = createRequire(import.meta.url);
    // the full package is optional; its default export knows where it put Chrome
    const full = require('puppeteer') as { executablePath?: () => string };
    return full.executablePath?.() ?? null;
  } catch {
    return null;
  }
}

export function findBrowser(): { path: string; source: string } {
  return resolveBrowser({ env: process.env, exists: existsSync, puppeteerManaged });
}

/**
 * Flags for a closed network and a root user: no sandbox, no background
 * fetches, a fresh profile. puppeteer adds --headless itself.
 */
export function browserArgs(userDataDir: string): string[] {
  return [
    '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--disable-quic', '--no-first-run', '--font-render-hinting=none', `--user-data-dir=${userDataDir}`,
  ];
}
