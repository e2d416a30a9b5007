import dns from 'node:dns';
import net from 'node:net';

/**
 * Server-side request forgery: where webhook deliveries may go. Endpoints must be https and must not resolve to
 * loopback, private, link-local (cloud metadata at 169.254.169.254 included), shared, multicast or otherwise
 * reserved addresses. Checked on the URL at creation and on every address DNS answers at each delivery (the
 * connection goes to the address checked, see `guardedLookup`), so a name that later resolves elsewhere is refused too.
 * `allowLoopback` (WEBHOOK_ALLOW_HTTP_LOOPBACK, development and tests) permits loopback addresses, over plain http too.
 */
export interface AddressPolicy {
  allowLoopback: boolean;
}

const RANGES: Array<[string, number, 'ipv4' | 'ipv6', string]> = [
  ['0.0.0.0', 8, 'ipv4', 'a reserved address'],
  ['10.0.0.0', 8, 'ipv4', 'a private address'],
  ['100.64.0.0', 10, 'ipv4', 'a shared (carrier-grade NAT) address'],
  ['169.254.0.0', 16, 'ipv4', 'a link-local or metadata address'],
  ['172.16.0.0', 12, 'ipv4', 'a private address'],
  ['192.0.0.0', 24, 'ipv4', 'a reserved address'],
  ['192.0.2.0', 24, 'ipv4', 'a reserved address'],
  ['192.168.0.0', 16, 'ipv4', 'a private address'],
  ['198.18.0.0', 15, 'ipv4', 'a reserved address'],
  ['198.51.100.0', 24, 'ipv4', 'a reserved address'],
  ['203.0.113.0', 24, 'ipv4', 'a reserved address'],
  ['224.0.0.0', 4, 'ipv4', 'a multicast address'],
  ['240.0.0.0', 4, 'ipv4', 'a reserved address'],
  ['::', 128, 'ipv6', 'a reserved address'],
  ['::ffff:0:0', 96, 'ipv6', 'an IPv4-mapped address'],
  ['64:ff9b::', 96, 'ipv6', 'a NAT64 address'],
  ['100::', 64, 'ipv6', 'a reserved address'],
  ['2001:db8::', 32, 'ipv6', 'a reserved address'],
  ['fc00::', 7, 'ipv6', 'a private address'],
  ['fe80::', 10, 'ipv6', 'a link-local address'],
  ['ff00::', 8, 'ipv6', 'a multicast address'],
];
const LOOPBACK: Array<[string, number, 'ipv4' | 'ipv6']> = [
  ['127.0.0.0', 8, 'ipv4'],
  ['::1', 128, 'ipv6'],
];

const lists = RANGES.map(([address, prefix, family, reason]) => {
  const list = new net.BlockList();
  list.addSubnet(address, prefix, family);
  return { list, family, reason };
});
const loopback = new net.BlockList();
for (const [address, prefix, family] of LOOPBACK) loopback.addSubnet(address, prefix, family);

const familyOf = (ip: string): 'ipv4' | 'ipv6' | undefined => (net.isIPv4(ip) ? 'ipv4' : net.isIPv6(ip) ? 'ipv6' : undefined);

export const isLoopback = (ip: string): boolean => {
  const family = familyOf(ip);
  return family !== undefined && loopback.check(ip, family);
};

/** Why a delivery may not go to this IP address; undefined when it may. */
export function addressProblem(ip: string, policy: AddressPolicy): string | undefined {
  const family = familyOf(ip);
  if (!family) return 'not an IP address';
  if (loopback.check(ip, family)) return policy.allowLoopback ? undefined : 'a loopback address';
  return lists.find((l) => l.family === family && l.list.check(ip, family))?.reason;
}

/** An endpoint URL the policy refuses, with the reason (for BAD_USER_INPUT and delivery errors). */
export class RefusedDestination extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'RefusedDestination';
  }
}

/** A URL's host without IPv6 brackets. */
const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** Checks the URL's form: https (or http to a loopback host when allowed), no credentials, a host. Throws RefusedDestination. */
export function checkUrlForm(raw: string, policy: AddressPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RefusedDestination('is not a URL');
  }
  if (url.username || url.password) throw new RefusedDestination('must not carry credentials');
  const host = hostOf(url);
  if (url.protocol === 'http:') {
    const loopbackHost = host === 'localhost' || isLoopback(host);
    if (!(policy.allowLoopback && loopbackHost)) throw new RefusedDestination('must use https');
  } else if (url.protocol !== 'https:') {
    throw new RefusedDestination('must use https');
  }
  if (!host) throw new RefusedDestination('has no host');
  return url;
}

/** Every address the host resolves to must be allowed; answers them. Throws RefusedDestination. */
export async function resolveAllowed(host: string, policy: AddressPolicy): Promise<string[]> {
  let addresses: string[];
  if (familyOf(host)) addresses = [host];
  else {
    try {
      addresses = (await dns.promises.lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      throw new RefusedDestination(`does not resolve (${host})`);
    }
  }
  for (const address of addresses) {
    const problem = addressProblem(address, policy);
    if (problem) throw new RefusedDestination(`resolves to ${problem} (${address})`);
  }
  return addresses;
}

/** The URL's form and its host's addresses, as at creation. Throws RefusedDestination. */
export async function checkDestination(raw: string, policy: AddressPolicy): Promise<URL> {
  const url = checkUrlForm(raw, policy);
  await resolveAllowed(hostOf(url), policy);
  return url;
}

/**
 * A `lookup` for http(s).request that connects only to allowed addresses: the same DNS answer that is checked
 * is the one connected to (no second lookup a rebinding name could answer differently).
 */
export function guardedLookup(policy: AddressPolicy): net.LookupFunction {
  return ((hostname: string, options: dns.LookupOptions, callback: (err: Error | null, address: string | dns.LookupAddress[], family?: number) => void) => {
    resolveAllowed(hostname, policy).then(
      (addresses) => {
        const entries = addresses.map((address) => ({ address, family: net.isIPv6(address) ? 6 : 4 }));
        if (options.all) callback(null, entries);
        else callback(null, entries[0].address, entries[0].family);
      },
      (err: Error) => callback(err, ''),
    );
  }) as net.LookupFunction;
}
