/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '@hpo/testing/processes';
import { type Browser, chromium, type Page } from 'playwright-core';

const CHROMIUM = process.env.HPO_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = join(ROOT, 'test-artifacts');

/** Headless Chromium (Debian's), with nothing of its own reaching the network. */
export function launchChromium(): Promise<Browser> {
  assert.ok(
    existsSync(CHROMIUM),
    `Chromium not found at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set HPO_CHROMIUM`,
  );
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Collects what a page must not do: console errors, uncaught errors, and requests to anywhere
 * but `origin` (a self-contained page makes none).
 */
export function watchPage(page: Page, origin: string): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => {
    if (!r.url().startsWith(origin)) errors.push(`network request: ${r.url()}`);
  });
  return errors;
}

/** Opens a report in headless Chromium; returns console errors and drawn elements per chart. */
export async function inspectReport(
  file: string,
  screenshot: string,
): Promise<{ errors: string[]; charts: [string, number][] }> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
    const errors = watchPage(page, 'file:');
    await page.goto(`file://${file}`);
    await page.waitForSelector('body[data-rendered="true"]', { timeout: 15_000 });
    const charts = await page.evaluate(() =>
      Array.from(document.querySelectorAll('.chart')).map(
        (el) => [el.id, el.querySelectorAll('svg path, svg rect, svg text').length] as [string, number],
      ),
    );
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    return { errors, charts };
  } finally {
    await browser.close();
  }
}
