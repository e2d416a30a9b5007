import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { createGroup, dbId, ok } from '../helpers/gql';
import { insertSession } from '../helpers/world';
import { eventually, uniquePrefix } from '../subscriptions/live';

/**
 * The explorer in a real browser: Debian's Chromium driven by playwright-core (no browser download; .ci/run installs
 * `chromium` when missing), launched for a closed network with a fresh profile. The page must load everything from the
 * API's own origin, run a query with the preset key and show a subscription event. Screenshots: artifacts/screenshots.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = path.resolve(__dirname, '..', '..', 'artifacts', 'screenshots');
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost']);
/** Bounds for the browser's waits (a loaded CI machine with two cores is slow, but never this slow). */
const WAIT_MS = 30_000;

let app: TestApp;
let net: TestNetwork;
let browser: BrowserContext;
let profile: string;
let page: Page;
const requested: string[] = [];
const problems: string[] = [];

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  // The explorer's key is preset as the demo key is in development (src/main.ts): here a test network's, made first.
  const setup = await startTestApp();
  net = await createTestNetwork(setup, 'Explorer Test Network');
  await setup.stop();
  app = await startTestApp({ REDIS_PREFIX: uniquePrefix() }, { explorerKey: net.adminKey });

  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'explorer-profile-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
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
    viewport: { width: 1280, height: 800 },
    timeout: WAIT_MS,
  });
  browser.setDefaultTimeout(WAIT_MS);
  page = browser.pages()[0] ?? (await browser.newPage());
  page.on('request', (req) => requested.push(req.url()));
  page.on('websocket', (ws) => requested.push(ws.url()));
  page.on('pageerror', (err) => problems.push(err.message));
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
  await app?.stop();
});

/** The response pane's text (CodeMirror renders the lines in view; the results here are short). */
const resultContains = (text: string) => pageTextContains('.result-window', text);

/** Waits until the element's text (in the page) contains `text`. */
function pageTextContains(selector: string, text: string) {
  // Runs in the browser: the DOM's `document` (this project's TypeScript knows no DOM types).
  const check = ([sel, t]: [string, string]) => (globalThis as any).document.querySelector(sel)?.textContent?.includes(t) ?? false;
  return page.waitForFunction(check, [selector, text] as [string, string], { timeout: WAIT_MS });
}

const base = () => `http://127.0.0.1:${app.server.port}/`;

test('the page loads from the API alone and runs the example query with the preset key', async () => {
  await page.goto(base());
  await page.waitForSelector('.graphiql-execute-button');
  // The headers editor holds the preset credential.
  await pageTextContains('.graphiql-editor-tool', net.adminKey.slice(0, 12));
  await page.click('.graphiql-execute-button');
  await resultContains('Explorer Test Network');
  await resultContains('"API_KEY"');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'explorer.png') });
  expect(requested.length).toBeGreaterThan(0);
  expect(requested.map((url) => new URL(url)).filter((url) => !LOCAL_HOSTS.has(url.hostname))).toEqual([]);
  // The docs come from /schema.graphql: no credential needed, no introspection request.
  expect(requested).toContain(`${base()}schema.graphql`);
  expect(problems).toEqual([]);
});

test('a subscription opened in the explorer receives an event made through the API', async () => {
  const groupId = await createGroup(app, net);
  const session = await insertSession(app, net.id, dbId(groupId), { status: 'SCHEDULED', startsInMinutes: 24 * 60 });
  const query = 'subscription Live($groupId: ID!) {\n  sessionChanged(groupId: $groupId) {\n    id\n    title\n  }\n}';
  const url = `${base()}?${new URLSearchParams({ query, variables: JSON.stringify({ groupId }) })}`;
  await page.goto(url);
  await page.waitForSelector('.graphiql-execute-button');
  await page.click('.graphiql-execute-button');
  // Changed only once the browser's subscription is in place on the server, so the event cannot be missed.
  await eventually(() => app.server.live.subscribers(net.id, 'sessionChanged', dbId(groupId)) > 0, 'the explorer’s subscription', WAIT_MS);
  ok(
    await app.gql(
      'mutation($id: ID!) { updateSession(id: $id, input: { title: "Renamed while the explorer listens" }) { id } }',
      { id: session.globalId },
      net.adminKey,
    ),
  );
  await resultContains('Renamed while the explorer listens');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'explorer-subscription.png') });
  const websockets = requested.filter((u) => u.startsWith('ws'));
  expect(websockets).toEqual([`ws://127.0.0.1:${app.server.port}/graphql`]);
  expect(requested.map((u) => new URL(u)).filter((u) => !LOCAL_HOSTS.has(u.hostname))).toEqual([]);
  expect(problems).toEqual([]);
});
