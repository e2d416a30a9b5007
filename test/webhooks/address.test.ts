import { addressProblem, checkDestination, RefusedDestination } from '../../src/modules/webhooks/webhook.address';
import { retryDelay } from '../../src/modules/webhooks/webhook.outbox';
import { parseRetryAfter, sendMessage } from '../../src/modules/webhooks/webhook.send';
import { startReceiver } from './receiver';

/** The address check, the retry schedule and Retry-After, as units; and a send refused at delivery time. */

const production = { allowLoopback: false };
const development = { allowLoopback: true };

test.each([
  ['127.0.0.1', 'a loopback address'],
  ['127.8.9.10', 'a loopback address'],
  ['::1', 'a loopback address'],
  ['10.0.0.1', 'a private address'],
  ['172.31.255.255', 'a private address'],
  ['192.168.0.1', 'a private address'],
  ['169.254.169.254', 'a link-local or metadata address'],
  ['fe80::abcd', 'a link-local address'],
  ['fd00:ec2::254', 'a private address'],
  ['100.100.100.200', 'a shared (carrier-grade NAT) address'],
  ['224.0.0.1', 'a multicast address'],
  ['255.255.255.255', 'a reserved address'],
  ['::ffff:10.0.0.1', 'an IPv4-mapped address'],
  ['0.0.0.0', 'a reserved address'],
])('in production %s is %s', (ip, reason) => {
  expect(addressProblem(ip, production)).toBe(reason);
});

test.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '172.32.0.1', '192.169.0.1'])('public %s is allowed', (ip) => {
  expect(addressProblem(ip, production)).toBeUndefined();
});

test('the loopback setting allows loopback only', () => {
  expect(addressProblem('127.0.0.1', development)).toBeUndefined();
  expect(addressProblem('::1', development)).toBeUndefined();
  expect(addressProblem('10.0.0.1', development)).toBe('a private address');
  expect(addressProblem('169.254.169.254', development)).toBe('a link-local or metadata address');
});

test('URLs: https required, http only to loopback when allowed, names resolved and checked', async () => {
  await expect(checkDestination('http://127.0.0.1:1/x', production)).rejects.toThrow('must use https');
  await expect(checkDestination('http://127.0.0.1:1/x', development)).resolves.toBeInstanceOf(URL);
  await expect(checkDestination('http://localhost:1/x', development)).resolves.toBeInstanceOf(URL);
  await expect(checkDestination('http://10.0.0.1/x', development)).rejects.toThrow('must use https');
  await expect(checkDestination('https://localhost/x', production)).rejects.toThrow(/resolves to a loopback address/);
  await expect(checkDestination('https://no-such-host.invalid/x', production)).rejects.toBeInstanceOf(RefusedDestination);
});

test('a delivery to a loopback receiver is refused at send time under the production policy', async () => {
  const r = await startReceiver();
  try {
    const message = { id: 'msg_1', body: '{}', secrets: ['whsec_' + Buffer.alloc(32, 1).toString('base64')] };
    const refused = await sendMessage(r.url.replace('http:', 'https:'), message, { timeoutMs: 1_000, policy: production });
    expect(refused).toMatchObject({ ok: false, statusCode: null, error: expect.stringMatching(/Refused: .*loopback/) });
    const named = await sendMessage(r.url.replace('http://127.0.0.1', 'https://localhost'), message, { timeoutMs: 1_000, policy: production });
    expect(named).toMatchObject({ ok: false, error: expect.stringMatching(/Refused: .*loopback/) });
    expect(r.received).toHaveLength(0);
    const sent = await sendMessage(r.url, message, { timeoutMs: 1_000, policy: development });
    expect(sent).toMatchObject({ ok: true, statusCode: 204 });
  } finally {
    await r.close();
  }
});

test('a receiver slower than the timeout is a failure', async () => {
  const r = await startReceiver(() => ({ status: 200, delayMs: 2_000 }));
  try {
    const outcome = await sendMessage(
      r.url,
      { id: 'msg_2', body: '{}', secrets: ['whsec_' + Buffer.alloc(32, 2).toString('base64')] },
      { timeoutMs: 200, policy: development },
    );
    expect(outcome).toMatchObject({ ok: false, statusCode: null, error: 'Timed out after 200 ms' });
    expect(outcome.durationMs).toBeLessThan(1_000);
  } finally {
    await r.close();
  }
});

test('retry delays double with jitter up to the cap; Retry-After is read as seconds or a date', () => {
  expect(retryDelay(1, 1000, 60_000, () => 0)).toBe(500);
  expect(retryDelay(1, 1000, 60_000, () => 1)).toBe(1000);
  expect(retryDelay(4, 1000, 60_000, () => 1)).toBe(8000);
  expect(retryDelay(30, 1000, 60_000, () => 1)).toBe(60_000);
  expect(parseRetryAfter('120')).toBe(120_000);
  expect(parseRetryAfter(new Date(Date.now() + 30_000).toUTCString(), Date.now())).toBeGreaterThan(28_000);
  expect(parseRetryAfter('soon')).toBeNull();
  expect(parseRetryAfter(undefined)).toBeNull();
});
