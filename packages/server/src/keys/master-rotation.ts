// Master-key rotation: every wrapped key is re-wrapped under the new master key in one transaction.
// Its cost grows with the number of projects (data keys), never with the number of secrets.
import type { KeyObject } from "node:crypto";
import { createKeyring } from "../crypto/keyring.ts";
import { deriveMasterKey, type MasterKeyInput } from "../crypto/master-key.ts";
import { IntegrityError } from "../errors.ts";
import type { Store } from "../store/store.ts";
import type { KeysRepo } from "./keys-repo.ts";
import {
  AUDIT_OWNER,
  keyringFor,
  META_AUDIT_KEY,
  META_KEY_CHECK,
  META_TOKEN_HASH_KEY,
  readKdf,
  TOKEN_HASH_OWNER,
  WrongMasterKeyError,
} from "./keys-service.ts";

export type RotationReport = { dataKeys: number; milliseconds: number };

export class NotInitialisedError extends Error {}

export async function rotateMasterKey(
  store: Store,
  repo: KeysRepo,
  keys: { from: MasterKeyInput; to: MasterKeyInput },
): Promise<RotationReport> {
  const started = performance.now();
  if (!(await store.isInitialised()))
    throw new NotInitialisedError("There is no Coffer instance in this database yet");
  const kdf = await readKdf(store, repo);
  // Unwrapping accepts both keys: nodes in the transition window may already have wrapped new keys with the new one.
  const reader = await keyringFor({ current: keys.to, previous: keys.from }, kdf);
  const writer = createKeyring(await deriveMasterKey(keys.to, kdf));
  const check = await repo.readMeta(store.db, META_KEY_CHECK);
  if (check === undefined || !reader.verifyKeyCheck(Buffer.from(check, "base64")))
    throw new WrongMasterKeyError();

  let dataKeys = 0;
  await store.transaction(async (tx) => {
    for (const row of await repo.listDataKeys(tx)) {
      let key: KeyObject;
      try {
        key = reader.unwrapDataKey(row.project_id, row.version, Buffer.from(row.wrapped_key, "base64"));
      } catch {
        // Thrown inside the transaction: the keys re-wrapped so far are rolled back with it.
        throw new IntegrityError(
          `data key version ${row.version} of project ${row.project_id} opens with neither master key ` +
            "(the database was altered); nothing was changed",
        );
      }
      await repo.updateDataKey(
        tx,
        row.project_id,
        row.version,
        writer.wrapDataKey(row.project_id, row.version, key),
      );
      dataKeys++;
    }
    for (const [name, owner] of [
      [META_TOKEN_HASH_KEY, TOKEN_HASH_OWNER],
      [META_AUDIT_KEY, AUDIT_OWNER],
    ] as const) {
      const wrapped = await repo.readMeta(tx, name);
      if (wrapped === undefined) continue;
      const key = reader.unwrapDataKey(owner, 1, Buffer.from(wrapped, "base64"));
      await repo.updateMeta(tx, name, writer.wrapDataKey(owner, 1, key).toString("base64"));
    }
    await repo.updateMeta(tx, META_KEY_CHECK, writer.makeKeyCheck().toString("base64"));
  });
  return { dataKeys, milliseconds: performance.now() - started };
}
