import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../run/cli-helpers.ts';

/* report.html opened in a real browser, offline: Debian's Chromium driven by playwright-core.
 * The reports come from real CLI runs against the embedded reference server, with a deliberate
 * defect so that the pages have failures, violations and evidence to show. Screenshots land in
 * test-artifacts/ (git-ignored) for a person, or CI, to look at. */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname;
const CHECKED_MIX = new URL('../run/fixtures/checked-mix.ts', import.meta.url).pathname;

let browser: Browser;
let workDir: string;
let runHtml: string;
let checkHtml: string;
let runStdout: string;
let checkStdout: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: the HTML report is tested in a real browser. Install Debian's chromium ` +
        '(apt-get install chromium; .ci/run installs it in CI), or set CHROMIUM_PATH to a Chromium binary',
    );
  }
  workDir = mkdtempSync(join(tmpdir(), 'bazaar-html-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  const runDir = join(workDir, 'run');
  const checkDir = join(workDir, 'check');
  // Both at once, and the browser starting meanwhile: the file's cost is the slowest of the three.
  const [run, check, launched] = await Promise.all([
    spawnCli(['run', CHECKED_MIX, '--defect', 'async-persist-reorder', '--report', runDir, '--no-progress'], 90_000).exited,
    spawnCli(['check', '--only', 'authz.*', '--defect', 'join-first-element', '--report', checkDir], 90_000).exited,
    chromium.launch({ executablePath: CHROMIUM }),
  ]);
  browser = launched;
  runStdout = run.stdout;
  checkStdout = check.stdout;
  expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(99);
  expect(check.code, `${check.stdout}\n${check.stderr}`).toBe(3);
  runHtml = join(runDir, 'report.html');
  checkHtml = join(checkDir, 'report.html');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

interface Opened {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught page errors. */
  errors: string[];
  /** Every request for anything but the file itself: the report must make none. */
  requests: string[];
}

/** A page with the network off: offline, and any request that is not a file: URL aborted and noted. */
async function open(file: string): Promise<Opened> {
  const context = await browser.newContext({ offline: true, viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    requests.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('request', (request) => {
    if (!request.url().startsWith('file:')) requests.push(request.url());
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, context, errors, requests };
}

/** What the browser test reads in the page (the project compiles without the DOM library). */
interface PageGlobals {
  bazaarCharts?: { id: string; plot: { data: (number | null)[][] } }[];
  document: {
    querySelectorAll(selector: string): Iterable<{
      id: string;
      dataset: Record<string, string | undefined>;
      querySelector(selector: string): { width: number; height: number } | null;
    }>;
  };
}

describe('report.html of a run, in Chromium with the network off', () => {
  it('is printed where the run prints its report folder', () => {
    expect(runStdout).toContain(`html: ${runHtml}`);
  });

  it('draws every chart from the data in the file, with no console or page error and no request', async () => {
    const { page, context, errors, requests } = await open(runHtml);
    try {
      const charts = await page.evaluate(() => {
        // The page's globals, typed here: the project compiles without the DOM library.
        const page = globalThis as unknown as PageGlobals;
        const drawn = page.bazaarCharts ?? [];
        return [...page.document.querySelectorAll('.chart')].map((el) => {
          const canvas = el.querySelector('canvas');
          const plot = drawn.find((d) => d.id === el.id)?.plot;
          return {
            id: el.id,
            canvas: canvas ? { width: canvas.width, height: canvas.height } : undefined,
            dataPoints: Number(el.dataset.points ?? 0),
            xs: plot?.data[0]?.length ?? 0,
            ys: (plot?.data.slice(1) ?? []).flat().filter((v) => v !== null && v !== undefined).length,
          };
        });
      });
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      const ids = charts.map((c) => c.id);
      expect(ids).toEqual(expect.arrayContaining(['chart-distribution', 'chart-throughput', 'chart-users', 'chart-errors']));
      expect(ids.filter((id) => id.startsWith('chart-latency-')).length).toBeGreaterThan(3);
      for (const chart of charts) {
        expect(chart.canvas?.width, chart.id).toBeGreaterThan(0);
        expect(chart.canvas?.height, chart.id).toBeGreaterThan(0);
        expect(chart.xs, chart.id).toBeGreaterThan(0);
        expect(chart.ys, chart.id).toBeGreaterThan(0);
        expect(chart.dataPoints, chart.id).toBe(chart.ys);
      }
      await page.screenshot({ path: join(ARTIFACTS, 'report-run.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });

  it('shows the verdict and why at the top, and the violations with their evidence', async () => {
    const { page, context } = await open(runHtml);
    try {
      const verdict = page.locator('#verdict');
      await expect.poll(() => verdict.getAttribute('data-status')).toBe('thresholds_failed');
      expect(await verdict.innerText()).toMatch(/FAILED: thresholds[\s\S]*the contract was violated under load: \d+ violations \(order \d+\)/);
      // the banner is in the first screenful
      expect((await verdict.boundingBox())?.y).toBeLessThan(400);
      const evidence = await page.locator('section:has(h2:text("Contract violations")) tbody tr').count();
      expect(evidence).toBeGreaterThan(0);
    } finally {
      await context.close();
    }
  });
});

describe('report.html of a check, in Chromium with the network off', () => {
  it('is printed where the check prints its report folder', () => {
    expect(checkStdout).toContain(`html: ${checkHtml}`);
  });

  it('shows the table of checks and each failure with its evidence, with no console or page error', async () => {
    const { page, context, errors, requests } = await open(checkHtml);
    try {
      expect(await page.locator('#verdict .verdict').innerText()).toBe('FAILED');
      const rows = await page.locator('section:has(h2:text("Checks")) tbody tr').count();
      const report = JSON.parse(readFileSync(join(checkHtml, '..', 'report.json'), 'utf8')) as { checks: unknown[] };
      expect(rows).toBe(report.checks.length);
      expect(rows).toBeGreaterThan(1);
      const failures = page.locator('.failure');
      expect(await failures.count()).toBeGreaterThan(0);
      expect(await failures.first().innerText()).toMatch(/guarantee:[\s\S]*sent only malformed/);
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS, 'report-check.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });
});
