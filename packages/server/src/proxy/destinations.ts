// Where egress may go: parses a destination URL strictly (refusing the spellings that fool naive checks) and
// matches it against a secret's allowed destinations ("api.stripe.com", "*.example.com", "host:port", "host/prefix").
import { isIPv4 } from "node:net";
import { domainToASCII, domainToUnicode } from "node:url";
import { ValidationError } from "../errors.ts";
import { nonPublicKind } from "./address-policy.ts";
import { EgressRefusedError } from "./egress-errors.ts";

export type EgressPolicy = {
  /** Plain http and loopback/private addresses are reachable (COFFER_PROXY_ALLOW_LOOPBACK=1). */
  allowLoopback: boolean;
};

/** A parsed, normalised destination: what the request is sent to and what the allow-lists are compared with. */
export type EgressTarget = {
  /** The URL to send to: host lowercased, punycoded and without a trailing dot. */
  url: URL;
  scheme: "https" | "http";
  /** Lowercase ASCII (punycode) host without a trailing dot; an IPv6 address without brackets. */
  host: string;
  /** The effective port (443 or 80 when the URL names none). */
  port: number;
  /** The path as sent, percent-encoding kept. */
  path: string;
  /** True when the host is an IP address rather than a name. */
  ip: boolean;
};

const DEFAULT_PORTS = { https: 443, http: 80 } as const;

function stripTrailingDot(host: string): string {
  return host.endsWith(".") ? host.slice(0, -1) : host;
}

/** The authority and the path exactly as written, before URL parsing normalises them. */
function rawParts(raw: string): { authority: string; path: string } {
  const afterScheme = raw.slice(raw.indexOf(":") + 1).replace(/^[/\\]*/, "");
  const authorityEnd = afterScheme.search(/[/\\?#]/);
  const authority = authorityEnd === -1 ? afterScheme : afterScheme.slice(0, authorityEnd);
  const rest = authorityEnd === -1 ? "" : afterScheme.slice(authorityEnd);
  const pathEnd = rest.search(/[?#]/);
  return { authority, path: pathEnd === -1 ? rest : rest.slice(0, pathEnd) };
}

function rawHostOf(authority: string): string {
  const host = authority.startsWith("[")
    ? authority.slice(0, authority.indexOf("]") + 1)
    : authority.replace(/:\d*$/, "");
  try {
    return stripTrailingDot(decodeURIComponent(host).toLowerCase());
  } catch {
    return stripTrailingDot(host.toLowerCase());
  }
}

/**
 * Refuses paths whose meaning depends on who decodes them: "." and ".." segments (also percent-encoded), encoded
 * slashes and backslashes. `rawPath` is the path as the caller wrote it.
 */
export function checkPathSpelling(rawPath: string): void {
  if (rawPath.includes("\\") || /%(2f|5c)/i.test(rawPath)) {
    throw new EgressRefusedError(
      "encoded_slash",
      "the path contains a backslash or an encoded slash (%2F, %5C), which servers decode differently; write plain '/' separators",
    );
  }
  for (const segment of rawPath.split("/")) {
    const decoded = segment.replace(/%2e/gi, ".");
    if (decoded === "." || decoded === "..") {
      throw new EgressRefusedError(
        "dot_segment",
        'the path contains a "." or ".." segment (possibly percent-encoded); give the path without them',
      );
    }
  }
}

/** Parses and normalises a destination URL, refusing userinfo, odd IP spellings, tricky paths and (by policy) http. */
export function parseEgressUrl(raw: string, policy: EgressPolicy, field = "url"): EgressTarget {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ValidationError(
      field,
      `The ${field} is not a valid absolute URL (e.g. https://api.example.com/v1)`,
    );
  }
  const scheme = url.protocol === "https:" ? "https" : url.protocol === "http:" ? "http" : undefined;
  if (scheme === undefined || (scheme === "http" && !policy.allowLoopback)) {
    throw new EgressRefusedError(
      "https_required",
      "the destination must be an https:// URL (plain http only when the server runs with COFFER_PROXY_ALLOW_LOOPBACK=1)",
    );
  }
  const { authority, path } = rawParts(raw);
  if (url.username !== "" || url.password !== "" || authority.includes("@")) {
    throw new EgressRefusedError(
      "userinfo",
      `the URL has user information before its host ("…@${url.hostname}"); credentials and look-alike prefixes are not allowed in a destination`,
    );
  }
  const bracketed = url.hostname.startsWith("[");
  const host = bracketed ? url.hostname.slice(1, -1) : stripTrailingDot(url.hostname);
  const ip = bracketed || isIPv4(host);
  if (ip && !bracketed && rawHostOf(authority) !== host) {
    throw new EgressRefusedError(
      "ip_literal_form",
      `the host "${rawHostOf(authority).slice(0, 100)}" is the IP address ${host} written in a decimal, octal or hexadecimal form; write the host by name`,
    );
  }
  checkPathSpelling(path);
  if (ip && !policy.allowLoopback) {
    const kind = nonPublicKind(host);
    if (kind !== undefined) {
      throw new EgressRefusedError(
        "private_address",
        `${host} is a ${kind} address; Coffer only sends secrets to public addresses`,
      );
    }
  }
  if (!bracketed && url.hostname !== host) url.hostname = host;
  const port = url.port === "" ? DEFAULT_PORTS[scheme] : Number(url.port);
  return { url, scheme, host, port, path: url.pathname, ip };
}

type DestinationEntry = {
  wildcard: boolean;
  host: string;
  port: number | undefined;
  pathPrefix: string | undefined;
};

const parsedEntries = new Map<string, DestinationEntry>();

/** Reads an allowed-destination entry (as stored by `validateDestinations`); cached, entries repeat a lot. */
function parseEntry(entry: string): DestinationEntry {
  const cached = parsedEntries.get(entry);
  if (cached !== undefined) return cached;
  const slash = entry.indexOf("/");
  const hostPort = slash === -1 ? entry : entry.slice(0, slash);
  const pathPrefix = slash === -1 ? undefined : entry.slice(slash);
  const colon = hostPort.lastIndexOf(":");
  const hostPart = colon === -1 ? hostPort : hostPort.slice(0, colon);
  const port = colon === -1 ? undefined : Number(hostPort.slice(colon + 1));
  const wildcard = hostPart.startsWith("*.");
  const name = stripTrailingDot((wildcard ? hostPart.slice(2) : hostPart).toLowerCase());
  const parsed = { wildcard, host: domainToASCII(name) || name, port, pathPrefix };
  if (parsedEntries.size > 10_000) parsedEntries.clear();
  parsedEntries.set(entry, parsed);
  return parsed;
}

function pathMatches(path: string, prefix: string | undefined): boolean {
  if (prefix === undefined || prefix === "/") return true;
  if (path === prefix) return true;
  return path.startsWith(prefix.endsWith("/") ? prefix : `${prefix}/`);
}

/** True when `target` is one of `entries`: same host (or a subdomain for "*."), same port, under the path prefix. */
export function isDestinationAllowed(target: EgressTarget, entries: readonly string[]): boolean {
  return entries.some((text) => {
    const entry = parseEntry(text);
    const hostMatches = entry.wildcard
      ? !target.ip && target.host.endsWith(`.${entry.host}`)
      : target.host === entry.host;
    const port = entry.port ?? DEFAULT_PORTS[target.scheme];
    return hostMatches && target.port === port && pathMatches(target.path, entry.pathPrefix);
  });
}

/** "api.stripe.com", "127.0.0.1:8443", "[2001:db8::1]:8080": the host, and the port unless it is the default. */
export function targetLabel(target: EgressTarget): string {
  const port = target.port === DEFAULT_PORTS[target.scheme] ? "" : `:${target.port}`;
  return target.host.includes(":") ? `[${target.host}]${port}` : `${target.host}${port}`;
}

/** The label quoted, with the Unicode form of an internationalised (punycode) name. */
export function describeTarget(target: EgressTarget): string {
  const label = `"${targetLabel(target)}"`;
  if (!target.host.split(".").some((part) => part.startsWith("xn--"))) return label;
  return `${label} (an internationalised name, shown as "${domainToUnicode(target.host)}")`;
}

export type BoundSecret = { key: string; allowedDestinations: readonly string[] };

/** Refuses unless the destination is in the allowed destinations of every secret the request uses. */
export function checkDestinationBinding(target: EgressTarget, secrets: readonly BoundSecret[]): void {
  for (const secret of secrets) {
    if (secret.allowedDestinations.length === 0) {
      throw new EgressRefusedError(
        "no_allowed_destinations",
        `secret "${secret.key}" has no allowed destinations, so it can only be used through a connection; add the host it is meant for (e.g. "api.stripe.com") to its allowed destinations`,
        { key: secret.key },
      );
    }
    if (isDestinationAllowed(target, secret.allowedDestinations)) continue;
    const allowed = secret.allowedDestinations.map((entry) => `"${entry}"`).join(", ");
    if (target.ip) {
      throw new EgressRefusedError(
        "ip_literal",
        `the host ${describeTarget(target)} is an IP address that secret "${secret.key}" does not list among its allowed destinations (${allowed})`,
        { key: secret.key },
      );
    }
    throw new EgressRefusedError(
      "destination_not_allowed",
      `${describeTarget(target)} is not among the allowed destinations of secret "${secret.key}" (${allowed})`,
      { key: secret.key },
    );
  }
}
