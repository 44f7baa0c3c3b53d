import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import puppeteer, { type Page } from 'puppeteer-core';
import { ensurePortalBuilt } from '../../gateway/src/portal/portal-build.ts';
import { DEMO_USERS } from '../../gateway/src/seed/demo-users.ts';
import { freePort, startServer, stop } from './processes.ts';

/**
 * The patient portal's benchmarks (`npm run bench`, or `npm run bench -- --only portal`): what each
 * route makes a phone download before it can show anything (JS and CSS, gzip), from the built
 * `portal/dist` and its Vite manifest; and Lighthouse's mobile performance score (simulated slow 4G
 * and a 4× slower CPU, Lighthouse's default) of the signed-out landing page and of the signed-in home
 * page, against a real gateway process serving the build.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const portalDir = path.join(root, 'portal');
const dist = path.join(portalDir, 'dist');
const resultsDir = path.join(root, 'data', 'bench');

/** Targets from issue 4. */
const JS_BUDGET_KB = 100;
const PERFORMANCE_TARGET = 95;
const LIGHTHOUSE_RUNS = 3;

const ROUTES: readonly [route: string, page: string | null][] = [
  ['/portal/ (signed out, sign-in, signed-out)', null],
  ['/portal/ (home)', 'src/pages/home-page.tsx'],
  ['/portal/appointments', 'src/pages/appointments-page.tsx'],
  ['/portal/appointments/book', 'src/pages/book-page.tsx'],
  ['/portal/vitals', 'src/pages/vitals-page.tsx'],
  ['/portal/notes', 'src/pages/notes-page.tsx'],
  ['/portal/notes/{id}', 'src/pages/note-page.tsx'],
  ['/portal/apps', 'src/pages/apps-page.tsx'],
];

interface ManifestChunk {
  readonly file: string;
  readonly isEntry?: boolean;
  readonly imports?: readonly string[];
  readonly dynamicImports?: readonly string[];
  readonly css?: readonly string[];
}

export interface RouteSize {
  readonly route: string;
  readonly jsFiles: number;
  readonly jsGzip: number;
  readonly cssGzip: number;
}

const progress = (line: string) => process.stderr.write(`▶ portal · ${line}\n`);
const kB = (bytes: number) => (bytes / 1000).toFixed(1);
const gzipSize = (file: string) => zlib.gzipSync(fs.readFileSync(path.join(dist, file)), { level: 9 }).length;

/**
 * Per route: the entry chunk, everything it imports statically, the dynamic imports the shell
 * fetches at start-up whatever the route (the service worker registration), and the route's lazy
 * page chunk with its own static imports — each file counted once.
 */
export function routeSizes(): RouteSize[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(dist, '.vite', 'manifest.json'), 'utf8')) as Record<string, ManifestChunk>;
  const entryKey = Object.keys(manifest).find((key) => manifest[key]!.isEntry);
  if (!entryKey) throw new Error('portal/dist/.vite/manifest.json names no entry (is build.manifest on in portal/vite.config.ts?)');
  const closure = (keys: readonly string[], into = new Set<string>()) => {
    for (const key of keys) {
      if (into.has(key)) continue;
      into.add(key);
      closure(manifest[key]?.imports ?? [], into);
    }
    return into;
  };
  const pages = new Set(ROUTES.map(([, page]) => page).filter((p): p is string => p !== null));
  const startUp = (manifest[entryKey]!.dynamicImports ?? []).filter((key) => !pages.has(key));
  const shell = closure([entryKey, ...startUp]);
  return ROUTES.map(([route, page]) => {
    const chunks = page ? closure([page], new Set(shell)) : shell;
    const files = [...chunks].map((key) => manifest[key]!);
    const css = [...new Set(files.flatMap((chunk) => chunk.css ?? []))];
    return {
      route,
      jsFiles: files.length,
      jsGzip: files.reduce((sum, chunk) => sum + gzipSize(chunk.file), 0),
      cssGzip: css.reduce((sum, file) => sum + gzipSize(file), 0),
    };
  });
}

export interface LighthouseResult {
  readonly page: string;
  readonly scores: number[];
  readonly median: number;
  /** Of the median run: first and largest contentful paint, total blocking time (ms), layout shift. */
  readonly metrics: { fcp: number; lcp: number; tbt: number; cls: number };
  /** Lighthouse's measure of this machine's CPU speed (a typical desktop scores 1,000–2,000). */
  readonly benchmarkIndex: number;
}

/** Signs in as the demo patient on a page of the Chromium Lighthouse drives (the portal's own sign-in). */
async function signIn(page: Page, base: string): Promise<void> {
  const amy = DEMO_USERS.find((u) => u.username === 'amy')!;
  await page.goto(`${base}/portal/`, { waitUntil: 'networkidle0' });
  await Promise.all([page.waitForNavigation(), page.locator('button.button-primary').click()]);
  await page.locator('#username').fill(amy.username);
  await page.locator('#password').fill(amy.password);
  await Promise.all([page.waitForNavigation(), page.locator('button[type="submit"]').click()]);
  await Promise.all([page.waitForNavigation(), page.locator('button[value="allow"]').click()]);
  await page.waitForSelector('nav[aria-label="Main"]');
  await page.waitForNetworkIdle();
}

async function lighthouseRuns(page: string, port: number, url: string, tab?: Page): Promise<LighthouseResult> {
  const runs: { score: number; metrics: LighthouseResult['metrics']; benchmarkIndex: number; report: string }[] = [];
  for (let run = 1; run <= LIGHTHOUSE_RUNS; run++) {
    progress(`Lighthouse ${run}/${LIGHTHOUSE_RUNS}: ${page}…`);
    // With a tab: the signed-in session lives in that tab's sessionStorage, so keep storage.
    const result = await lighthouse(url, { port, output: 'json', logLevel: 'error', onlyCategories: ['performance'], disableStorageReset: tab !== undefined }, undefined, tab);
    const lhr = result?.lhr;
    if (!lhr || lhr.runtimeError) throw new Error(`Lighthouse failed on ${url}: ${lhr?.runtimeError?.message ?? 'no result'}`);
    if (tab && !new URL(lhr.finalDisplayedUrl).pathname.startsWith('/portal/')) throw new Error(`Lighthouse ended on ${lhr.finalDisplayedUrl}`);
    const value = (id: string) => lhr.audits[id]?.numericValue ?? Number.NaN;
    runs.push({
      score: Math.round((lhr.categories.performance?.score ?? 0) * 100),
      metrics: { fcp: value('first-contentful-paint'), lcp: value('largest-contentful-paint'), tbt: value('total-blocking-time'), cls: value('cumulative-layout-shift') },
      benchmarkIndex: lhr.environment.benchmarkIndex,
      report: typeof result.report === 'string' ? result.report : '',
    });
  }
  const sorted = [...runs].sort((a, b) => a.score - b.score);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  // The whole report of the median run, for reading what held the score down.
  fs.mkdirSync(resultsDir, { recursive: true });
  fs.writeFileSync(path.join(resultsDir, `lighthouse-${page.toLowerCase().replace(/[^a-z]+/g, '-').replace(/-$/, '')}.json`), median.report);
  return { page, scores: runs.map((r) => r.score), median: median.score, metrics: median.metrics, benchmarkIndex: Math.round(median.benchmarkIndex) };
}

/** Builds the portal if stale, measures, and returns the BENCHMARKS.md lines. */
export async function portalBenchmarks(): Promise<string[]> {
  progress('making sure portal/dist is built from the current sources…');
  const outcome = await ensurePortalBuilt({ portalDir, log: progress });
  if (outcome === 'failed') throw new Error('the portal did not build');
  const sizes = routeSizes();

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-bench-portal-'));
  progress('starting the gateway with the demo practice…');
  const gateway = await startServer(
    path.join(root, 'gateway/src/main.ts'),
    { PORT: String(port), PUBLIC_URL: base, DATABASE_URL: `file:${path.join(dataDir, 'portico.db')}`, SEED: 'demo', PORTAL_BUILD: 'skip' },
    /listening on/,
  );
  let chrome: chromeLauncher.LaunchedChrome | undefined;
  try {
    chrome = await chromeLauncher.launch({
      chromePath: '/usr/bin/chromium',
      chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    const signedOut = await lighthouseRuns('Landing page (signed out)', chrome.port, `${base}/portal/`);
    progress('signing in as amy in the same Chromium…');
    const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}` });
    const tab = await browser.newPage();
    await signIn(tab, base);
    const home = await lighthouseRuns('Home (signed in)', chrome.port, `${base}/portal/`, tab);
    await browser.disconnect();
    return report(sizes, [signedOut, home]);
  } finally {
    chrome?.kill();
    await stop(gateway);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function report(sizes: readonly RouteSize[], lighthouseResults: readonly LighthouseResult[]): string[] {
  const met = (ok: boolean) => (ok ? 'met' : '**missed**');
  return [
    '| route | JS files | initial JS (gzip) | CSS (gzip) | target JS ≤ 100 kB | |',
    '| --- | ---: | ---: | ---: | --- | --- |',
    ...sizes.map((s) => `| ${s.route} | ${s.jsFiles} | ${kB(s.jsGzip)} kB | ${kB(s.cssGzip)} kB | ≤ ${JS_BUDGET_KB} kB | ${met(s.jsGzip <= JS_BUDGET_KB * 1000)} |`),
    '',
    `| Lighthouse 12, mobile (median of ${LIGHTHOUSE_RUNS}) | performance | runs | FCP | LCP | TBT | CLS | CPU benchmark index | target ≥ ${PERFORMANCE_TARGET} | |`,
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    ...lighthouseResults.map(
      (r) =>
        `| ${r.page} | ${r.median} | ${r.scores.join(', ')} | ${(r.metrics.fcp / 1000).toFixed(1)} s | ${(r.metrics.lcp / 1000).toFixed(1)} s | ` +
        `${Math.round(r.metrics.tbt)} ms | ${r.metrics.cls.toFixed(3)} | ${r.benchmarkIndex} | ≥ ${PERFORMANCE_TARGET} | ${met(r.median >= PERFORMANCE_TARGET)} |`,
    ),
  ];
}

// `node --import tsx test/bench/portal.ts` runs the portal's part alone.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  portalBenchmarks().then(
    (lines) => process.stdout.write(`\n${lines.join('\n')}\n`),
    (error: unknown) => {
      process.stderr.write(`portal benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
