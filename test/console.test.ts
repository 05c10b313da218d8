/**
 * The browser console (issue 18) in a real browser: Debian's Chromium driven by
 * playwright-core against a seeded, simulated server with the admin API on. The console must
 * show what the API answers (estate counts, an explorer query byte for byte), move the clock
 * (and the page must hear of it over its event stream) and see new sessions appear. Screenshots
 * of every view land in the test output directory; their paths and the load time are printed
 * as diagnostics. Also checks the server side of the console without a browser: the page,
 * assets, registry and event stream.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { generateDemo, type DemoOptions } from '../src/demo/demo.js';
import { CONSOLE_DIR, MAX_EVENT_STREAMS } from '../src/http/routes/console-routes.js';
import { TYPES } from '../src/model/index.js';
import { FIXTURE_NOW } from './support/fixture.js';
import { get, logon, startServer, type Server } from './support/server.js';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'console-admin-token-0123456789';
const T0 = Date.parse(FIXTURE_NOW);
const DEMO: DemoOptions = { seed: 7, servers: 2, jobs: 4, backupJobs: 5, days: 3, now: T0 };
const SHOTS = join(tmpdir(), 'emrest-console-shots');
const built = existsSync(join(CONSOLE_DIR, 'index.html'));

/** The EM filter form of an instant (what the console sends). */
const instant = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** Every entity of a query, page by page, as the API answers it (JSON). */
async function queryAll(server: Server, token: string, type: string, list: string, filter?: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let page = 1; ; page++) {
    const q = new URLSearchParams({ type, format: 'Entities', pageSize: '1000', page: String(page) });
    if (filter) q.set('filter', filter);
    const res = await get(server, `/api/query?${q}`, { token, accept: 'application/json' });
    assert.equal(res.status, 200, res.body);
    const doc = JSON.parse(res.body.replace(/^\uFEFF/, ''));
    out.push(...(doc.Entities?.[list]?.[list] ?? []));
    if (page >= (doc.PagingInfo?.PagesCount ?? 1)) return out;
  }
}

async function jobSessions(server: Server, token: string, filter?: string): Promise<number> {
  const b = await queryAll(server, token, 'BackupJobSession', 'BackupJobSessions', filter);
  const r = await queryAll(server, token, 'ReplicaJobSession', 'ReplicaJobSessions', filter);
  return b.length + r.length;
}

describe('the console, served', () => {
  let server: Server;
  before(async () => {
    server = await startServer({ adminToken: TOKEN, load: (store) => generateDemo(store, DEMO), simulate: true });
  });
  after(() => server.close());

  test('GET / is the page, anonymous, titled emrest; assets are cached for good; a missing asset is 404', { skip: !built && 'console not built' }, async () => {
    const page = await get(server, '/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /^text\/html/);
    assert.match(page.body, /<title>[^<]*emrest[^<]*<\/title>/);
    const assets = [...page.body.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]);
    assert.ok(assets.some((a) => a.endsWith('.js')), 'the page loads a script');
    for (const a of assets) {
      const res = await get(server, a);
      assert.equal(res.status, 200, a);
      assert.match(res.headers.get('content-type')!, a.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
      assert.match(res.headers.get('cache-control')!, /max-age=31536000/);
    }
    for (const missing of ['/console/assets/nope.js', '/console/assets/..%2findex.html', '/console/assets/a/b.js']) {
      assert.equal((await get(server, missing)).status, 404, missing);
    }
  });

  test('the registry lists every declared type with its filterable fields', async () => {
    const res = await get(server, '/console/registry.json');
    assert.equal(res.status, 200);
    const reg = JSON.parse(res.body) as { types: { name: string; fields: { name: string; kind: string; members?: string[] }[] }[] };
    assert.deepEqual(reg.types.map((t) => t.name), TYPES.map((t) => t.name));
    const session = reg.types.find((t) => t.name === 'BackupJobSession')!;
    assert.deepEqual(session.fields.find((f) => f.name === 'Result')?.members, ['None', 'Success', 'Warning', 'Failed']);
  });

  test('the event stream wants a logon, sends the clock and the data generation, and is bounded', async () => {
    assert.equal((await get(server, '/console/events')).status, 401);
    const { token } = await logon(server);
    const streams: AbortController[] = [];
    try {
      const abort = new AbortController();
      streams.push(abort);
      const res = await fetch(`${server.url}/console/events`, { headers: { 'X-RestSvcSessionId': token }, signal: abort.signal });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type')!, /^text\/event-stream/);
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      while (!/event: data/.test(text) || !/event: clock/.test(text)) text += (await reader.read()).value;
      assert.match(text, new RegExp(`"now":"${new Date(server.clock.now()).toISOString()}"`));
      for (let i = 1; i < MAX_EVENT_STREAMS; i++) {
        const a = new AbortController();
        streams.push(a);
        assert.equal((await fetch(`${server.url}/console/events`, { headers: { 'X-RestSvcSessionId': token }, signal: a.signal })).status, 200);
      }
      assert.equal((await get(server, '/console/events', { token })).status, 503, 'one stream too many');
    } finally {
      // The first stream stays open: closing the server (after) must end it, not wait for it.
      for (const a of streams.slice(1)) a.abort();
    }
  });
});

describe('the console in Chromium', { skip: (!existsSync(CHROMIUM) && `no ${CHROMIUM}`) || (!built && 'console not built') }, () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  let token: string;

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer({ adminToken: TOKEN, load: (store) => generateDemo(store, DEMO), simulate: true });
    token = (await logon(server)).token;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const shot = async (t: { diagnostic(m: string): void }, name: string) => {
    const path = join(SHOTS, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    t.diagnostic(`screenshot ${name}: ${path}`);
  };
  const view = async (id: string) => {
    await page.click(`nav a[data-view=${id}]`);
    await page.waitForSelector(`[data-testid=view-${id}]`);
  };
  const count = async (id: string) => Number(await page.textContent(`[data-count=${id}]`));

  test('loads, logs on and shows the estate as the API counts it', async (t) => {
    const start = Date.now();
    await page.goto(`${server.url}/`);
    await page.waitForSelector('form.logon');
    const shown = Date.now() - start;
    const nav = await page.evaluate(() => {
      const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      return { domContentLoaded: Math.round(n.domContentLoadedEventEnd), load: Math.round(n.loadEventEnd) };
    });
    t.diagnostic(`page load: logon form shown ${shown} ms after navigation (DOMContentLoaded ${nav.domContentLoaded} ms, load ${nav.load} ms)`);
    assert.match(await page.title(), /emrest/);

    await page.fill('input[name=user]', 'TECH\\admin');
    await page.fill('input[name=password]', 'Passw0rd');
    await page.fill('input[name=adminToken]', TOKEN);
    const logonAt = Date.now();
    await page.click('form.logon button[type=submit]');
    await page.waitForSelector('[data-testid=estate-loaded]');
    t.diagnostic(`estate shown ${Date.now() - logonAt} ms after logon was clicked`);

    const now = server.clock.now();
    assert.equal(await count('servers'), (await queryAll(server, token, 'BackupServer', 'BackupServers')).length);
    assert.equal(await count('jobs'), (await queryAll(server, token, 'Job', 'Jobs')).length);
    assert.equal(await count('running'), await jobSessions(server, token, 'State!=Stopped'));
    const failed = await jobSessions(server, token, `Result==Failed;CreationTime>=${instant(now - 24 * 3_600_000)}`);
    assert.equal(await count('failed'), failed);
    assert.ok((await count('servers')) === DEMO.servers && (await count('jobs')) > 0);
    assert.match((await page.textContent('[data-testid=live]'))!, /live/);
    await shot(t, '1-estate');
  });

  test('draws the session timeline of a job', async (t) => {
    await view('timeline');
    await page.waitForSelector('[data-testid=timeline-chart] canvas');
    await page.waitForFunction(() => /^[1-9]\d* sessions/.test(document.querySelector('[data-testid=timeline-summary]')?.textContent ?? ''));
    await shot(t, '2-timeline');
  });

  test('the explorer builds the EM URL from the registry and shows what the API answers; links are followed', async (t) => {
    await view('explorer');
    await page.waitForSelector('[data-testid=explorer-type] option[value=BackupJobSession]', { state: 'attached' });
    await page.selectOption('[data-testid=explorer-type]', 'BackupJobSession');
    await page.selectOption('[data-testid=cond-field-0]', 'Result');
    await page.selectOption('[data-testid=cond-op-0]', '!=');
    await page.selectOption('[data-testid=cond-value-0]', 'Success');
    await page.selectOption('[data-testid=explorer-sort]', 'CreationTime');
    await page.selectOption('[data-testid=explorer-sortdir]', 'sortDesc');
    await page.fill('[data-testid=explorer-pagesize]', '5');
    const url = (await page.textContent('[data-testid=explorer-url]'))!;
    assert.equal(
      url,
      `${server.url}/api/query?type=BackupJobSession&format=Entities&filter=Result%21%3DSuccess&sortDesc=CreationTime&pageSize=5`,
    );
    await page.click('[data-testid=explorer-run]');
    await page.waitForSelector('[data-testid=explorer-status]');
    const api = await get(server, url.slice(server.url.length), { token, accept: 'application/xml' });
    assert.equal(await page.textContent('[data-testid=explorer-status]'), String(api.status));
    assert.equal(await page.textContent('[data-testid=explorer-answer]'), api.body, 'the answer shown is the API answer');
    assert.match(api.body, /<BackupJobSession /);
    await shot(t, '3-explorer');

    // JSON, then follow the first Href of the answer.
    await page.check('[data-testid=explorer-json]');
    await page.click('[data-testid=explorer-run]');
    await page.waitForFunction(() => (document.querySelector('[data-testid=explorer-answer]')?.textContent ?? '').startsWith('{'));
    const jsonApi = await get(server, url.slice(server.url.length), { token, accept: 'application/json' });
    assert.equal(await page.textContent('[data-testid=explorer-answer]'), jsonApi.body);
    const href = (await page.textContent('[data-testid=explorer-answer] a[data-href]'))!;
    await page.click('[data-testid=explorer-answer] a[data-href]');
    await page.waitForFunction((h) => document.querySelector('[data-testid=explorer-shown-url]')?.textContent === h, href);
    assert.equal(await page.textContent('[data-testid=explorer-status]'), '200');
    await shot(t, '4-explorer-followed');
  });

  test('advancing the clock in the console runs the estate: the clock moves live and new sessions appear', async (t) => {
    const before = await jobSessions(server, token);
    await view('timeline');
    await page.waitForFunction(() => /^\d+ sessions/.test(document.querySelector('[data-testid=timeline-summary]')?.textContent ?? ''));
    const timelineBefore = parseInt((await page.textContent('[data-testid=timeline-summary]'))!, 10);

    await view('clock');
    const from = server.clock.now();
    await page.fill('[data-testid=clock-advance-input]', 'P1D');
    await page.click('[data-testid=clock-advance]');
    await page.waitForSelector('[data-testid=clock-ran]');
    assert.equal(server.clock.now(), from + 86_400_000);
    // The clock view reads the time only from the event stream: it shows the new time once the stream said so.
    const expected = new Date(from + 86_400_000).toISOString().slice(0, 19).replace('T', ' ');
    await page.waitForFunction((e) => (document.querySelector('[data-testid=clock-now]')?.textContent ?? '').startsWith(e), expected);
    // A day is past the logon idle timeout: every logon session expired, as in EM (the console logs on again by itself).
    token = (await logon(server)).token;
    const after = await jobSessions(server, token);
    assert.ok(after > before, `sessions ran: ${before} → ${after}`);
    await shot(t, '5-clock');

    await view('timeline');
    await page.waitForFunction((n) => parseInt(document.querySelector('[data-testid=timeline-summary]')?.textContent ?? '0', 10) > n, timelineBefore);
    await view('estate');
    await page.waitForSelector('[data-testid=estate-loaded]');
    const failed = await jobSessions(server, token, `Result==Failed;CreationTime>=${instant(server.clock.now() - 24 * 3_600_000)}`);
    await page.waitForFunction((n) => Number(document.querySelector('[data-count=failed]')?.textContent) === n, failed);
    await shot(t, '6-estate-after-advance');
  });

  test('fault rules and the request journal', async (t) => {
    await view('faults');
    await page.waitForSelector('[data-testid=faults-empty]');
    await page.fill('[data-testid=fault-json]', JSON.stringify({ match: { path: '/api/reports' }, fault: { status: 503, message: 'maintenance' } }));
    await page.click('[data-testid=fault-add]');
    await page.waitForSelector('[data-testid=faults-table], .error');
    const error = await page.$('.error');
    assert.equal(error && (await error.textContent()), null, 'the rule was added');
    const rules = JSON.parse((await get(server, '/admin/v1/faults', { headers: { Authorization: `Bearer ${TOKEN}` } })).body);
    assert.equal(rules.faults.length, 1);
    await shot(t, '7-faults');

    await view('journal');
    await page.waitForSelector('[data-testid=journal-table] tbody tr');
    const rows = await page.$$eval('[data-testid=journal-table] tbody tr', (trs) => trs.length);
    assert.ok(rows > 0);
    await shot(t, '8-journal');
  });
});
