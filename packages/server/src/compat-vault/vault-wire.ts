// Vault's wire format: the response envelope, error bodies, Go timestamps and durations, and Vault's lenient decoding
// of request fields (numbers as strings, comma-separated lists, …). Nothing here knows about Coffer.

/** An answer other than a success envelope: `{"errors":[…]}` with a status (or a raw body, for Vault's odd 404s). */
export class VaultHttpError extends Error {
  readonly status: number;
  readonly errors: string[];

  constructor(status: number, errors: string[]) {
    super(errors[0] ?? `Vault API status ${status}`);
    this.status = status;
    this.errors = errors;
  }
}

export function badRequest(message: string): VaultHttpError {
  return new VaultHttpError(400, [message]);
}

/** The mount type Vault reports with each answer; "" for bodies serialised by the KV plugin itself (raw 404s). */
export type MountType = "kv" | "system" | "token" | "";

/** The success envelope (`logical.HTTPResponse`): every field always present, in this order. */
export function envelope(
  requestId: string,
  data: unknown,
  mountType: MountType,
  warnings: string[] | null = null,
): Record<string, unknown> {
  return {
    request_id: requestId,
    lease_id: "",
    renewable: false,
    lease_duration: 0,
    data,
    wrap_info: null,
    warnings: warnings === null || warnings.length === 0 ? null : warnings,
    auth: null,
    mount_type: mountType,
  };
}

/** Go's RFC3339Nano in UTC ("2026-01-05T10:11:12.12Z": trailing zeros of the fraction trimmed); "" when unset. */
export function vaultTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const text = date.toISOString();
  const fraction = text.slice(20, 23).replace(/0+$/, "");
  return `${text.slice(0, 19)}${fraction === "" ? "" : `.${fraction}`}Z`;
}

/** Go's `time.Duration.String()` for a whole number of milliseconds: "0s", "500ms", "1m30s", "1h0m0s", "-1s". */
export function goDuration(ms: number): string {
  if (ms === 0) return "0s";
  const sign = ms < 0 ? "-" : "";
  let rest = Math.abs(Math.round(ms));
  if (rest < 1000) return `${sign}${rest}ms`;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const fraction = String(rest % 1000)
    .padStart(3, "0")
    .replace(/0+$/, "");
  const seconds = `${Math.floor(rest / 1000)}${fraction === "" ? "" : `.${fraction}`}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}`;
  return `${sign}${seconds}`;
}

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const DURATION = /^([-+]?)((?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h|d))+)$/;
const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d)/g;

/**
 * Vault's message for a field it cannot decode, without the input Vault would quote (`%v`): a value sent in the
 * wrong field must not come back in an error.
 */
export function fieldError(field: string, reason: string): VaultHttpError {
  return badRequest(`Field validation failed: error converting input for field "${field}": ${reason}`);
}

/** Go's longest `time.Duration` (2^63 - 1 ns, about 292 years), in ms: Vault refuses a longer one as invalid. */
const MAX_DURATION_MS = 9_223_372_036_854;

/** Vault's `TypeDurationSecond`: a number of seconds, or a Go duration string ("30m", "1h30m", "90s"). In ms. */
export function parseDuration(field: string, value: unknown): number {
  const ms = durationMs(field, value);
  // Beyond it the stored number would not even read back as a JavaScript number.
  if (!Number.isSafeInteger(ms) || Math.abs(ms) > MAX_DURATION_MS) {
    throw fieldError(field, "the duration is longer than Go's limit of about 292 years");
  }
  return ms;
}

function durationMs(field: string, value: unknown): number {
  if (typeof value === "number" && Number.isFinite(value)) return Math.round(value * 1000);
  if (typeof value !== "string") throw fieldError(field, "expected seconds or a duration such as 1h30m");
  const text = value.trim();
  if (text === "") return 0;
  if (/^[-+]?\d+$/.test(text)) return Number(text) * 1000;
  const match = DURATION.exec(text);
  if (match === null) throw fieldError(field, "expected seconds or a duration such as 1h30m");
  let total = 0;
  for (const part of (match[2] ?? "").matchAll(DURATION_PART)) {
    total += Number(part[1]) * (UNIT_MS[part[2] ?? ""] ?? 0);
  }
  return Math.round(match[1] === "-" ? -total : total);
}

/** Vault's `TypeInt` (weakly decoded): 3, 3.0, "3", true. */
export function parseInteger(field: string, value: unknown): number {
  if (typeof value === "number" && Number.isSafeInteger(value)) return value;
  if (typeof value === "string" && /^[-+]?\d{1,15}$/.test(value.trim())) return Number(value.trim());
  if (typeof value === "boolean") return value ? 1 : 0;
  throw fieldError(field, "expected an integer");
}

/** Go's `strconv.ParseBool`. */
export function parseGoBool(text: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(text)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(text)) return false;
  return undefined;
}

/** Vault's `TypeBool` (weakly decoded): true, "true", 1, "1", "" (false). */
export function parseBoolean(field: string, value: unknown): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value !== 0;
  if (typeof value === "string") {
    const parsed = value === "" ? false : parseGoBool(value);
    if (parsed !== undefined) return parsed;
  }
  throw fieldError(field, "expected a boolean");
}

/** Vault's `TypeCommaIntSlice` (`versions`): [1,2], ["1","2"], "1,2", 1. */
export function parseVersionList(field: string, value: unknown): number[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value)
    ? value
    : typeof value === "string"
      ? value.split(",").filter((part) => part.trim() !== "")
      : [value];
  return items.map((item) => {
    const version = parseInteger(field, typeof item === "string" ? item.trim() : item);
    if (version < 0) throw fieldError(field, "versions cannot be negative");
    return version;
  });
}

/** Vault's `TypeMap`: a JSON object, or null/absent. */
export function parseMap(field: string, value: unknown): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw badRequest(`Field validation failed: error converting input for field "${field}": expected a map`);
  }
  return value as Record<string, unknown>;
}

/** The warning Vault adds when a request names parameters the endpoint does not know. */
export function ignoredParametersWarning(given: Iterable<string>, known: readonly string[]): string[] {
  const unknown = [...given].filter((name) => !known.includes(name)).sort();
  return unknown.length === 0
    ? []
    : [`Endpoint ignored these unrecognized parameters: [${unknown.join(" ")}]`];
}
