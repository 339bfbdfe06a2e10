// The one pooled, keep-alive undici Agent that all egress goes through. Its connector resolves names itself and
// refuses loopback/private addresses at connect time, so the address checked is the address connected to: a DNS
// answer that changes between a check and the connection (DNS rebinding) cannot slip through.
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from "node:dns";
import { isIP } from "node:net";
import { Agent, buildConnector } from "undici";
import { nonPublicKind } from "./address-policy.ts";
import type { EgressPolicy } from "./destinations.ts";
import { EgressRefusedError } from "./egress-errors.ts";

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

function refusal(host: string, address: string, kind: string): EgressRefusedError {
  return new EgressRefusedError(
    "private_address",
    `"${host}" resolves to ${address}, a ${kind} address; Coffer only sends secrets to public addresses`,
  );
}

/** A `dns.lookup` replacement for net/tls.connect that fails when any address of the name is not public. */
function guardedLookup(
  hostname: string,
  options: LookupAllOptions | { all?: false },
  callback: LookupCallback,
): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error !== null) return callback(error, []);
    for (const { address } of addresses) {
      const kind = nonPublicKind(address);
      if (kind !== undefined) return callback(refusal(hostname, address, kind) as NodeJS.ErrnoException, []);
    }
    if (options.all === true) return callback(null, addresses);
    const [first] = addresses;
    if (first === undefined)
      return callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), []);
    callback(null, first.address, first.family);
  });
}

export type EgressAgentOptions = EgressPolicy & {
  /** How long a TCP+TLS connection may take to establish. */
  connectTimeoutMs?: number;
};

export function createEgressAgent({ allowLoopback, connectTimeoutMs = 10_000 }: EgressAgentOptions): Agent {
  const connectOptions = { timeout: connectTimeoutMs, ...(allowLoopback ? {} : { lookup: guardedLookup }) };
  const connectSocket = buildConnector(connectOptions);
  const connect: buildConnector.connector = (options, callback) => {
    // A literal IP address never goes through lookup: check it here.
    const host = options.hostname.replace(/^\[|\]$/g, "");
    const kind = allowLoopback || isIP(host) === 0 ? undefined : nonPublicKind(host);
    if (kind !== undefined) return callback(refusal(host, host, kind), null);
    connectSocket(options, callback);
  };
  return new Agent({
    connect,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
    // Pipelining would let one slow streamed answer hold up the requests queued behind it.
    pipelining: 1,
  });
}

/** The refusal carried by an undici error (it may wrap the connector's error), if that is what failed. */
export function egressRefusalOf(error: unknown): EgressRefusedError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if (current instanceof EgressRefusedError) return current;
    current = current.cause;
  }
  return undefined;
}
