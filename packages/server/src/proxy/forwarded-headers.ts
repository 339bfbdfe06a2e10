// Which headers cross the proxy, each way: hop-by-hop headers stay on their own hop (RFC 9110 §7.6.1), the caller's
// credentials for Coffer never reach the upstream, and an upstream cannot set anything on Coffer's own origin.
import type { Redactor } from "./redactor.ts";

export type HeaderValues = Record<string, string | string[]>;
type IncomingHeaders = Record<string, string | string[] | undefined>;

/** RFC 9110 §7.6.1 and the older ones still seen in the wild; plus whatever a Connection header names. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "proxy-authenticate",
  "proxy-authorization",
]);

/**
 * The caller's request headers that are Coffer's business, not the upstream's: its credentials (token, session
 * cookie, CSRF token), Host (the upstream's is set from the URL), Expect (undici does not do 100-continue) and
 * Accept-Encoding (replaced by identity so redaction sees plaintext).
 */
const CALLER_ONLY = new Set(["host", "authorization", "cookie", "x-csrf-token", "expect", "accept-encoding"]);

/**
 * Upstream response headers that would act on Coffer's origin in a browser (cookies, HSTS, alternative services,
 * CORS grants, site-data clearing, policies and reporting) rather than describe the proxied response.
 */
const ORIGIN_WIDE = new Set([
  "set-cookie",
  "set-cookie2",
  "strict-transport-security",
  "alt-svc",
  "clear-site-data",
  "content-security-policy",
  "content-security-policy-report-only",
  "report-to",
  "reporting-endpoints",
  "nel",
  "service-worker-allowed",
  "public-key-pins",
  "expect-ct",
]);

/** The header names a message's Connection header marks as hop-by-hop. */
function connectionTokens(headers: IncomingHeaders): Set<string> {
  const value = headers["connection"];
  const tokens = new Set<string>();
  for (const part of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
    for (const token of part.split(",")) {
      const name = token.trim().toLowerCase();
      if (name !== "") tokens.add(name);
    }
  }
  return tokens;
}

/**
 * The headers to send upstream: the caller's, minus hop-by-hop and Coffer's own, with `added` (the connection's
 * resolved headers) replacing any header of the same name. Names come lowercase from node:http.
 */
export function upstreamRequestHeaders(
  incoming: IncomingHeaders,
  added: Record<string, string>,
): HeaderValues {
  const named = connectionTokens(incoming);
  const out: HeaderValues = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || HOP_BY_HOP.has(name) || CALLER_ONLY.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  out["accept-encoding"] = "identity";
  for (const [name, value] of Object.entries(added)) out[name.toLowerCase()] = value;
  return out;
}

export type ResponseHeaderOptions = {
  redactor: Redactor | undefined;
  /** The proxy serves the response from Coffer's origin: drop what would act on that origin. */
  servedFromCofferOrigin: boolean;
};

/**
 * The upstream's response headers for the caller: without hop-by-hop headers, with every value redacted, and
 * without Content-Length when redaction may change the body's length.
 */
export function callerResponseHeaders(
  upstream: IncomingHeaders,
  options: ResponseHeaderOptions,
): HeaderValues {
  const named = connectionTokens(upstream);
  const out: HeaderValues = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    if (options.servedFromCofferOrigin && (ORIGIN_WIDE.has(name) || name.startsWith("access-control-")))
      continue;
    if (name === "content-length" && options.redactor !== undefined) continue;
    const { redactor } = options;
    const redacted =
      redactor === undefined
        ? value
        : Array.isArray(value)
          ? value.map((item) => redactor.redactText(item))
          : redactor.redactText(value);
    // Coffer's own request id answers the caller's request; the upstream's is kept under another name.
    out[name === "x-request-id" && options.servedFromCofferOrigin ? "x-upstream-request-id" : name] =
      redacted;
  }
  return out;
}
