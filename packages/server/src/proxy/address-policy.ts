// Which IP addresses egress may connect to: public unicast only, unless loopback/private addresses are allowed.
import { BlockList, isIPv4, isIPv6 } from "node:net";

/** Address ranges that are not the public internet (IANA special-purpose registries), by what they are. */
const IPV4_RANGES: readonly [string, number, string][] = [
  ["0.0.0.0", 8, "unspecified"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "shared (carrier-grade NAT)"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "reserved"],
  ["192.0.2.0", 24, "documentation"],
  ["192.88.99.0", 24, "reserved"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "benchmarking"],
  ["198.51.100.0", 24, "documentation"],
  ["203.0.113.0", 24, "documentation"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"],
];

const IPV6_RANGES: readonly [string, number, string][] = [
  ["::", 128, "unspecified"],
  ["::1", 128, "loopback"],
  ["64:ff9b:1::", 48, "reserved"],
  ["100::", 64, "discard"],
  ["2001::", 23, "reserved"],
  ["2001:db8::", 32, "documentation"],
  ["fc00::", 7, "private (unique local)"],
  ["fe80::", 10, "link-local"],
  ["fec0::", 10, "site-local"],
  ["ff00::", 8, "multicast"],
];

const kinds = new Map<BlockList, string>();
const lists = [
  ...IPV4_RANGES.map((range) => [range, "ipv4"] as const),
  ...IPV6_RANGES.map((range) => [range, "ipv6"] as const),
].map(([[network, prefix, kind], family]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  kinds.set(list, kind);
  return list;
});

/** IPv6 forms that carry an IPv4 address: IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible and NAT64 (64:ff9b::/96). */
function embeddedIPv4(address: string): string | undefined {
  const match = /^(?:::ffff:|::|64:ff9b::)(?:0:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (match !== null) {
    const high = Number.parseInt(match[1]!, 16);
    const low = Number.parseInt(match[2]!, 16);
    return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  const dotted = /^(?:::ffff:|::|64:ff9b::)(?:0:)?(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return dotted?.[1];
}

/**
 * What kind of non-public address `address` is ("loopback", "private", "link-local", …), or undefined for a
 * public unicast address. IPv6 forms that embed an IPv4 address are judged by that IPv4 address.
 */
export function nonPublicKind(address: string): string | undefined {
  const bare = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  if (isIPv6(bare)) {
    const inner = embeddedIPv4(bare);
    if (inner !== undefined && isIPv4(inner)) return nonPublicKind(inner);
    for (const list of lists) if (list.check(bare, "ipv6")) return kinds.get(list);
    return undefined;
  }
  if (isIPv4(bare)) {
    if (bare === "255.255.255.255") return "broadcast";
    for (const list of lists) if (list.check(bare, "ipv4")) return kinds.get(list);
    return undefined;
  }
  return "not an IP address";
}
