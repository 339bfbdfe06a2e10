// Fuzz requests for one OpenAPI operation: who asks (tokens, sessions, nothing, garbage), which path parameters
// (mostly the fixture's, sometimes hostile), which query, and which body (valid, near miss, malformed, deep,
// huge, wrong content type). A request is generated as data and turned into bytes only when sent, because ids and
// sessions in the world change as the fuzzer deletes and the fixture restores them.
import fc from "fast-check";
import { type AuthKind, authArbitrary, authHeaders, sourceOf } from "./auth.ts";
import type { WireRequest } from "./client.ts";
import {
  deepJson,
  encodeSegment,
  hugeBody,
  malformedJson,
  oddContentType,
  oddSegment,
  oddString,
} from "./odd-inputs.ts";
import type { Operation, Parameter } from "./operations.ts";
import { arbitraryOf, type Hints, hintsFor, nearMissOf } from "./schema-arbitraries.ts";
import { MAIN_PROJECT, OTHER_PROJECT, type TokenName, type UserName, type World } from "./world.ts";

type Ref = { user: UserName } | { token: TokenName | "revoked" };
type ParamValue = { raw: string } | { ref: Ref };

export type Body = { kind: string; contentType?: string; payload?: string | Buffer };

export type FuzzRequest = {
  operation: string;
  method: string;
  pathTemplate: string;
  params: Record<string, ParamValue>;
  query: string;
  auth: AuthKind;
  /** Which of the guess addresses sends it, when it goes out from one. */
  guess: number;
  headers: Record<string, string>;
  /** Where a token goes: `Authorization: Bearer …`, or Vault's `X-Vault-Token`. */
  tokenHeader: "authorization" | "x-vault-token";
  body: Body;
};

const JSON_TYPE = "application/json";

/** `[value, weight]` pairs; the first ones name the fixture, the rest do not exist or are spelled oddly. */
const raw = (weighted: [string, number][]) =>
  fc.oneof(
    ...weighted.map(([value, weight]) => ({ weight, arbitrary: fc.constant<ParamValue>({ raw: value }) })),
  );
const refs = (weighted: [Ref, number][]) =>
  fc.oneof(...weighted.map(([ref, weight]) => ({ weight, arbitrary: fc.constant<ParamValue>({ ref }) })));

function validParam(operation: Operation, name: string): fc.Arbitrary<ParamValue> {
  switch (name) {
    case "project":
      return raw([
        [MAIN_PROJECT, 8],
        [OTHER_PROJECT, 1],
        ["nope", 1],
        ["App", 1],
      ]);
    case "env":
      return raw([
        ["development", 8],
        ["production", 2],
        ["staging", 1],
        ["nope", 1],
      ]);
    case "key":
      return raw([
        ["API_KEY", 4],
        ["payments%2Fdb", 2],
        ["ROTATED", 3],
        ["payments%2fdb", 1],
        ["MISSING", 1],
        ["payments/db", 1],
      ]);
    case "version":
      return raw([
        ...["1", "2", "3"].map((version): [string, number] => [version, 4]),
        ...["4", "0", "-1", "01", "1.5", "1e3", "abc", "99999999999999999999"].map(
          (version): [string, number] => [version, 1],
        ),
      ]);
    case "connection":
      return raw([
        ["echo", 8],
        ["spare", 1],
        ["nope", 1],
      ]);
    case "*":
      return raw([
        ["", 2],
        ["v1/models", 2],
        ["chat/completions", 2],
        ["a/b/c", 1],
        ["spare/x", 1],
        ["../../../../v1/tokens", 1],
        ["%2e%2e/%2e%2e/x", 1],
        ["x%00y", 1],
      ]);
    case "id":
      if (operation.path.startsWith("/v1/tokens")) {
        return refs([
          [{ token: "spare1" }, 3],
          [{ token: "spare2" }, 2],
          [{ token: "revoked" }, 2],
          [{ token: "list" }, 1],
          [{ token: "use" }, 1],
        ]);
      }
      // Each deleted person is created again (a password hash) and signed in again: mostly the spare one.
      return refs([
        [{ user: "spare" }, 6],
        [{ user: "viewer" }, 1],
        [{ user: "dev" }, 1],
      ]);
    case "userId":
      return refs([
        [{ user: "dev" }, 3],
        [{ user: "spare" }, 3],
        [{ user: "viewer" }, 2],
        [{ user: "admin" }, 1],
        [{ user: "login" }, 1],
      ]);
    default:
      return fc.string({ maxLength: 20 }).map((value) => ({ raw: encodeSegment(value) }));
  }
}

function paramArbitrary(operation: Operation, parameter: Parameter): fc.Arbitrary<ParamValue> {
  const odd =
    parameter.name === "*"
      ? fc.array(oddSegment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join("/"))
      : fc.oneof(oddSegment, fc.uuid());
  return fc.oneof(
    { weight: 9, arbitrary: validParam(operation, parameter.name) },
    { weight: 1, arbitrary: odd.map((value): ParamValue => ({ raw: value })) },
  );
}

/** `arbitrary` one time in `every`, else undefined. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>, every: number) =>
  fc.oneof({ weight: every - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });

/** One query parameter, as `name=value` on the wire. */
function queryPart(parameter: Parameter, hints: Hints): fc.Arbitrary<string> {
  const value = fc.oneof(
    {
      weight: 8,
      arbitrary: arbitraryOf(parameter.schema, hints, { name: parameter.name, realistic: true }).map(String),
    },
    { weight: 2, arbitrary: arbitraryOf(parameter.schema, hints, { name: parameter.name }).map(String) },
    {
      weight: 1,
      arbitrary: fc.oneof(oddString, fc.constantFrom("abc", "-1", "1.5", "", "1e999", "true", "[]")),
    },
  );
  return fc.oneof(
    { weight: 16, arbitrary: value.map((text) => `${parameter.name}=${encodeSegment(text)}`) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom("%ZZ", "%00", "%", "a%2", "%E0%A4")
        .map((text) => `${parameter.name}=${text}`),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(value, value)
        .map(([a, b]) => `${parameter.name}=${encodeSegment(a)}&${parameter.name}=${encodeSegment(b)}`),
    },
  );
}

function queryArbitrary(operation: Operation, hints: Hints): fc.Arbitrary<string> {
  const parts = operation.query.map((parameter) =>
    parameter.required ? queryPart(parameter, hints) : rarely(queryPart(parameter, hints), 2),
  );
  const extra = rarely(
    fc.oneof(
      fc.constantFrom("unknown=1", "&&", "=", "a[b]=1", "__proto__=1", "a=%ZZ", `long=${"a".repeat(5000)}`),
      oddString.map((text) => `${encodeSegment(text)}=${encodeSegment(text)}`),
    ),
    10,
  );
  return fc.tuple(fc.tuple(...parts), extra).map(([chosen, more]) => {
    const all = [...chosen, more].filter((part): part is string => part !== undefined);
    return all.length === 0 ? "" : `?${all.join("&")}`;
  });
}

function bodyArbitrary(operation: Operation, hints: Hints, bodyLimitBytes: number): fc.Arbitrary<Body> {
  const json =
    (kind: string) =>
    (value: unknown): Body => ({
      kind,
      contentType: JSON_TYPE,
      payload: JSON.stringify(value),
    });
  const text =
    (kind: string, contentType?: string) =>
    (payload: string | Buffer): Body => ({
      kind,
      contentType,
      payload,
    });
  const none: Body = { kind: "none" };
  const schema = operation.body?.schema;
  const valid = schema === undefined ? fc.constant({}) : arbitraryOf(schema, hints);
  const realistic = schema === undefined ? fc.constant({}) : arbitraryOf(schema, hints, { realistic: true });
  const hostile = [
    {
      weight: 8,
      arbitrary: valid
        .chain((value) => malformedJson(JSON.stringify(value)))
        .map(text("malformed-json", JSON_TYPE)),
    },
    { weight: 3, arbitrary: deepJson.map(text("deep-json", JSON_TYPE)) },
    { weight: 1, arbitrary: hugeBody(bodyLimitBytes).map(text("huge", JSON_TYPE)) },
    {
      weight: 5,
      arbitrary: fc
        .tuple(oddContentType, valid)
        .map(([contentType, value]) =>
          text(`content-type ${contentType}`, contentType)(JSON.stringify(value)),
        ),
    },
    { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }).map(json("any-json")) },
  ];
  if (schema === undefined) {
    return fc.oneof({ weight: 85, arbitrary: fc.constant(none) }, ...hostile);
  }
  return fc.oneof(
    { weight: 35, arbitrary: realistic.map(json("realistic")) },
    { weight: 15, arbitrary: valid.map(json("schema-valid")) },
    { weight: 20, arbitrary: realistic.chain(nearMissOf).map(json("near-miss")) },
    ...hostile,
    { weight: 3, arbitrary: fc.constant(none) },
    { weight: 2, arbitrary: fc.constantFrom("", " ", "\n").map(text("empty", JSON_TYPE)) },
  );
}

/** Header values must be Latin-1 without control characters to be sent at all. */
const headerSafe = (text: string) => text.replace(/[^\t\x20-\x7e\x80-\xff]/g, "?");

/** One request in ten carries an odd header besides. */
const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 9, arbitrary: fc.constant({}) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc
        .constantFrom("ok-id", "bad id", "a".repeat(100), "\u00ff\u00fe")
        .map((id) => ({ "x-request-id": id })),
      oddString.map((agent) => ({ "user-agent": headerSafe(agent) })),
      fc.constant({ "x-forwarded-for": "203.0.113.7" }),
      fc.constant({ accept: "text/html" }),
      fc.constant({ "x-csrf-token": "garbage" }),
      fc.constantFrom("gzip", "br", "identity", "nope").map((encoding) => ({ "content-encoding": encoding })),
    ),
  },
);

export function requestArbitrary(
  operation: Operation,
  sharedHints: Hints,
  bodyLimitBytes: number,
): fc.Arbitrary<FuzzRequest> {
  const hints = hintsFor(sharedHints, operation.id);
  const params = fc.record(
    Object.fromEntries(
      operation.pathParams.map((parameter) => [parameter.name, paramArbitrary(operation, parameter)]),
    ),
  );
  return fc
    .record({
      params,
      query: queryArbitrary(operation, hints),
      auth: authArbitrary(operation),
      guess: fc.nat({ max: 10_000 }),
      headers: extraHeaders,
      body: bodyArbitrary(operation, hints, bodyLimitBytes),
    })
    .map((parts) => ({
      ...parts,
      operation: operation.id,
      method: operation.method,
      pathTemplate: operation.path,
      tokenHeader: "authorization" as const,
    }));
}

export function materialize(world: World, request: FuzzRequest): WireRequest {
  const path = request.pathTemplate.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = request.params[name];
    if (value === undefined) return "";
    if ("raw" in value) return value.raw;
    const ref = value.ref;
    return "user" in ref ? world.userId(ref.user) : (world.token(ref.token)?.id ?? "gone");
  });
  const source = sourceOf(request.operation, request.auth, request.guess);
  const headers: Record<string, string> = { ...request.headers, ...authHeaders(world, request.auth) };
  const bearer = /^Bearer (.*)$/.exec(headers["authorization"] ?? "");
  if (request.tokenHeader === "x-vault-token" && bearer !== null) {
    delete headers["authorization"];
    headers["x-vault-token"] = bearer[1]!;
  }
  if (request.body.contentType !== undefined && request.body.contentType !== "")
    headers["content-type"] = request.body.contentType;
  return { method: request.method, path: path + request.query, headers, body: request.body.payload, source };
}
