// The rules of a connection's settings: base URL, header and query templates, methods, path globs and limits.
import { ValidationError } from "../errors.ts";
import { parseEgressUrl } from "../proxy/destinations.ts";
import { EgressRefusedError } from "../proxy/egress-errors.ts";
import { compileTemplate, TemplateReferenceError } from "../refs/index.ts";

export const PROXY_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export type ProxyMethod = (typeof PROXY_METHODS)[number];

export const CONNECTION_LIMITS = {
  headers: 32,
  query: 32,
  paths: 64,
  nameLength: 128,
  templateLength: 4096,
  globLength: 512,
  timeoutMs: { min: 1000, max: 600_000, default: 120_000 },
  maxBodyBytes: { min: 1, max: 100 * 1024 * 1024, default: 10 * 1024 * 1024 },
} as const;

/** RFC 9110 token characters: what a header name may contain. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Headers Coffer itself sets or that describe the hop, not the request: a connection cannot set them. */
const RESERVED_HEADERS = new Set([
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "upgrade",
  "expect",
  "accept-encoding",
  "proxy-authorization",
]);

export const HEADER_NAME_RULE =
  "A header name may hold only letters, digits and !#$%&'*+.^_`|~- (its value goes on the other side)";
const PATH_GLOB = /^\/[^\s?#\\]*$/;

/**
 * A base URL as stored: https (http and loopback/private hosts only when allowed), no user information, query or
 * fragment, no trailing slash. Refusals become validation errors of `baseUrl`, naming the rule.
 */
export function normaliseBaseUrl(raw: string, allowLoopback: boolean): string {
  let target: ReturnType<typeof parseEgressUrl>;
  try {
    target = parseEgressUrl(raw.trim(), { allowLoopback }, "baseUrl");
  } catch (error) {
    if (error instanceof EgressRefusedError)
      throw new ValidationError("baseUrl", error.message, { rule: error.rule });
    throw error;
  }
  if (target.url.search !== "" || target.url.hash !== "") {
    throw new ValidationError(
      "baseUrl",
      "The base URL cannot have a query or a fragment: use the connection's query parameters",
    );
  }
  if (!allowLoopback && (target.host === "localhost" || target.host.endsWith(".localhost"))) {
    throw new ValidationError(
      "baseUrl",
      `Refused by rule "private_address": "${target.host}" is a loopback name`,
      {
        rule: "private_address",
      },
    );
  }
  return `${target.url.origin}${target.url.pathname.replace(/\/+$/, "")}`;
}

/** Checks a name → template map (headers or query parameters) and that each template parses. */
export function validateTemplates(
  field: "headers" | "query",
  templates: Record<string, string>,
): Record<string, string> {
  const entries = Object.entries(templates);
  const max = field === "headers" ? CONNECTION_LIMITS.headers : CONNECTION_LIMITS.query;
  if (entries.length > max)
    throw new ValidationError(field, `A connection can have at most ${max} ${field} entries`);
  const out: Record<string, string> = {};
  for (const [rawName, template] of entries) {
    const name = field === "headers" ? rawName.toLowerCase() : rawName;
    if (name === "" || name.length > CONNECTION_LIMITS.nameLength) {
      throw new ValidationError(
        field,
        `Names in ${field} must be 1 to ${CONNECTION_LIMITS.nameLength} characters`,
      );
    }
    if (field === "headers" && !HEADER_NAME.test(name)) {
      // Not quoted: a malformed name is often a whole "Name: value" line pasted, value included.
      throw new ValidationError(field, HEADER_NAME_RULE);
    }
    if (field === "headers" && RESERVED_HEADERS.has(name)) {
      throw new ValidationError(
        field,
        `The "${name}" header is set by Coffer or the connection itself and cannot be configured`,
      );
    }
    if (Object.hasOwn(out, name)) throw new ValidationError(field, `"${name}" is given twice`);
    if (template.length > CONNECTION_LIMITS.templateLength) {
      throw new ValidationError(
        field,
        `The template of "${name}" is longer than ${CONNECTION_LIMITS.templateLength} characters`,
      );
    }
    if (field === "headers" && /[\r\n\0]/.test(template)) {
      throw new ValidationError(
        field,
        `The template of "${name}" contains a line break, which no header value may hold`,
      );
    }
    try {
      compileTemplate(template);
    } catch (error) {
      if (!(error instanceof TemplateReferenceError)) throw error;
      throw new ValidationError(field, `${field}["${name}"]: ${error.message}`);
    }
    out[name] = template;
  }
  return out;
}

/** Uppercased, known and without duplicates; null means every method. */
export function validateMethods(methods: string[] | null): ProxyMethod[] | null {
  if (methods === null) return null;
  if (methods.length === 0) {
    throw new ValidationError(
      "methods",
      "Give at least one method, or null (or nothing) to allow every method",
    );
  }
  const out = new Set<ProxyMethod>();
  for (const method of methods) {
    const upper = method.toUpperCase();
    if (!(PROXY_METHODS as readonly string[]).includes(upper)) {
      throw new ValidationError(
        "methods",
        `Unknown method "${method.slice(0, 20)}": use ${PROXY_METHODS.join(", ")}`,
      );
    }
    out.add(upper as ProxyMethod);
  }
  return [...out];
}

/** Path globs such as "/v1/**" or "/v1/models/*"; null means every path. */
export function validatePathGlobs(paths: string[] | null): string[] | null {
  if (paths === null) return null;
  if (paths.length === 0) {
    throw new ValidationError(
      "paths",
      "Give at least one path glob, or null (or nothing) to allow every path",
    );
  }
  if (paths.length > CONNECTION_LIMITS.paths) {
    throw new ValidationError("paths", `A connection can have at most ${CONNECTION_LIMITS.paths} path globs`);
  }
  for (const glob of paths) {
    if (glob.length > CONNECTION_LIMITS.globLength || !PATH_GLOB.test(glob)) {
      throw new ValidationError(
        "paths",
        `Path glob "${glob.slice(0, 100)}" must start with "/" and contain no spaces, "?", "#" or "\\" (use * within a segment, ** across segments)`,
      );
    }
    if (glob.split("/").some((segment) => segment === "." || segment === "..")) {
      throw new ValidationError(
        "paths",
        `Path glob "${glob.slice(0, 100)}" cannot contain "." or ".." segments`,
      );
    }
  }
  return [...new Set(paths)];
}

export function validateLimit(field: "timeoutMs" | "maxBodyBytes", value: number): number {
  const { min, max } = CONNECTION_LIMITS[field];
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(field, `${field} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

/** Compiles a path glob: `*` stays within one segment, `**` crosses segments, a trailing "/**" also matches its parent. */
export function compilePathGlob(glob: string): RegExp {
  let pattern = "";
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === "*" && glob[i + 1] === "*") {
      const trailing = i + 2 === glob.length && glob[i - 1] === "/";
      pattern = trailing ? `${pattern.slice(0, -1)}(?:/.*)?` : `${pattern}.*`;
      i++;
    } else if (char === "*") {
      pattern += "[^/]*";
    } else {
      pattern += char.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${pattern}$`);
}
