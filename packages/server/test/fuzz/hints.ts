// Realistic values for the fields, query parameters and path parameters of Coffer's API, so that schema-valid
// requests pass the domain's own rules (slugs, keys, permissions, templates…) and reach what lies behind them.
// Each hint leans valid (five to one): the invalid share probes the rule, the valid share gets past it.
import fc from "fast-check";
import { PERMISSIONS, ROLES } from "../../src/auth/permissions.ts";
import type { Hints } from "./schema-arbitraries.ts";
import { ENVIRONMENTS, INITIAL_PASSWORD, MAIN_PROJECT, OTHER_PROJECT, SECRET_SPECS, USERS } from "./world.ts";

const FIXTURE_KEYS = SECRET_SPECS.map((spec) => spec.key);
const PROJECT_SLUGS = [MAIN_PROJECT, OTHER_PROJECT];
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

function leaning<T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: invalid });
}

const secretKey = leaning(
  fc.oneof(
    fc.constantFrom(...FIXTURE_KEYS),
    fc.constantFrom("NEW_KEY", "group/NEW-1", "a", "Z9_-"),
    fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,12}(\/[A-Za-z][A-Za-z0-9_-]{0,8}){0,2}$/),
  ),
  fc.constantFrom(`K${"x".repeat(256)}`, "1abc", "a//b", "/a", "a/", "a b", ""),
);
const fieldName = leaning(
  fc.oneof(fc.constantFrom("value", "user", "password", "host"), fc.stringMatching(/^[a-z][a-z_]{0,8}$/)),
  fc.constantFrom("1x", "a b", "f".repeat(65), ""),
);
const slug = leaning(
  fc.constantFrom(...PROJECT_SLUGS, "fz-one", "fz-two", "fz-three", "a", `a${"b".repeat(63)}`),
  fc.constantFrom(`a${"b".repeat(64)}`, "Upper", "-x", "x_y", ""),
);
const envSlug = leaning(
  fc.constantFrom(...ENVIRONMENTS, "fz-env", "qa"),
  fc.constantFrom("Bad Env", "", "-"),
);
const reference = leaning(
  fc.constantFrom(
    "$SECRET/API_KEY",
    "$SECRET/payments/db.user",
    "$SECRET/ROTATED",
    "{{ secrets.API_KEY }}",
    "{{secrets.payments/db.password}}",
  ),
  fc.constantFrom(
    "{{ secrets.MISSING }}",
    "$SECRET/payments/db.nofield",
    "\\$SECRET/API_KEY",
    "\\{{ secrets.API_KEY }}",
    "{{ secrets. }}",
    "{{ secrets.API_KEY",
    "$SECRET/",
  ),
);
/** Text with references mixed in: what templates, headers and URLs hold. */
const template = fc
  .array(
    fc.oneof({ weight: 2, arbitrary: reference }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) }),
    {
      minLength: 1,
      maxLength: 4,
    },
  )
  .map((parts) => parts.join(""));
const jsonTemplate = leaning(
  fc.oneof(
    template,
    fc.dictionary(
      fc.constantFrom("a", "auth", "nested"),
      fc.oneof(template, fc.array(template, { maxLength: 2 })),
      { maxKeys: 3 },
    ),
  ),
  fc.jsonValue({ maxDepth: 3 }),
);
const isoDate = leaning(
  fc.oneof(
    fc
      .date({ noInvalidDate: true, min: new Date(2000, 0, 1), max: new Date(9999, 0, 1) })
      .map((date) => date.toISOString()),
    fc.constantFrom("2999-01-01T00:00:00Z", "2999-01-01T00:00:00+14:00"),
  ),
  fc.oneof(
    fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
    fc.constantFrom("2999-01-01", "2024-02-30T00:00:00Z", "tomorrow", "", "0", "+275760-09-13T00:00:00Z"),
  ),
);
const email = leaning(
  fc.constantFrom(
    ...Object.values(USERS).map((user) => user.email),
    "new1@fuzz.test",
    "new2@fuzz.test",
    " DEV@FUZZ.TEST ",
  ),
  fc.constantFrom("no-at-sign", "@", "a@b", "x@y.z\u0000", "ü@ñ.test", ""),
);
const password = leaning(
  fc.oneof(fc.constant(INITIAL_PASSWORD), fc.constant("another-long-password-1")),
  fc.oneof(
    fc.constantFrom("short", "", "\u0000".repeat(16), "p".repeat(5000)),
    fc.string({ unit: "grapheme", minLength: 12, maxLength: 40 }),
  ),
);
const permission = leaning(fc.constantFrom(...PERMISSIONS), fc.constantFrom("secrets:*", "ADMIN", ""));
const method = leaning(fc.constantFrom(...METHODS), fc.constantFrom("get", "TRACE", "CONNECT", ""));

function urlOf(upstream: string) {
  return leaning(
    fc
      .tuple(fc.constantFrom("", "/v1", "/a/b", "/spare"), reference)
      .map(([path, ref]) => `${upstream}${path}/${ref}?q=${encodeURIComponent(ref)}`),
    fc.constantFrom(
      `${upstream.replace("http://127.0.0.1", "http://$SECRET/API_KEY")}/x`,
      `${upstream}#$SECRET/API_KEY`,
      "file:///etc/passwd?$SECRET/API_KEY",
      "ftp://127.0.0.1/$SECRET/API_KEY",
      "http://[::1/$SECRET/API_KEY",
      "//127.0.0.1/$SECRET/API_KEY",
      "$SECRET/API_KEY",
      `${upstream}/no-reference`,
      `${upstream}/%ZZ/$SECRET/API_KEY`,
      `${upstream}/${"a".repeat(9000)}$SECRET/API_KEY`,
    ),
  );
}

/** A real page cursor as it is (mostly), cut, extended, or replaced by base64url of some other JSON. */
function cursorOf(cursor: string | undefined) {
  const real = fc.constant(cursor ?? "");
  return fc.oneof(
    { weight: 4, arbitrary: real },
    fc
      .tuple(real, fc.nat(), fc.string({ maxLength: 3 }))
      .map(([text, at, insert]) => text.slice(0, at % (text.length + 1)) + insert),
    fc.constantFrom("", "x", "====", "eyJ9"),
    fc
      .jsonValue({ maxDepth: 2 })
      .map((value) => Buffer.from(JSON.stringify(value) ?? "").toString("base64url")),
  );
}

/** Hints for bodies and query strings. `cursors`: a real page cursor of this server by the path of its list. */
export function valueHints(upstream: string, cursors: Record<string, string>): Hints {
  return {
    values: {
      slug,
      name: leaning(
        fc.constantFrom("fz-one", "fz-conn", "fz-conn-2", "echo", "spare"),
        fc.constantFrom("Display Name", "", " ", "n".repeat(201), "Bad/Name"),
      ),
      description: leaning(fc.string({ maxLength: 30 }), fc.constant("d".repeat(2001))),
      environments: fc.array(envSlug, { maxLength: 4 }),
      "environments[]": envSlug,
      key: secretKey,
      "keys[]": secretKey,
      value: leaning(
        fc.oneof(fc.constantFrom("", "v", "new-value"), template),
        fc.constant("v".repeat(70_000)),
      ),
      type: leaning(fc.constantFrom("api_key", "database", "generic"), fc.constant("t".repeat(65))),
      allowedDestinations: fc.array(
        leaning(
          fc.constantFrom(
            new URL(upstream).host,
            "127.0.0.1",
            "api.stripe.com",
            "*.example.com",
            "localhost",
          ),
          fc.constantFrom("*", "a b", "127.0.0.1:99999", "HTTPS://X"),
        ),
        { maxLength: 3 },
      ),
      version: leaning(fc.integer({ min: 1, max: 5 }), fc.constantFrom(0, 99, 2 ** 31)),
      projects: fc.array(leaning(fc.constantFrom(...PROJECT_SLUGS, "*"), fc.constantFrom("nope", "")), {
        minLength: 1,
        maxLength: 3,
      }),
      "permissions[]": permission,
      expiresAt: isoDate,
      email,
      password,
      currentPassword: password,
      newPassword: password,
      role: leaning(fc.constantFrom(...Object.keys(ROLES)), fc.constantFrom("root", "")),
      project: leaning(fc.constantFrom(...PROJECT_SLUGS), fc.constantFrom("nope", "")),
      preset: leaning(fc.constantFrom("openai", "anthropic", "openai-compatible"), fc.constant("nope")),
      secret: secretKey,
      baseUrl: leaning(
        fc.constantFrom(upstream, `${upstream}/base/`),
        fc.constantFrom("https://api.openai.com", "ftp://x", "not a url", "", `${upstream}?q=1`),
      ),
      "methods[]": method,
      "paths[]": leaning(
        fc.constantFrom("/v1/**", "/v1/models/*", "/**"),
        fc.constantFrom("*", "", "/a/../b", "no-slash"),
      ),
      timeoutMs: leaning(fc.constantFrom(1000, 5000, 300_000), fc.constantFrom(999, 300_001, 0, -1)),
      maxBodyBytes: leaning(fc.constantFrom(1, 1024, 10 * 1024 * 1024), fc.constantFrom(0, 2 ** 40, -1)),
      template: jsonTemplate,
      method,
      url: urlOf(upstream),
      body: jsonTemplate,
      token: fc.constantFrom("", "x", "a".repeat(32)),
      // Query parameters.
      limit: leaning(fc.constantFrom(1, 2, 100, 1000), fc.constantFrom(0, 1001)),
      cursor: cursorOf(undefined),
      prefix: leaning(
        fc.constantFrom("payments", "API", "group"),
        fc.constantFrom("payments/", "", "/", "a//b"),
      ),
      search: fc.constantFrom("api", "KEY", "%", "_", "\\", ""),
      force: fc.boolean(),
      environment: envSlug,
      actor: fc.constantFrom("root", "token", "anonymous", ""),
      action: fc.constantFrom("secret.create", "secret.reveal", "auth.login", "token.create", "nope"),
      since: isoDate,
      until: isoDate,
    },
    exclusive: [["value", "fields"]],
    byOperation: {
      "GET /v1/projects/{project}/environments/{env}/secrets": {
        cursor: cursorOf(cursors["/v1/projects/{project}/environments/{env}/secrets"]),
      },
      "GET /v1/audit": { cursor: cursorOf(cursors["/v1/audit"]) },
      // Five wrong passwords lock an account for a while: the people whose sessions the fuzzer uses stay out.
      "POST /v1/auth/login": {
        email: leaning(
          fc.constantFrom(USERS.login.email, USERS.viewer.email, "nobody@fuzz.test", " LOGIN@FUZZ.TEST "),
          fc.constantFrom("no-at-sign", "@", "x@y.z\u0000", "ü@ñ.test", ""),
        ),
      },
    },
    dictionaryKeys: {
      fields: fieldName,
      metadata: leaning(fc.constantFrom("owner", "team"), fc.constant("m".repeat(129))),
      headers: leaning(
        fc.constantFrom("authorization", "x-api-key", "x-empty"),
        fc.constantFrom("Host", "content-length", "bad header", ""),
      ),
      query: leaning(fc.constantFrom("key", "api_key", "q"), fc.constant("")),
    },
  };
}
