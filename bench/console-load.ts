/**
 * The web console's weight and first load: bundle sizes (raw and gzip, as served), and in Debian's chromium
 * (cold: a new browser context each time, so nothing is cached) the time from goto() to the sign-in form
 * (includes starting the tab's renderer), the load event and the console's first render measured from
 * navigation start (performance.mark in main.tsx), the same after a reload (assets cached), from "Sign in"
 * to the containers table, and a cold load of a container page (token already in the tab) to its snapshot
 * timeline; against the real service on a private dockerd, 3 containers × 5 snapshots.
 *   node --import tsx bench/console-load.ts [--runs 10]
 */
import { execFileSync } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { launchBrowser } from '../test/support/browser.js';
import { startTestService } from '../test/support/cowsnap-service.js';
import { createDockerEngine } from '../test/support/docker-engine.js';
import { summarize } from './support/stats.js';
import { writeResults } from './support/results.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const runs = Number(values.runs);
const webDist = join(import.meta.dirname, '..', 'web', 'dist');

async function bundleSizes(): Promise<{ files: Record<string, { bytes: number; gzip: number }>; totalBytes: number; totalGzip: number }> {
  const files: Record<string, { bytes: number; gzip: number }> = {};
  const names = (await readdir(webDist, { recursive: true })).filter((f) => /\.(html|js|css)$/.test(f));
  for (const name of names) {
    files[name] = { bytes: (await stat(join(webDist, name))).size, gzip: (await stat(join(webDist, `${name}.gz`))).size };
  }
  const all = Object.values(files);
  return { files, totalBytes: all.reduce((s, f) => s + f.bytes, 0), totalGzip: all.reduce((s, f) => s + f.gzip, 0) };
}

async function main(): Promise<void> {
  execFileSync('bash', ['scripts/build.sh'], { env: { ...process.env, COWSNAP_NO_LINK: '1' }, stdio: 'inherit' });
  const sizes = await bundleSizes();
  console.log('bundle', JSON.stringify(sizes, null, 1));

  const engine = await createDockerEngine();
  const service = await startTestService({ engine });
  const { browser, release } = await launchBrowser();
  try {
    for (const name of ['web', 'db', 'worker']) {
      const container = await engine.docker.createContainer({ Image: engine.image, Cmd: ['sleep', '100000'], name });
      await container.start();
      for (let i = 0; i < 5; i++) await service.api('POST', `/containers/${name}/snapshots`, { alias: `v${i}` });
    }
    const signInForm: number[] = [];
    const loadEvent: number[] = [];
    const rendered: number[] = [];
    const renderedCached: number[] = [];
    const signedIn: number[] = [];
    const containerPage: number[] = [];
    for (let run = 0; run < runs; run++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      let started = Date.now();
      await page.goto(`${service.url}/ui/`);
      await page.getByLabel('API token').waitFor();
      signInForm.push(Date.now() - started);
      loadEvent.push(Number(await page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")));
      rendered.push(Number(await page.evaluate("performance.getEntriesByName('cowsnap:rendered')[0].startTime")));
      // Reloading in the same tab: index.html revalidated, the hashed assets from the cache.
      await page.reload();
      await page.getByLabel('API token').waitFor();
      renderedCached.push(Number(await page.evaluate("performance.getEntriesByName('cowsnap:rendered')[0].startTime")));
      await page.getByLabel('API token').fill(service.token);
      started = Date.now();
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('tr[data-container="worker"]').waitFor();
      signedIn.push(Date.now() - started);
      await context.close();

      const warm = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await warm.addInitScript(`sessionStorage.setItem('cowsnap.token', ${JSON.stringify(service.token)})`);
      const direct = await warm.newPage();
      started = Date.now();
      await direct.goto(`${service.url}/ui/containers/web`);
      await direct.locator('li.snapshot').nth(4).waitFor();
      containerPage.push(Date.now() - started);
      await warm.close();
    }
    const figures = {
      runs,
      bundle: { totalBytes: sizes.totalBytes, totalGzip: sizes.totalGzip, files: sizes.files },
      signInFormMs: summarize(signInForm),
      loadEventMs: summarize(loadEvent),
      renderedFromNavigationStartMs: summarize(rendered),
      renderedReloadCachedMs: summarize(renderedCached),
      signInToContainersMs: summarize(signedIn),
      containerPageColdMs: summarize(containerPage),
    };
    console.log(JSON.stringify(figures, null, 1));
    console.log(`results: ${await writeResults('console-load', figures)}`);
  } finally {
    await release();
    await service.close();
    await engine.destroy();
  }
}

await main();
