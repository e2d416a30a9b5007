import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, activePartnership, type TestNetwork } from '../helpers/factories';
import { addMember, createGroup, dbId, ok, type Cred } from '../helpers/gql';
import { insertSession, sql } from '../helpers/world';

/**
 * The reference partner app (examples/partner-app) in a real browser: Debian's Chromium driven by playwright-core,
 * fresh profiles, closed-network flags, against the real API on the test database and the app's own token backend
 * (server.mjs, holding a key with ISSUE_MEMBER_TOKENS only). A member finds a group by topic, joins accepting its
 * norms, RSVPs and checks in — and the check-in appears on the facilitator's board in ANOTHER browser (live, over the
 * attendanceChanged subscription) — then gives feedback, gratitude, a resource and a wellbeing check-in; the
 * facilitator sees the feedback summary and drifting members; the admin sees health and trend charts drawn from real
 * data (SVG elements asserted) and partnerships. Screenshots of each screen: artifacts/screenshots/journey-*.png.
 *
 * Needs /usr/bin/chromium (CHROMIUM_PATH) and the built app (examples/partner-app/dist; .ci/run builds both). Outside
 * CI (no CI env variable) a missing one skips the journey with a message; in CI it fails.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const APP_DIR = path.resolve(__dirname, '..', '..', 'examples', 'partner-app');
const SCREENSHOTS = path.resolve(__dirname, '..', '..', 'artifacts', 'screenshots');
const WAIT_MS = 30_000;
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const missing = [
  fs.existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`,
  fs.existsSync(path.join(APP_DIR, 'dist', 'index.html'))
    ? null
    : 'the partner app is not built (npm ci --prefix examples/partner-app && npm run --prefix examples/partner-app build)',
].filter((m): m is string => m !== null);
if (missing.length && process.env.CI) throw new Error(`Browser journey cannot run in CI: ${missing.join('; ')}`);
if (missing.length) process.stderr.write(`Skipping the partner-app browser journey: ${missing.join('; ')}\n`);
const describeJourney = missing.length ? describe.skip : describe;

const gql = async <T = any>(app: TestApp, query: string, variables: Record<string, unknown>, credential: string): Promise<T> =>
  ok<T>(await app.gql<T>(query, variables, credential));

describeJourney('partner app in Chromium: member → facilitator → admin', () => {
  let app: TestApp;
  let net: TestNetwork;
  let backend: ChildProcess;
  let appUrl: string;
  const tmp: string[] = [];
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];
  let groupId: string;

  async function browser(name: string): Promise<Page> {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), `journey-${name}-`));
    tmp.push(profile);
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1200, height: 900 },
      timeout: WAIT_MS,
    });
    contexts.push(context);
    context.setDefaultTimeout(WAIT_MS);
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (err) => problems.push(`${name}: ${err.message}`));
    return page;
  }

  async function signIn(page: Page, label: string) {
    await page.goto(appUrl);
    await page.getByLabel('Demo user').selectOption({ label });
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Signed in as').waitFor();
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `journey-${name}.png`), fullPage: true });

  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    app = await startTestApp({ REDIS_PREFIX: `journey-${randomUUID()}:` });
    net = await createTestNetwork(app, 'Riverside Peer Network');
    const partner = await createTestNetwork(app, 'Hillside Recovery Network');
    await activePartnership(app, net.adminKey, { slug: partner.slug, admin: partner.adminKey });

    // Demo-like data: a group found by topic, another one, a facilitator, six regulars, one who drifted away.
    groupId = await createGroup(app, net, {
      name: 'Anxiety Circle',
      description: 'A weekly online circle for people living with anxiety.',
      topics: ['anxiety', 'mental-health'],
      norms: ['What is shared here stays here', 'Listen without fixing'],
    });
    await createGroup(app, net, { name: 'Grief Café', topics: ['grief'] });
    const fay = await net.member('MEMBER' as never, { displayName: 'Fay Facilitator' });
    const mia = await net.member('MEMBER' as never, { displayName: 'Mia Member' });
    const ada = await net.member('ADMIN' as never, { displayName: 'Ada Admin' });
    const drew = await net.member('MEMBER' as never, { displayName: 'Drew Drifting' });
    const regulars: Cred[] = [];
    for (const name of ['Robin', 'Kai', 'Noor', 'Lee', 'Sasha']) regulars.push(await net.member('MEMBER' as never, { displayName: name }));
    await addMember(app, net, groupId, fay.globalId, 'FACILITATOR');
    for (const p of [drew, ...regulars]) await addMember(app, net, groupId, p.globalId);
    // They joined two months ago; three weekly sessions were held since, the facilitator and the regulars came, Drew did not.
    await sql(app, net.id, `UPDATE memberships SET joined_at = now() - interval '60 days' WHERE group_id = $1`, [dbId(groupId)]);
    for (const weeksAgo of [3, 2, 1]) {
      const held = await insertSession(app, net.id, dbId(groupId), { status: 'COMPLETED', startsInMinutes: -weeksAgo * 7 * 24 * 60 });
      await gql(
        app,
        'mutation($s: ID!, $e: [AttendanceEntryInput!]!) { markAttendance(sessionId: $s, entries: $e) { id } }',
        { s: held.globalId, e: [fay, ...regulars].map((r) => ({ memberId: r.globalId, status: 'PRESENT' })) },
        net.adminKey,
      );
    }
    // Private wellbeing check-ins of five people: enough (k = 5) for this week's outcome averages.
    for (const r of regulars) {
      await gql(app, 'mutation { giveConsent(purpose: WELLBEING_TRACKING) { active } }', {}, r.token);
      await gql(app, 'mutation($i: WellbeingInput!) { recordWellbeing(input: $i) { id } }', { i: { wellbeing: 7, confidence: 6 } }, r.token);
    }
    // A low wellbeing check-in gets the network's help resources.
    await gql(app, 'mutation { setWellbeingHelpThreshold(threshold: 3) { id } }', {}, net.adminKey);
    await gql(
      app,
      'mutation($i: [HelpResourceInput!]!) { setHelpResources(input: $i) { id } }',
      { i: [{ kind: 'CRISIS_LINE', name: 'Riverside Listening Line', phone: '+49 800 111 0111', openingHours: 'day and night' }] },
      net.adminKey,
    );
    // Today's session is live: the one the member checks in to.
    await insertSession(app, net.id, dbId(groupId), { status: 'LIVE', startsInMinutes: -5 });

    // The app's token backend: an issuing-only key, and its "user table" mapping demo users to members.
    const issuerKey = await net.keyWith({ scopes: ['ISSUE_MEMBER_TOKENS' as never], memberTokenMaxRole: 'ADMIN' as never });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'journey-backend-'));
    tmp.push(dir);
    const usersFile = path.join(dir, 'users.json');
    fs.writeFileSync(
      usersFile,
      JSON.stringify([
        { id: 'mia', label: 'Mia (member)', memberId: mia.globalId },
        { id: 'fay', label: 'Fay (facilitator)', memberId: fay.globalId },
        { id: 'ada', label: 'Ada (admin)', memberId: ada.globalId, maxRole: 'ADMIN' },
      ]),
    );
    backend = spawn(process.execPath, [path.join(APP_DIR, 'server.mjs')], {
      env: { ...process.env, API_URL: app.server.url.replace('localhost', '127.0.0.1'), ISSUER_KEY: issuerKey, USERS_FILE: usersFile, PORT: '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    appUrl = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`token backend did not start: ${out}`)), WAIT_MS);
      backend.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /Partner app at (http:\/\/localhost:\d+\/)/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(match[1].replace('localhost', '127.0.0.1'));
        }
      });
      backend.once('exit', (code) => reject(new Error(`token backend exited (${code}): ${out}`)));
    });
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    if (backend && backend.exitCode === null) {
      const exited = new Promise((resolve) => backend.once('exit', resolve));
      backend.kill('SIGTERM');
      await exited;
    }
    await app?.stop();
    for (const d of tmp) fs.rmSync(d, { recursive: true, force: true });
  });

  it('runs the whole journey, with a check-in appearing live on the facilitator board in another browser', async () => {
    const member = await browser('member');
    // The member's browser runs on a controllable clock, to see the token refresh (below).
    await member.context().clock.install();
    const facilitator = await browser('facilitator');
    // The browser never sees an API key: record every response the member's browser receives.
    const seen: string[] = [];
    member.on('response', (res) => {
      if (res.request().resourceType() === 'fetch') seen.push(res.url());
    });

    // Facilitator: the board of today's live session, open before anyone checks in.
    await signIn(facilitator, 'Fay (facilitator)');
    await facilitator.getByRole('link', { name: 'Facilitator' }).click();
    await facilitator.getByRole('link', { name: 'Anxiety Circle' }).click();
    await facilitator.getByRole('heading', { name: /Check-in board/ }).waitFor();
    const board = facilitator.getByRole('list', { name: 'Checked in' });
    expect(await board.getByText('Mia Member').count()).toBe(0);

    // Member: find by topic, join accepting the norms, RSVP, check in.
    await signIn(member, 'Mia (member)');
    await member.getByLabel('Topic').fill('anxiety');
    await member.getByRole('button', { name: 'Search' }).click();
    const results = member.getByRole('region', { name: 'Groups found' });
    await results.getByRole('link', { name: 'Anxiety Circle' }).waitFor();
    expect(await results.getByText('Grief Café').count()).toBe(0);
    await shot(member, 'member-find');
    await results.getByRole('link', { name: 'Anxiety Circle' }).click();
    await member.getByText('Listen without fixing').waitFor();
    const join = member.getByRole('button', { name: 'Join group' });
    expect(await join.isDisabled()).toBe(true); // not before accepting the norms
    await member.getByLabel("I accept the group's norms").check();
    await join.click();
    await member.getByText('You are a member of this group.').waitFor();
    await member.getByRole('button', { name: "I'm going" }).click();
    await member.getByText('GOING', { exact: true }).waitFor();
    await member.getByRole('button', { name: 'Check in' }).click();
    await member.getByText(/Checked in \(present\)/).waitFor();

    // …and it appears on the facilitator's board in the other browser, without a reload.
    await board.getByText('Mia Member').waitFor();
    expect(await facilitator.getByTestId('checked-in-count').textContent()).toBe('1');

    // Member: feedback, gratitude, a shared resource.
    await member.getByLabel('Rating (1–5)').selectOption('4');
    await member.getByRole('button', { name: 'Send feedback' }).click();
    await member.getByText('Thank you for your feedback.').waitFor();
    await member.getByLabel('Gratitude note').fill('Thank you all for listening tonight');
    await member.getByRole('button', { name: 'Share', exact: true }).click();
    await member.getByText('Note shared.').waitFor();
    await member.getByLabel('Title').fill('Box breathing, explained');
    await member.getByLabel('Link').fill('https://example.org/box-breathing');
    await member.getByRole('button', { name: 'Share a resource' }).click();
    await member.getByRole('link', { name: 'Box breathing, explained' }).waitFor();
    await member.getByText('Thank you for your feedback.').waitFor(); // the page kept its state while the resources refreshed
    await shot(member, 'member-group');

    // Member: a private wellbeing check-in, low: the network's help resources are shown.
    await member.getByRole('link', { name: 'Member', exact: true }).click();
    await member.getByLabel('Wellbeing (1–10)').fill('2');
    await member.getByLabel('Confidence (1–10)').fill('3');
    await member.getByLabel('I agree that my check-ins are kept (privately)').check();
    await member.getByRole('button', { name: 'Record' }).click();
    await member.getByText('Riverside Listening Line').waitFor();
    await shot(member, 'member-wellbeing');

    // Facilitator: after a reload (the session cookie restores the token), the feedback summary and drifting members.
    await facilitator.reload();
    await facilitator.getByText(/1 response: averages are withheld/).waitFor();
    await board.getByText('Mia Member').waitFor();
    const drifting = facilitator.getByRole('region', { name: 'Members drifting away' });
    await drifting.getByText('Drew Drifting', { exact: true }).waitFor();
    expect(await drifting.textContent()).toMatch(/missed the last 3 sessions/);
    expect(await drifting.getByRole('listitem').count()).toBe(1); // the others came
    await shot(facilitator, 'facilitator');
    const outreach = drifting.getByRole('button', { name: 'Record outreach to Drew Drifting' });
    await outreach.click();
    await drifting.getByText(/last reached out/).waitFor();

    // Admin (in the member's browser, after signing out): health and trends as charts, partnerships, a joint event.
    await member.getByRole('button', { name: 'Sign out' }).click();
    await signIn(member, 'Ada (admin)');
    // 14.5 minutes later the 15-minute token is within the app's refresh margin: the admin screen's first queries start
    // together and share ONE refresh at the token backend (single-flight), and the new token works.
    const refreshes: string[] = [];
    member.on('request', (req) => {
      if (req.url().endsWith('/auth/token')) refreshes.push(req.url());
    });
    await member.clock.fastForward('14:30');
    await member.getByRole('link', { name: 'Admin' }).click();
    await member.getByLabel('Group').selectOption({ label: 'Anxiety Circle' });
    const participation = member.locator('figure[data-chart="participation"]');
    const outcomes = member.locator('figure[data-chart="outcomes"]');
    await participation.locator('svg .recharts-bar-rectangle path').first().waitFor();
    expect(refreshes).toHaveLength(1);
    // Three weeks with six attendances each are drawn as bars; the attendance rate as a line; weeks without enough
    // people as grey "suppressed" bars.
    expect(await participation.locator('svg .recharts-bar-rectangle path[fill="#4f7cac"]').count()).toBe(3);
    expect(await participation.locator('svg .recharts-bar-rectangle path[fill="#d0d0d0"]').count()).toBeGreaterThan(0);
    expect(await participation.locator('svg .recharts-line-curve').count()).toBe(1);
    expect(await participation.locator('figcaption').textContent()).toMatch(/18 attendances/);
    // This week's wellbeing averages (five respondents) as points; earlier weeks withheld.
    await outcomes.locator('svg .recharts-line-dots circle, svg .recharts-line-dot').first().waitFor();
    expect(await outcomes.locator('svg .recharts-bar-rectangle path[fill="#d0d0d0"]').count()).toBeGreaterThan(0);
    expect(await member.getByRole('region', { name: /Health of Anxiety Circle/ }).textContent()).toMatch(/Sessions held\s*3/);
    const partnerships = member.getByRole('region', { name: 'Partnerships' });
    await partnerships.getByText('Hillside Recovery Network').waitFor();
    expect(await partnerships.textContent()).toMatch(/active/);
    await member.getByLabel('New joint event (in two weeks, online)').fill('Spring gathering');
    await member.getByRole('button', { name: 'Create and invite' }).click();
    const joint = member.getByRole('region', { name: 'Joint events' });
    await joint.getByText(/Spring gathering/).waitFor();
    await joint.getByText(/Hillside Recovery Network \(invited\)/).waitFor();
    await shot(member, 'admin');

    // What the API recorded is what the browsers did.
    const [row] = await sql<{ n: string }>(
      app,
      net.id,
      `SELECT count(*) AS n FROM attendance a JOIN members m ON m.id = a.member_id WHERE m.display_name = 'Mia Member'`,
    );
    expect(Number(row.n)).toBe(1);
    expect(seen.some((u) => u.includes('/auth/login'))).toBe(true);
    expect(problems).toEqual([]);
  });

  it('the token backend gives the browser member tokens only, never its API key', async () => {
    const res = await fetch(new URL('/auth/login', appUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"user":"mia"}' });
    const body = (await res.json()) as { token: string; role: string };
    expect(res.status).toBe(200);
    expect(body.token).toMatch(/^ey/);
    expect(JSON.stringify(body)).not.toMatch(/pnk_/);
    expect(body.role).toBe('MEMBER');
    const viewer = await gql(app, '{ viewer { kind member { displayName } } }', {}, body.token);
    expect(viewer.viewer).toEqual({ kind: 'MEMBER', member: { displayName: 'Mia Member' } });
    // Refresh needs our own session cookie; without it, no token.
    expect((await fetch(new URL('/auth/token', appUrl), { method: 'POST' })).status).toBe(401);
  });
});
