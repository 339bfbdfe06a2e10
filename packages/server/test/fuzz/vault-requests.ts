// Fuzz requests for the Vault KV v2-compatible API under /vault/v1/. It is not in /openapi.json (its contract is
// Vault's), so its requests are described here by hand: KV paths of the fixture's mounts, the sys/ and auth/
// endpoints Vault clients call, LIST, ?list=, X-Vault-Token, and the same hostile bodies as the rest.
import fc from "fast-check";
import {
  deepJson,
  encodeSegment,
  hugeBody,
  malformedJson,
  oddContentType,
  oddSegment,
  oddString,
} from "./odd-inputs.ts";
import type { Body, FuzzRequest } from "./requests.ts";
import { MAIN_PROJECT, OTHER_PROJECT } from "./world.ts";

export const VAULT_OPERATION = "Vault KV v2 API /vault/v1/*";

const kvPath = fc
  .tuple(
    fc.constantFrom(MAIN_PROJECT, MAIN_PROJECT, MAIN_PROJECT, OTHER_PROJECT, "nope"),
    fc.constantFrom("development", "development", "production", "nope"),
    fc.constantFrom(
      "data",
      "data",
      "metadata",
      "metadata",
      "delete",
      "undelete",
      "destroy",
      "subkeys",
      "config",
    ),
    fc.oneof(
      {
        weight: 4,
        arbitrary: fc.constantFrom("API_KEY", "payments/db", "ROTATED", "NEW_VAULT_KEY", "", "payments/"),
      },
      { weight: 1, arbitrary: oddSegment },
    ),
  )
  .map((parts) => parts.join("/"));

const systemPath = fc.constantFrom(
  "sys/health",
  "sys/seal-status",
  "sys/mounts",
  "sys/internal/ui/mounts",
  "sys/internal/ui/mounts/app/development",
  "sys/internal/ui/mounts/nope",
  "auth/token/lookup-self",
  "auth/token/create",
  "sys/nope",
  "",
);

const vaultPath = fc.oneof(
  { weight: 6, arbitrary: kvPath },
  { weight: 2, arbitrary: systemPath },
  {
    weight: 1,
    arbitrary: fc.array(oddSegment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join("/")),
  },
);

const vaultQuery = fc.option(
  fc.oneof(
    fc.constantFrom(
      "version=1",
      "version=3",
      "version=abc",
      "version=-1",
      "list=true",
      "list=maybe",
      "list=1",
    ),
    fc.constantFrom("activecode=200", "activecode=503", "activecode=99", "standbycode=429", "cas=1", "%ZZ=1"),
    oddString.map((text) => `version=${encodeSegment(text)}`),
  ),
  { nil: undefined, freq: 2 },
);

const stringMap = fc.dictionary(
  fc.oneof(fc.constantFrom("value", "user", "password"), fc.string({ maxLength: 8 })),
  fc.oneof(fc.string({ maxLength: 12 }), oddString, fc.integer(), fc.constant(null)),
  { maxKeys: 4 },
);

const vaultJson = fc.oneof(
  fc.record(
    {
      data: stringMap,
      options: fc.option(fc.record({ cas: fc.integer({ min: -1, max: 5 }) }), { nil: undefined }),
    },
    { requiredKeys: ["data"] },
  ),
  fc.record({
    versions: fc.array(fc.oneof(fc.integer({ min: -1, max: 6 }), fc.string({ maxLength: 3 })), {
      maxLength: 4,
    }),
  }),
  fc.record(
    {
      max_versions: fc.integer({ min: -1, max: 20 }),
      cas_required: fc.boolean(),
      delete_version_after: fc.constantFrom(
        "3h",
        "0s",
        "-1s",
        "forever",
        "",
        "99999999999h",
        "1e308s",
        2 ** 53,
      ),
      custom_metadata: stringMap,
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 3 }),
);

const vaultBody: fc.Arbitrary<Body> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Body>({ kind: "none" }) },
  {
    weight: 8,
    arbitrary: vaultJson.map((value): Body => ({ kind: "json", payload: JSON.stringify(value) })),
  },
  {
    weight: 2,
    arbitrary: vaultJson
      .chain((value) => malformedJson(JSON.stringify(value)))
      .map((payload): Body => ({ kind: "malformed-json", payload })),
  },
  { weight: 1, arbitrary: deepJson.map((payload): Body => ({ kind: "deep-json", payload })) },
  { weight: 1, arbitrary: hugeBody(1024 * 1024).map((payload): Body => ({ kind: "huge", payload })) },
  {
    weight: 1,
    arbitrary: fc.constantFrom("a=b&c=d", "data=x", "=", "%ZZ").map(
      (payload): Body => ({
        kind: "form",
        contentType: "application/x-www-form-urlencoded",
        payload,
      }),
    ),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(oddContentType, vaultJson).map(
      ([contentType, value]): Body => ({
        kind: `content-type ${contentType}`,
        contentType,
        payload: JSON.stringify(value),
      }),
    ),
  },
);

type Call = { method: string; path: string; query: string | undefined; body: Body };

const json = (value: unknown): Body => ({ kind: "json", payload: JSON.stringify(value) });
const mount = fc.constantFrom(
  `${MAIN_PROJECT}/development`,
  `${MAIN_PROJECT}/development`,
  `${OTHER_PROJECT}/development`,
);
const key = fc.constantFrom("API_KEY", "payments/db", "ROTATED", "NEW_VAULT_KEY", "group/VAULT_KEY");
const versions = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 });

/** What Vault clients send: reads, writes, patches, lists, version deletes and metadata, on the fixture's mounts. */
const clientCall: fc.Arbitrary<Call> = fc.oneof(
  fc
    .tuple(mount, key, fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }))
    .map(([m, k, version]) => ({
      method: "GET",
      path: `${m}/data/${k}`,
      query: version === undefined ? undefined : `version=${version}`,
      body: { kind: "none" },
    })),
  fc
    .tuple(
      mount,
      key,
      fc.constantFrom("POST", "PUT"),
      stringMap,
      fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
    )
    .map(([m, k, method, data, cas]) => ({
      method,
      path: `${m}/data/${k}`,
      query: undefined,
      body: json(cas === undefined ? { data } : { data, options: { cas } }),
    })),
  fc.tuple(mount, key, stringMap).map(([m, k, data]) => ({
    method: "PATCH",
    path: `${m}/data/${k}`,
    query: undefined,
    body: {
      kind: "merge-patch",
      contentType: "application/merge-patch+json",
      payload: JSON.stringify({ data }),
    },
  })),
  fc.tuple(mount, fc.constantFrom("LIST", "GET")).map(([m, method]) => ({
    method,
    path: `${m}/metadata/`,
    query: method === "GET" ? "list=true" : undefined,
    body: { kind: "none" },
  })),
  fc.tuple(mount, key, fc.constantFrom("GET", "DELETE")).map(([m, k, method]) => ({
    method,
    path: `${m}/metadata/${k}`,
    query: undefined,
    body: { kind: "none" },
  })),
  fc.tuple(mount, key, vaultJson).map(([m, k, body]) => ({
    method: "POST",
    path: `${m}/metadata/${k}`,
    query: undefined,
    body: json(body),
  })),
  fc
    .tuple(mount, key, fc.constantFrom("delete", "undelete", "destroy"), versions)
    .map(([m, k, action, list]) => ({
      method: action === "destroy" ? "PUT" : "POST",
      path: `${m}/${action}/${k}`,
      query: undefined,
      body: json({ versions: list }),
    })),
  fc.tuple(mount, key).map(([m, k]) => ({
    method: "DELETE",
    path: `${m}/data/${k}`,
    query: undefined,
    body: { kind: "none" },
  })),
  fc.tuple(mount, key).map(([m, k]) => ({
    method: "GET",
    path: `${m}/subkeys/${k}`,
    query: "depth=1",
    body: { kind: "none" },
  })),
  mount.map((m) => ({
    method: "GET",
    path: `${m}/config`,
    query: undefined,
    body: { kind: "none" } as Body,
  })),
);

/** Anything: any method on any path, query and body. */
const anyCall: fc.Arbitrary<Call> = fc.record({
  method: fc.constantFrom(
    "GET",
    "GET",
    "GET",
    "POST",
    "POST",
    "PUT",
    "PATCH",
    "DELETE",
    "LIST",
    "HEAD",
    "OPTIONS",
  ),
  path: vaultPath,
  query: vaultQuery,
  body: vaultBody,
});

export function vaultRequestArbitrary(): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      call: fc.oneof({ weight: 1, arbitrary: clientCall }, { weight: 1, arbitrary: anyCall }),
      auth: fc.oneof(
        { weight: 70, arbitrary: fc.constant("admin-token" as const) },
        { weight: 5, arbitrary: fc.constant("list-token" as const) },
        { weight: 5, arbitrary: fc.constant("use-token" as const) },
        { weight: 3, arbitrary: fc.constant("revoked-token" as const) },
        { weight: 5, arbitrary: fc.constant("none" as const) },
        { weight: 5, arbitrary: fc.constant("unknown-token" as const) },
        { weight: 2, arbitrary: fc.constant("admin-session" as const) },
      ),
      vaultHeader: fc.boolean(),
      guess: fc.nat({ max: 10_000 }),
    })
    .map(({ call, auth, vaultHeader, guess }) => ({
      operation: VAULT_OPERATION,
      method: call.method,
      pathTemplate: `/vault/v1/${call.path}${call.query === undefined ? "" : `?${call.query}`}`,
      params: {},
      query: "",
      auth,
      guess,
      headers: {},
      // Vault clients send X-Vault-Token; `Authorization: Bearer` is accepted too.
      tokenHeader: vaultHeader ? ("x-vault-token" as const) : ("authorization" as const),
      body: call.body,
    }));
}
