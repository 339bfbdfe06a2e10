// The token cache on the authentication path: what it keeps, and that a revocation always wins.
import { describe, expect, it } from "vitest";
import type { AuditService } from "../audit/audit-service.ts";
import { UnauthorizedError } from "../errors.ts";
import type { KeysService } from "../keys/keys-service.ts";
import type { ProjectsService } from "../projects/projects-service.ts";
import type { ApiTokenRow } from "../store/database.ts";
import { createLocalBus } from "../store/invalidation.ts";
import type { Store } from "../store/store.ts";
import type { TokensRepo } from "./tokens-repo.ts";
import { createTokensService } from "./tokens-service.ts";

const TOKEN = "coffer_cachetestcachetestcachetestcachetest";

function tokenRow(revokedAt: string | null): ApiTokenRow {
  return {
    id: "tok-1",
    name: "ci",
    token_hash: `hash:${TOKEN}`,
    projects: JSON.stringify(["p1"]),
    environments: null,
    permissions: JSON.stringify(["secrets:reveal"]),
    expires_at: null,
    created_at: "2026-01-01T00:00:00.000Z",
    created_by: JSON.stringify({ type: "system", id: "dev", name: "dev" }),
    last_used_at: new Date().toISOString(),
    revoked_at: revokedAt,
  };
}

/** A tokens service over an in-memory repository whose lookups can be held until the test lets them go. */
function setUp() {
  const bus = createLocalBus();
  let row = tokenRow(null);
  let lookups = 0;
  let hold: Promise<void> | undefined;
  const repo = {
    async findByHash(_db: unknown, hash: string) {
      lookups++;
      const found = hash === row.token_hash ? { ...row } : undefined;
      await hold;
      return found;
    },
    async touch() {},
  } as unknown as TokensRepo;
  const keys = { hashToken: (token: string) => `hash:${token}` } as unknown as KeysService;
  const service = createTokensService({
    store: { db: {}, bus } as unknown as Store,
    repo,
    keys,
    projects: {} as ProjectsService,
    audit: {} as AuditService,
    now: () => new Date().toISOString(),
  });
  return {
    service,
    bus,
    lookups: () => lookups,
    revoke: () => {
      row = tokenRow("2026-06-01T00:00:00.000Z");
    },
    holdLookups() {
      let release = () => {};
      hold = new Promise<void>((resolve) => {
        release = resolve;
      });
      return () => {
        hold = undefined;
        release();
      };
    },
  };
}

describe("token authentication cache", () => {
  it("looks a valid token up once, then answers from memory", async () => {
    const { service, lookups } = setUp();
    const first = await service.authenticate(`Bearer ${TOKEN}`);
    const second = await service.authenticate(`Bearer ${TOKEN}`);
    expect(second).toBe(first);
    expect(lookups()).toBe(1);
  });

  it("does not keep unknown tokens: each guess goes to the database and is refused", async () => {
    const { service, lookups } = setUp();
    for (let i = 0; i < 2; i++) {
      await expect(service.authenticate("Bearer coffer_unknown")).rejects.toBeInstanceOf(UnauthorizedError);
    }
    expect(lookups()).toBe(2);
  });

  it("refuses a token revoked on another node at its next use", async () => {
    const { service, bus, revoke } = setUp();
    await service.authenticate(`Bearer ${TOKEN}`);
    revoke();
    await bus.publish("tokens");
    await expect(service.authenticate(`Bearer ${TOKEN}`)).rejects.toThrow(/revoked/);
  });

  it("does not cache a lookup that was under way when the token was revoked", async () => {
    const { service, bus, revoke, holdLookups, lookups } = setUp();
    const release = holdLookups();
    // The row is read before the revocation commits; the answer arrives after the caches were dropped.
    const inFlight = service.authenticate(`Bearer ${TOKEN}`);
    await Promise.resolve();
    revoke();
    await bus.publish("tokens");
    release();
    await inFlight;
    await expect(service.authenticate(`Bearer ${TOKEN}`)).rejects.toThrow(/revoked/);
    expect(lookups()).toBe(2);
  });
});
