import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { AppError } from '../errors/app-error';

/**
 * Server-side request forgery guard for URLs creators type in (program webhooks): only public unicast
 * addresses may be called. ipaddr.js (the range tables behind Fastify's proxy-addr) classifies the address;
 * everything it does not call `unicast` — loopback, RFC 1918 private, link-local (cloud metadata at
 * 169.254.169.254), carrier-grade NAT, unique-local IPv6, multicast, reserved, documentation, 6to4/Teredo
 * tunnels that embed an IPv4 address… — counts as private.
 */
export const isPrivateAddress = (ip: string): boolean => {
  const bare = ip.replace(/^\[|\]$/g, '');
  // A hostname is not an address: resolve it first (assertPublicUrl does).
  if (!ipaddr.isValid(bare)) return false;
  // process() turns an IPv4-mapped IPv6 address (::ffff:127.0.0.1) back into the IPv4 address it carries.
  return ipaddr.process(bare).range() !== 'unicast';
};

export type AddressLookup = (hostname: string) => Promise<{ address: string }[]>;

const lookupAll: AddressLookup = (hostname) => lookup(hostname, { all: true, verbatim: true });

/**
 * Resolves the URL's host (every A and AAAA record) and throws a VALIDATION_FAILED AppError when one of the
 * addresses is private, unless `allowPrivate`. DNS failures are rethrown as they are: the caller decides
 * whether a name that does not resolve now is an error. Returns the addresses checked (none are looked up
 * when `allowPrivate`).
 *
 * A check before the request does not stop DNS rebinding (a second lookup may answer differently): a sender
 * must also check the address it actually connects to (a `lookup` hook on the request).
 */
export const assertPublicUrl = async (
  url: string | URL,
  options: { allowPrivate: boolean; lookup?: AddressLookup },
): Promise<{ hostname: string; addresses: string[] }> => {
  const target = typeof url === 'string' ? new URL(url) : url;
  const hostname = target.hostname.replace(/^\[|\]$/g, '');
  if (options.allowPrivate) return { hostname, addresses: [] };
  const addresses = ipaddr.isValid(hostname)
    ? [hostname]
    : (await (options.lookup ?? lookupAll)(hostname)).map((entry) => entry.address);
  const refused = addresses.length === 0 ? undefined : addresses.find(isPrivateAddress);
  if (addresses.length === 0 || refused !== undefined) {
    const what =
      refused === undefined
        ? `${hostname} has no address`
        : refused === hostname
          ? `${hostname} is a private, loopback or link-local address`
          : `${hostname} resolves to ${refused}, a private, loopback or link-local address`;
    throw new AppError('VALIDATION_FAILED', {
      message: `${what}; only public addresses can be called.`,
      errors: [{ path: 'url', message: 'Private, loopback and link-local addresses are not allowed' }],
    });
  }
  return { hostname, addresses };
};
