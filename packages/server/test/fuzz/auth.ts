// Who a fuzz request comes as: the administrator's token (mostly), scoped and revoked tokens, sessions with and
// without their CSRF token, nothing, or credentials that were never issued — and from which address it comes.
import fc from "fast-check";
import type { Source } from "./client.ts";
import type { Operation } from "./operations.ts";
import type { TokenName, World } from "./world.ts";

export type AuthKind =
  | "admin-token"
  | "list-token"
  | "use-token"
  | "revoked-token"
  | "admin-session"
  | "dev-session"
  | "self-session"
  | "session-without-csrf"
  | "none"
  | "unknown-token"
  | "garbage-cookie"
  | "malformed-authorization";

/** The operations that act on the caller's own session: mostly asked with one. */
const SESSION_OPERATIONS = new Set(["POST /v1/auth/logout", "POST /v1/auth/password", "GET /v1/auth/me"]);

export function authArbitrary(operation: Operation): fc.Arbitrary<AuthKind> {
  const weights: [AuthKind, number][] = SESSION_OPERATIONS.has(operation.id)
    ? // The people whose sessions the other operations use stay out: wrong passwords would lock their accounts.
      [
        ["self-session", 50],
        ["admin-token", 15],
        ["session-without-csrf", 5],
        ["list-token", 3],
        ["revoked-token", 3],
        ["none", 5],
        ["unknown-token", 5],
        ["garbage-cookie", 5],
        ["malformed-authorization", 3],
      ]
    : [
        ["admin-token", 70],
        ["list-token", 4],
        ["use-token", 4],
        ["revoked-token", 2],
        ["admin-session", 5],
        ["dev-session", 4],
        ["session-without-csrf", 2],
        ["none", 3],
        ["unknown-token", 3],
        ["garbage-cookie", 1],
        ["malformed-authorization", 1],
      ];
  return fc.oneof(...weights.map(([kind, weight]) => ({ weight, arbitrary: fc.constant(kind) })));
}

/** Public routes that count failed attempts per address. */
const SIGN_IN_ROUTES = new Set(["POST /v1/auth/login", "POST /v1/setup"]);

/** The headers that carry `auth`, from the world's current tokens and sessions (a dead cookie when one is gone). */
export function authHeaders(world: World, auth: AuthKind): Record<string, string> {
  const dead = "coffer_session=ended";
  const session = (name: "admin" | "dev" | "self", csrf = true): Record<string, string> => {
    const held = world.session(name);
    if (held === undefined) return { cookie: dead };
    return csrf ? { cookie: held.cookie, "x-csrf-token": held.csrf } : { cookie: held.cookie };
  };
  const token = (name: TokenName | "revoked") => ({
    authorization: `Bearer ${world.token(name)?.token ?? "coffer_gone"}`,
  });
  switch (auth) {
    case "admin-token":
      return { authorization: `Bearer ${world.rootToken}` };
    case "list-token":
      return token("list");
    case "use-token":
      return token("use");
    case "revoked-token":
      return token("revoked");
    case "admin-session":
      return session("admin");
    case "dev-session":
      return session("dev");
    case "self-session":
      return session("self");
    case "session-without-csrf":
      return session("dev", false);
    case "none":
      return {};
    case "unknown-token":
      return { authorization: `Bearer coffer_${"A".repeat(43)}` };
    case "garbage-cookie":
      return { cookie: `coffer_session=${"x".repeat(43)}; other=1`, "x-csrf-token": "x" };
    case "malformed-authorization":
      return { authorization: "Basic Zm9vOmJhcg==" };
  }
}

/**
 * Sign-in and setup count failures per address, and a guessed token counts against its address too: guesses come
 * from addresses of their own, so that the administrator's (127.0.0.1) is never locked out. Sign-in guesses share
 * one address: once the limiter locks it, the rest are cheap 429s instead of a password hash each (the server's
 * brute-force protection at work).
 */
export function sourceOf(operation: string, auth: AuthKind, guess: number): Source {
  if (SIGN_IN_ROUTES.has(operation)) return 0;
  return auth === "unknown-token" || auth === "malformed-authorization" ? guess : "main";
}
