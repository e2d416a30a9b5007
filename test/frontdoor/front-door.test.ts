import fs from 'node:fs';
import path from 'node:path';
import { startTestApp, type TestApp } from '../helpers/app';

/**
 * The front door over HTTP: GET /schema.graphql in every environment, the explorer at `/` (on in development, off in
 * production unless EXPLORER=true, never with a key there), and no Apollo landing page (its Sandbox comes from a CDN).
 * The explorer in a real browser: explorer.test.ts.
 */

const committed = fs.readFileSync(path.join(__dirname, '..', '..', 'schema', 'schema.graphql'), 'utf8');
const KEY = 'pnk_not-a-real-key-but-a-marker-for-the-page';

let dev: TestApp;
let prod: TestApp;
let prodExplorer: TestApp;
beforeAll(async () => {
  dev = await startTestApp({}, { explorerKey: KEY });
  prod = await startTestApp({ NODE_ENV: 'production' }, { explorerKey: KEY });
  prodExplorer = await startTestApp({ NODE_ENV: 'production', EXPLORER: 'true' }, { explorerKey: KEY });
});
afterAll(async () => {
  await Promise.all([dev, prod, prodExplorer].filter(Boolean).map((app) => app.stop()));
});

describe('GET /schema.graphql', () => {
  test('serves exactly schema/schema.graphql in production, as text, with an ETag', async () => {
    const res = await prod.http().get('/schema.graphql');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(res.text).toBe(committed);
  });

  test('has no federation internals (those stay in _service { sdl })', async () => {
    const res = await dev.http().get('/schema.graphql');
    expect(res.text).toBe(committed);
    for (const internal of ['_service', '_entities', '_Any', '_Entity', '@link', '@key', 'link__Import']) expect(res.text).not.toContain(internal);
    expect(res.text).toContain('type Query');
    expect(res.text).toContain('type Subscription');
  });

  test('answers 304 to a matching If-None-Match, without a credential', async () => {
    const first = await prod.http().get('/schema.graphql');
    const again = await prod.http().get('/schema.graphql').set('if-none-match', first.headers.etag);
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
  });
});

describe('the explorer at /', () => {
  test('development: the page, the bundle it names (same origin, relative URLs), the preset key and the example operation', async () => {
    const res = await dev.http().get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['content-security-policy']).toContain("connect-src 'self' ws: wss:");
    // No absolute URL at all in the page: everything it loads is on this origin.
    expect(res.text).not.toMatch(/(src|href)="(https?:)?\/\//);
    const settings = JSON.parse(/<script id="explorer-settings" type="application\/json">(.*?)<\/script>/s.exec(res.text)![1]);
    expect(JSON.parse(settings.headers)).toEqual({ authorization: `Bearer ${KEY}` });
    expect(settings.query).toContain('query Demo');
    for (const asset of ['explorer/explorer.js', 'explorer/explorer.css']) {
      expect(res.text).toContain(`"${asset}"`);
      const file = await dev.http().get(`/${asset}`);
      expect(file.status).toBe(200);
      expect(file.headers['cache-control']).toBe('no-cache');
    }
    // The stylesheet brings its fonts along (data: URLs); nothing is fetched from elsewhere.
    const css = await dev.http().get('/explorer/explorer.css');
    expect(css.text).not.toMatch(/@import|url\(\s*["']?(https?:)?\/\//);
    expect((await dev.http().get('/explorer/nothing-here.js')).status).toBe(404);
  });

  test('production: no explorer (404) unless EXPLORER=true, and then never a key', async () => {
    expect((await prod.http().get('/')).status).toBe(404);
    expect((await prod.http().get('/explorer/explorer.js')).status).toBe(404);
    const page = await prodExplorer.http().get('/');
    expect(page.status).toBe(200);
    expect(page.text).not.toContain(KEY);
    expect(page.text).not.toContain('pnk_');
    expect(page.text).toContain('explorer/explorer.js');
  });

  test('a browser opening /graphql lands on the explorer; Apollo’s CDN landing page is never served', async () => {
    const html = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
    const res = await dev.http().get('/graphql').set('accept', html);
    expect([res.status, res.headers.location]).toEqual([302, '/']);
    // Without the explorer, Apollo answers as for any GET without an operation: no Sandbox page.
    const off = await prod.http().get('/graphql').set('accept', html);
    expect(off.status).toBe(400);
    expect(off.text).not.toMatch(/apollo-server-landing-page|embeddable-sandbox|cdn\./i);
  });

  test('CSRF prevention stays on: a GET operation without a preflight header is refused', async () => {
    const res = await dev.http().get('/graphql').query({ query: '{ viewer { kind } }' });
    expect(res.status).toBe(400);
  });
});
