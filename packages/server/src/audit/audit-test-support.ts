// Test support for the audit tests: a migrated temp SQLite store, a fake clock and an audit service over them.
import { createSecretKey, type KeyObject, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore, type Store } from "../store/store.ts";
import { type AuditRepo, createAuditRepo } from "./audit-repo.ts";
import { type AuditEvent, type AuditService, createAuditService } from "./audit-service.ts";

export type AuditFixture = {
  store: Store;
  repo: AuditRepo;
  key: KeyObject;
  audit: AuditService;
  /** Another service over the same store, e.g. with a different key. */
  serviceWith(options: { key?: KeyObject; repo?: AuditRepo; maxBatch?: number }): AuditService;
  close(): Promise<void>;
};

/** A clock that moves one second per reading, from 2025-01-01T00:00:00Z. */
export function steppingClock(): () => string {
  let tick = 0;
  return () => new Date(Date.UTC(2025, 0, 1) + 1000 * tick++).toISOString();
}

export async function openAuditFixture(
  options: { repo?: AuditRepo; maxBatch?: number } = {},
): Promise<AuditFixture> {
  const dir = mkdtempSync(join(tmpdir(), "coffer-audit-"));
  const store = openSqliteStore({ file: join(dir, "coffer.db") });
  await store.migrate();
  const key = createSecretKey(randomBytes(32));
  const now = steppingClock();
  const repo = options.repo ?? createAuditRepo();
  const serviceWith: AuditFixture["serviceWith"] = (overrides) =>
    createAuditService({ store, now, key, repo, maxBatch: options.maxBatch, ...overrides });
  const audit = serviceWith({});
  return {
    store,
    repo,
    key,
    audit,
    serviceWith,
    async close() {
      await audit.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A repo that counts the transactions that append (each moves the head once) and can be made to fail. */
export function instrumentedRepo(): {
  repo: AuditRepo;
  headWrites: () => number;
  failInserts: (fail: boolean) => void;
} {
  const real = createAuditRepo();
  let headWrites = 0;
  let failing = false;
  const repo: AuditRepo = {
    ...real,
    async insertEvents(db, rows) {
      if (failing) throw new Error("disk full (simulated)");
      await real.insertEvents(db, rows);
    },
    async writeHead(db, from, to) {
      await real.writeHead(db, from, to);
      headWrites++;
    },
  };
  return {
    repo,
    headWrites: () => headWrites,
    failInserts: (fail) => {
      failing = fail;
    },
  };
}

export function sampleEvent(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    action: "secret.reveal",
    outcome: "success",
    actor: { type: "token", id: "tok_1", name: "ci-deploy" },
    project: "payments",
    environment: "production",
    key: "stripe/api_key",
    version: 3,
    requestId: "req-1",
    sourceIp: "10.0.0.7",
    userAgent: "coffer-cli/1.0",
    details: { fields: 1, strict: true },
    ...overrides,
  };
}

export async function allSeqs(store: Store): Promise<number[]> {
  const rows = await store.db.selectFrom("audit_events").select("seq").orderBy("seq").execute();
  return rows.map((row) => row.seq);
}
