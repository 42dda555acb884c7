/**
 * HTML file → PDF with headless Chromium. The page's own @page rule sets
 * paper size, margins and page numbers, so the HTML prints the same from a
 * browser by hand; here we only wait for fonts and print.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';
import { browserArgs, findBrowser } from './browser.js';

export interface PdfOptions {
  /** overrides the browser lookup (reports/browser.ts) */
  executablePath?: string;
  timeoutMs?: number;
}

export async function printPdf(htmlPath: string, pdfPath: string, opts: PdfOptions = {}): Promise<void> {
  const executablePath = opts.executablePath ?? findBrowser().path;
  const profile = mkdtempSync(join(tmpdir(), 'report-chromium-'));
  const timeout = opts.timeoutMs ?? 30_000;
  try {
    const browser = await puppeteer.launch({ executablePath, args: browserArgs(profile), headless: true, timeout });
    try {
      const page = await browser.newPage();
      await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load', timeout });
      // a string, because this package type-checks without the DOM library
      await page.evaluate('document.fonts.ready.then(() => true)');
      await page.pdf({ path: pdfPath, preferCSSPageSize: true, printBackground: true, timeout, tagged: true, outline: false });
    } finally {
      await browser.close();
    }
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
