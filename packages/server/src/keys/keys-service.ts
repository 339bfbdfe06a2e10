// Opens the instance's keyring (verifying the master key before anything is written) and caches unwrapped data keys.
import type { KeyObject } from "node:crypto";
import { createHmac } from "node:crypto";
import { chainKeyrings, createKeyring, type Keyring } from "../crypto/keyring.ts";
import { deriveMasterKey, type KdfParams, type MasterKeyInput, newKdfParams } from "../crypto/master-key.ts";
import { IntegrityError } from "../errors.ts";
import type { Executor } from "../store/database.ts";
import type { Store } from "../store/store.ts";
import type { KeysRepo } from "./keys-repo.ts";

export const META_KDF = "kdf";
export const META_KEY_CHECK = "key_check";
export const META_TOKEN_HASH_KEY = "token_hash_key";
export const TOKEN_HASH_OWNER = "instance/token-hash";
export const META_AUDIT_KEY = "audit_hash_key";
export const AUDIT_OWNER = "instance/audit-chain";

/** The configured master key, and during a rotation's transition window the one it replaces. */
export type MasterKeys = { current: MasterKeyInput; previous?: MasterKeyInput | undefined };

export class WrongMasterKeyError extends Error {
  constructor() {
    super(
      "The master key does not match this instance's data: it was initialised with a different COFFER_MASTER_KEY. " +
        "Start with the key the data was created with (nothing was changed).",
    );
  }
}

export type KeysService = {
  /** The active data key of a project, for encrypting new values. */
  activeDataKey(projectId: string, activeVersion: number): Promise<{ version: number; key: KeyObject }>;
  dataKey(projectId: string, version: number): Promise<KeyObject>;
  /** Creates version 1 of a new project's data key inside the caller's transaction. */
  createDataKey(tx: Executor, projectId: string, version: number, at: string): Promise<void>;
  forgetProject(projectId: string): void;
  /** Keyed hash of an API token: lookups by hash, no plaintext token stored. */
  hashToken(token: string): string;
  /** The key of the audit log's HMAC chain: without the master key, events cannot be forged or re-chained. */
  auditKey: KeyObject;
};

/**
 * Reads the key check (and KDF parameters) before migrations run, so that a wrong key is refused with the
 * database untouched. On a new instance it initialises the key check in one transaction.
 */
export async function openKeys(
  store: Store,
  repo: KeysRepo,
  keys: MasterKeys,
  now: () => string,
): Promise<KeysService> {
  const initialised = await store.isInitialised();
  let kdf: KdfParams | undefined;
  let keyring: Keyring;
  if (initialised) {
    kdf = await readKdf(store, repo);
    keyring = await keyringFor(keys, kdf);
    const check = await repo.readMeta(store.db, META_KEY_CHECK);
    if (check === undefined || !keyring.verifyKeyCheck(Buffer.from(check, "base64"))) {
      throw await keyCheckFailure(store, repo, keyring);
    }
    await store.migrate();
  } else {
    kdf = newKdfParams();
    keyring = createKeyring(await deriveMasterKey(keys.current, kdf));
    await store.migrate();
    const tokenKey = keyring.newDataKey(TOKEN_HASH_OWNER, 1);
    await store.transaction(async (tx) => {
      await repo.writeMeta(tx, META_KDF, JSON.stringify(kdf));
      await repo.writeMeta(tx, META_KEY_CHECK, keyring.makeKeyCheck().toString("base64"));
      await repo.writeMeta(tx, META_TOKEN_HASH_KEY, tokenKey.wrapped.toString("base64"));
      await repo.writeMeta(tx, "created_at", now());
    });
  }
  const wrappedTokenKey = await repo.readMeta(store.db, META_TOKEN_HASH_KEY);
  if (wrappedTokenKey === undefined) throw new IntegrityError("the instance's token hashing key is missing");
  const tokenHashKey = unwrapInstanceKey(keyring, TOKEN_HASH_OWNER, wrappedTokenKey, "token hashing key");
  let wrappedAuditKey = await repo.readMeta(store.db, META_AUDIT_KEY);
  if (wrappedAuditKey === undefined) {
    // Instances initialised before the audit log existed get their chain key on the first start that needs it.
    wrappedAuditKey = keyring.newDataKey(AUDIT_OWNER, 1).wrapped.toString("base64");
    await repo.writeMeta(store.db, META_AUDIT_KEY, wrappedAuditKey);
  }
  const auditKey = unwrapInstanceKey(keyring, AUDIT_OWNER, wrappedAuditKey, "audit chain key");
  return createKeysService(store, repo, keyring, tokenHashKey, auditKey);
}

/**
 * A key check that does not open means a wrong master key, unless the same key opens the instance's token hashing
 * key: then the key is right and the key check itself was altered.
 */
async function keyCheckFailure(store: Store, repo: KeysRepo, keyring: Keyring): Promise<Error> {
  const wrapped = await repo.readMeta(store.db, META_TOKEN_HASH_KEY);
  if (wrapped === undefined) return new WrongMasterKeyError();
  try {
    keyring.unwrapDataKey(TOKEN_HASH_OWNER, 1, Buffer.from(wrapped, "base64"));
  } catch {
    return new WrongMasterKeyError();
  }
  return new IntegrityError(
    "The instance's stored key check failed its integrity check, yet this master key opens the instance's other " +
      "keys: the database was altered. Restore it from a backup (coffer restore); nothing was changed.",
  );
}

/** An instance-wide key (token hashing, audit chain), unwrapped; a wrapped key that fails to open was altered. */
function unwrapInstanceKey(keyring: Keyring, owner: string, wrapped: string, name: string): KeyObject {
  try {
    return keyring.unwrapDataKey(owner, 1, Buffer.from(wrapped, "base64"));
  } catch {
    throw new IntegrityError(
      `The instance's ${name} failed its integrity check: the database was altered. Restore it from a backup ` +
        "(coffer restore).",
    );
  }
}

export async function readKdf(store: Store, repo: KeysRepo): Promise<KdfParams | undefined> {
  const text = await repo.readMeta(store.db, META_KDF);
  return text === undefined ? undefined : (JSON.parse(text) as KdfParams);
}

/** The keyring of the configured key, accepting the previous one too while a rotation is under way. */
export async function keyringFor(keys: MasterKeys, kdf: KdfParams | undefined): Promise<Keyring> {
  const current = createKeyring(await deriveMasterKey(keys.current, kdf));
  if (keys.previous === undefined) return current;
  return chainKeyrings(current, createKeyring(await deriveMasterKey(keys.previous, kdf)));
}

function createKeysService(
  store: Store,
  repo: KeysRepo,
  keyring: Keyring,
  tokenHashKey: KeyObject,
  auditKey: KeyObject,
): KeysService {
  const cache = new Map<string, KeyObject>();
  const cacheKey = (projectId: string, version: number) => `${projectId}:${version}`;

  async function dataKey(projectId: string, version: number): Promise<KeyObject> {
    const cached = cache.get(cacheKey(projectId, version));
    if (cached !== undefined) return cached;
    const wrapped = await repo.findDataKey(store.db, projectId, version);
    if (wrapped === undefined) {
      throw new IntegrityError(
        `data key version ${version} of a project is missing; the database is incomplete`,
      );
    }
    let key: KeyObject;
    try {
      key = keyring.unwrapDataKey(projectId, version, wrapped);
    } catch {
      throw new IntegrityError(
        `A project's data key (version ${version}) failed its integrity check: the database was altered. No value ` +
          "was decrypted; restore the database from a backup (coffer restore).",
      );
    }
    cache.set(cacheKey(projectId, version), key);
    return key;
  }

  return {
    async activeDataKey(projectId, activeVersion) {
      return { version: activeVersion, key: await dataKey(projectId, activeVersion) };
    },
    dataKey,
    async createDataKey(tx, projectId, version, at) {
      const { key, wrapped } = keyring.newDataKey(projectId, version);
      await repo.insertDataKey(tx, projectId, version, wrapped, at);
      cache.set(cacheKey(projectId, version), key);
    },
    forgetProject(projectId) {
      for (const name of cache.keys()) if (name.startsWith(`${projectId}:`)) cache.delete(name);
    },
    auditKey,
    hashToken(token) {
      return createHmac("sha256", tokenHashKey).update(token, "utf8").digest("base64url");
    },
  };
}
