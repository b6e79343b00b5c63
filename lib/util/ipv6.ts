// IPv6 prefixes for the seeded subnets: devstack's unique local /56 and the /64 it takes from it, and a check of
// an IPv6 CIDR (the settings table's `cidr` type is IPv4).

import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';

/**
 * An RFC 4193 unique local /56: fd + a 40-bit global id. devstack draws the id with uuidgen on every run; here it
 * is a hash of `seed` (HOST_IP), so a re-run keeps the subnets it seeded and two hosts still differ.
 */
export function ulaPrefix(seed: string): string {
  const h = createHash('sha256').update(`tstack-ula:${seed}`).digest('hex');
  return `fd${h.slice(0, 2)}:${h.slice(2, 6)}:${h.slice(6, 10)}::/56`;
}

/** `addr/len` when both parts are a valid IPv6 CIDR, else undefined. */
export function parseCidr6(value: string): { address: string; prefixLen: number } | undefined {
  const m = /^([0-9A-Fa-f:.]+)\/(\d{1,3})$/.exec(value);
  if (!m || !isIPv6(m[1])) return undefined;
  const prefixLen = Number(m[2]);
  return prefixLen <= 128 ? { address: m[1], prefixLen } : undefined;
}

/** devstack's FIXED_RANGE_V6: the first /64 of a larger prefix (RFC 7421), a smaller one as it is. */
export function firstSubnet64(cidr: string): string {
  const c = parseCidr6(cidr);
  if (!c) return cidr;
  return `${c.address}/${c.prefixLen > 63 ? c.prefixLen : 64}`;
}
