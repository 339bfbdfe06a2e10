// What every answer must satisfy, whatever was asked: a response arrived, its status is below 500, and a 4xx
// carries the error shape of its API — Coffer's `{ error: { code, message, details? } }`, or, under /vault/v1/,
// Vault's `{ errors: [string…] }` (the contract Vault clients parse). A 4xx never quotes a fixture secret value.
import type { WireRequest, WireResponse } from "./client.ts";
import type { FuzzRequest } from "./requests.ts";
import { SECRET_SPECS } from "./world.ts";

const SECRET_VALUES = SECRET_SPECS.flatMap((spec) => [
  ...Object.values((spec.create["fields"] ?? { value: spec.create["value"] }) as Record<string, string>),
  ...spec.updates.map((update) => String(update["value"])),
]);

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function cofferShapeProblem(body: unknown): string | undefined {
  if (!isObject(body)) return "the body is not a JSON object";
  const extra = Object.keys(body).filter((key) => key !== "error");
  if (extra.length > 0) return `unexpected top-level fields ${extra.join(", ")}`;
  const error = body["error"];
  if (!isObject(error)) return "`error` is not an object";
  if (typeof error["code"] !== "string" || error["code"] === "")
    return "`error.code` is not a non-empty string";
  if (typeof error["message"] !== "string" || error["message"] === "")
    return "`error.message` is not a non-empty string";
  if (error["details"] !== undefined && !isObject(error["details"]))
    return "`error.details` is not an object";
  const unknown = Object.keys(error).filter((key) => !["code", "message", "details"].includes(key));
  if (unknown.length > 0) return `unexpected fields in \`error\`: ${unknown.join(", ")}`;
  return undefined;
}

/**
 * Vault's errors are `{ errors: [...] }`, except its raw 404s, which Vault clients rely on (docs/vault-compat.md; the
 * reference's 1.3.3 and 1.3.9): an invalid path on a KV v2 mount, or a read of a deleted or destroyed version,
 * answers with the ordinary response envelope (`request_id`, `data`, `warnings`; no `errors`), and a PATCH of a key
 * that does not exist with an empty body.
 */
export function vaultShapeProblem(method: string, status: number, text: string): string | undefined {
  if (status === 404 && method === "PATCH" && text === "") return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return "the body is not JSON";
  }
  if (!isObject(body)) return "the body is not a JSON object";
  if (status === 404 && typeof body["request_id"] === "string" && "data" in body) return undefined;
  const errors = body["errors"];
  if (!Array.isArray(errors) || !errors.every((item) => typeof item === "string"))
    return "`errors` is not an array of strings";
  return undefined;
}

/** Coffer's errors are `{ error: { code, message, details? } }`. */
export function cofferProblem(text: string): string | undefined {
  try {
    return cofferShapeProblem(JSON.parse(text));
  } catch {
    return "the body is not JSON";
  }
}

/** Vault's sys/health answers with whatever status `activecode` asks for (Coffer is always the active node). */
function requestedHealthStatus(path: string): number | undefined {
  const match = /^\/vault\/v1\/sys\/health\?(?:.*&)?activecode=(\d{3})(?:&|$)/.exec(path);
  return match === null ? undefined : Number(match[1]);
}

/**
 * A server may refuse a body over its limit as soon as the headers announce it, and close the connection while the
 * client is still sending: the client then sees the connection break instead of the 413. (A crash would not hide
 * there: the next requests, and the final check of the process, would fail.)
 */
function refusedEarly(wire: WireRequest, response: WireResponse, bodyLimitBytes: number): boolean {
  const size = wire.body === undefined ? 0 : Buffer.byteLength(wire.body);
  return size > bodyLimitBytes && /EPIPE|ECONNRESET|UND_ERR_SOCKET/.test(response.transportError ?? "");
}

export function violationOf(
  wire: WireRequest,
  response: WireResponse,
  bodyLimitBytes: number,
): string | undefined {
  if (response.status === 0) {
    return refusedEarly(wire, response, bodyLimitBytes)
      ? undefined
      : `no response arrived (${response.transportError})`;
  }
  const vault = wire.path.startsWith("/vault/v1/");
  if (response.status >= 500) {
    if (vault && response.status === requestedHealthStatus(wire.path)) return undefined;
    return `status ${response.status}`;
  }
  if (response.status < 400 || wire.method === "HEAD") return undefined;
  const problem = vault
    ? vaultShapeProblem(wire.method, response.status, response.text)
    : cofferProblem(response.text);
  if (problem !== undefined) return `status ${response.status} without the error shape: ${problem}`;
  const leaked = SECRET_VALUES.find((value) => response.text.includes(value));
  if (leaked !== undefined) return `status ${response.status} quotes a stored secret value`;
  return undefined;
}

function shown(payload: string | Buffer | undefined, max: number): string {
  if (payload === undefined) return "(none)";
  if (Buffer.isBuffer(payload)) {
    return `${payload.length} bytes: ${payload.subarray(0, max / 2).toString("hex")}${payload.length > max / 2 ? "…" : ""}`;
  }
  const quoted = JSON.stringify(payload.length > max ? payload.slice(0, max) : payload);
  return payload.length > max ? `${quoted}… (${payload.length} chars)` : quoted;
}

const CREDENTIAL_HEADERS = new Set(["authorization", "cookie", "x-csrf-token", "x-vault-token"]);

/** The request and the answer, for a failure message: enough to replay it with curl. */
export function describeExchange(request: FuzzRequest, wire: WireRequest, response: WireResponse): string {
  const headers = Object.fromEntries(
    Object.entries(wire.headers).map(([name, value]) => [
      name,
      CREDENTIAL_HEADERS.has(name) ? `<${request.auth}>` : value,
    ]),
  );
  return [
    `  request:  ${wire.method} ${shown(wire.path, 400)} (auth: ${request.auth}, body: ${request.body.kind}, from: ${wire.source === "main" ? "127.0.0.1" : `guess address #${wire.source}`})`,
    `  headers:  ${JSON.stringify(headers).slice(0, 400)}`,
    `  body:     ${shown(wire.body, 600)}`,
    `  response: ${response.status} ${shown(response.text, 600)}${response.transportError ? ` ${response.transportError}` : ""}`,
  ].join("\n");
}
