// Data-key rotation: a new data key version per project, and the values re-encrypted under it in the background,
// in small batches (reads go on throughout), resumable after a crash because progress is the data itself:
// every stored version records the key version that sealed it.
import type { Logger } from "pino";
import type { AuditService } from "../audit/audit-service.ts";
import { auditEvent } from "../audit-events.ts";
import { isInstanceAdmin, type RequestContext } from "../auth/permissions.ts";
import { ForbiddenError } from "../errors.ts";
import type { ProjectsService } from "../projects/projects-service.ts";
import { resealCiphertexts } from "../secrets/value-binding.ts";
import type { Store } from "../store/store.ts";
import type { KeysRepo } from "./keys-repo.ts";
import type { KeysService } from "./keys-service.ts";

export type KeyVersionStatus = { version: number; active: boolean; values: number };
export type KeysStatus = {
  projects: { project: string; activeVersion: number; versions: KeyVersionStatus[] }[];
  rotation: { running: boolean; remaining: number };
};

type Deps = {
  store: Store;
  repo: KeysRepo;
  keys: KeysService;
  projects: ProjectsService;
  audit: AuditService;
  logger: Logger;
  now: () => string;
  batchSize?: number;
};

/** A position in the primary-key order of secret_versions. */
type Cursor = { secretId: string; version: number };
const START: Cursor = { secretId: "", version: 0 };

export function createDataKeyRotation({
  store,
  repo,
  keys,
  projects,
  audit,
  logger,
  now,
  batchSize = 200,
}: Deps) {
  let running: Promise<void> | undefined;
  let stopping = false;

  /**
   * Rows sealed with an older key version than their project's active one, in (secret, version) order after
   * `after`: each pass walks the primary key once, instead of rescanning the rows already re-sealed (which made a
   * rotation quadratic in the number of values).
   */
  const staleRows = (limit: number, after: Cursor) =>
    store.db
      .selectFrom("secret_versions as v")
      .innerJoin("secrets as s", "s.id", "v.secret_id")
      .innerJoin("environments as e", "e.id", "s.environment_id")
      .innerJoin("projects as p", "p.id", "e.project_id")
      .select([
        "v.secret_id",
        "v.version",
        "v.ciphertexts",
        "v.key_version",
        "v.destroyed",
        "s.environment_id",
        "e.project_id",
        "p.active_key_version",
      ])
      .whereRef("v.key_version", "<", "p.active_key_version")
      .where((eb) =>
        eb(eb.refTuple("v.secret_id", "v.version"), ">", eb.tuple(after.secretId, after.version)),
      )
      // Implied by the join, but it lets PostgreSQL start its scan of secrets at the cursor too.
      .where("s.id", ">=", after.secretId)
      .orderBy("v.secret_id")
      .orderBy("v.version")
      .limit(limit)
      .execute();

  async function reencryptBatch(rows: Awaited<ReturnType<typeof staleRows>>): Promise<void> {
    const updates: {
      secretId: string;
      version: number;
      from: number;
      to: number;
      /** Undefined for a version destroyed through the Vault API: it holds no ciphertext, only its key version moves. */
      ciphertexts: string | undefined;
    }[] = [];
    for (const row of rows) {
      if (row.destroyed === 1) {
        updates.push({
          secretId: row.secret_id,
          version: row.version,
          from: row.key_version,
          to: row.active_key_version,
          ciphertexts: undefined,
        });
        continue;
      }
      const from = await keys.dataKey(row.project_id, row.key_version);
      const to = await keys.activeDataKey(row.project_id, row.active_key_version);
      const place = {
        projectId: row.project_id,
        environmentId: row.environment_id,
        secretId: row.secret_id,
        version: row.version,
      };
      updates.push({
        secretId: row.secret_id,
        version: row.version,
        from: row.key_version,
        to: to.version,
        ciphertexts: resealCiphertexts(row.ciphertexts, place, from, to),
      });
    }
    await store.transaction(async (tx) => {
      for (const update of updates) {
        // Only if nobody re-sealed it meanwhile (another node running the same job).
        await tx
          .updateTable("secret_versions")
          .set(
            update.ciphertexts === undefined
              ? { key_version: update.to }
              : { ciphertexts: update.ciphertexts, key_version: update.to },
          )
          .where("secret_id", "=", update.secretId)
          .where("version", "=", update.version)
          .where("key_version", "=", update.from)
          // A version destroyed through the Vault API meanwhile keeps no ciphertext (the next pass moves it).
          .where("destroyed", "=", update.ciphertexts === undefined ? 1 : 0)
          .execute();
      }
    });
  }

  /** Old key versions that no value uses any more are deleted: they protect nothing. */
  async function retireUnusedKeys(): Promise<void> {
    const used = new Set(
      (await repo.countValuesByKeyVersion(store.db)).map((row) => `${row.project_id}:${row.key_version}`),
    );
    const active = new Map(
      (await projects.allProjects()).map((project) => [project.id, project.active_key_version]),
    );
    for (const row of await repo.listDataKeys(store.db)) {
      if (row.version !== active.get(row.project_id) && !used.has(`${row.project_id}:${row.version}`)) {
        await repo.deleteDataKey(store.db, row.project_id, row.version);
      }
    }
  }

  function work(): Promise<void> {
    running ??= (async () => {
      try {
        let done = 0;
        let after = START;
        let secondPass = false;
        for (;;) {
          if (stopping) return;
          const rows = await staleRows(batchSize, after);
          if (rows.length === 0) {
            // One more pass from the start, for values sealed behind the cursor meanwhile with an old version (by
            // a node whose cache had not seen the rotation yet); what a second pass leaves waits for a restart.
            if (after === START || secondPass) break;
            after = START;
            secondPass = true;
            continue;
          }
          await reencryptBatch(rows);
          done += rows.length;
          const last = rows[rows.length - 1]!;
          after = { secretId: last.secret_id, version: last.version };
          // Let requests in between batches.
          await new Promise((resolve) => setImmediate(resolve));
        }
        await retireUnusedKeys();
        if (done > 0) logger.info({ values: done }, "data key rotation finished");
      } catch (error) {
        logger.error(
          { err: { message: (error as Error).message } },
          "data key rotation stopped; it resumes on restart",
        );
      } finally {
        running = undefined;
      }
    })();
    return running;
  }

  async function remaining(): Promise<number> {
    const rows = await store.db
      .selectFrom("secret_versions as v")
      .innerJoin("secrets as s", "s.id", "v.secret_id")
      .innerJoin("environments as e", "e.id", "s.environment_id")
      .innerJoin("projects as p", "p.id", "e.project_id")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .whereRef("v.key_version", "<", "p.active_key_version")
      .executeTakeFirstOrThrow();
    return Number(rows.n);
  }

  return {
    /** Starts re-encrypting whatever an earlier, interrupted rotation left. */
    resume(): void {
      void work();
    },

    async rotate(ctx: RequestContext, projectSlug?: string): Promise<{ projects: string[] }> {
      if (!isInstanceAdmin(ctx.principal)) {
        throw new ForbiddenError("Only instance administrators can rotate data keys", {
          permission: "admin",
        });
      }
      const targets =
        projectSlug === undefined
          ? await projects.allProjects()
          : [await projects.visibleProject(ctx.principal, projectSlug)];
      const at = now();
      for (const project of targets) {
        await store.transaction(async (tx) => {
          const current = await tx
            .selectFrom("projects")
            .select("active_key_version")
            .where("id", "=", project.id)
            .executeTakeFirstOrThrow();
          const next = current.active_key_version + 1;
          await keys.createDataKey(tx, project.id, next, at);
          await tx
            .updateTable("projects")
            .set({ active_key_version: next })
            .where("id", "=", project.id)
            .execute();
          await audit.appendInTransaction(
            tx,
            auditEvent(ctx, "keys.rotate_data", { project: project.slug, details: { keyVersion: next } }),
          );
        });
      }
      await projects.invalidate();
      void work();
      return { projects: targets.map((project) => project.slug) };
    },

    async status(ctx: RequestContext): Promise<KeysStatus> {
      if (!isInstanceAdmin(ctx.principal)) {
        throw new ForbiddenError("Only instance administrators can see key status", { permission: "admin" });
      }
      const counts = await repo.countValuesByKeyVersion(store.db);
      const dataKeys = await repo.listDataKeys(store.db);
      const all = await projects.allProjects();
      return {
        projects: all
          .sort((a, b) => (a.slug < b.slug ? -1 : 1))
          .map((project) => ({
            project: project.slug,
            activeVersion: project.active_key_version,
            versions: dataKeys
              .filter((row) => row.project_id === project.id)
              .sort((a, b) => a.version - b.version)
              .map((row) => ({
                version: row.version,
                active: row.version === project.active_key_version,
                values: Number(
                  counts.find((count) => count.project_id === project.id && count.key_version === row.version)
                    ?.values ?? 0,
                ),
              })),
          })),
        rotation: { running: running !== undefined, remaining: await remaining() },
      };
    },

    async stop(): Promise<void> {
      stopping = true;
      await running;
    },
  };
}

export type DataKeyRotation = ReturnType<typeof createDataKeyRotation>;
