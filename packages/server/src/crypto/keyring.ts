// The keyring: wraps and unwraps data keys with the master key and proves the master key is the right one.
import { createSecretKey, type KeyObject, randomBytes } from "node:crypto";
import { DecryptionError, decrypt, encrypt } from "./envelope.ts";

const DATA_KEY_BYTES = 32;
const KEY_CHECK_PLAINTEXT = Buffer.from("coffer key check v1", "utf8");
const KEY_CHECK_BINDING = ["coffer", "key-check"] as const;

export type WrappedDataKey = { key: KeyObject; wrapped: Buffer };

export type Keyring = {
  /** A fresh random data key and its wrapped form, bound to its project and version. */
  newDataKey(owner: string, version: number): WrappedDataKey;
  unwrapDataKey(owner: string, version: number, wrapped: Buffer): KeyObject;
  /** Wraps an existing data key (for re-wrapping under a new master key). */
  wrapDataKey(owner: string, version: number, key: KeyObject): Buffer;
  makeKeyCheck(): Buffer;
  /** True when the key check was sealed by this master key. */
  verifyKeyCheck(check: Buffer): boolean;
};

export function createKeyring(masterKey: KeyObject): Keyring {
  const binding = (owner: string, version: number) => ["coffer", "data-key", owner, version];
  return {
    newDataKey(owner, version) {
      const raw = randomBytes(DATA_KEY_BYTES);
      const wrapped = encrypt(masterKey, 1, raw, binding(owner, version));
      const key = createSecretKey(raw);
      raw.fill(0);
      return { key, wrapped };
    },
    wrapDataKey(owner, version, key) {
      const raw = key.export();
      try {
        return encrypt(masterKey, 1, raw, binding(owner, version));
      } finally {
        raw.fill(0);
      }
    },
    unwrapDataKey(owner, version, wrapped) {
      const raw = decrypt(masterKey, wrapped, binding(owner, version));
      const key = createSecretKey(raw);
      raw.fill(0);
      return key;
    },
    makeKeyCheck() {
      return encrypt(masterKey, 1, KEY_CHECK_PLAINTEXT, KEY_CHECK_BINDING);
    },
    verifyKeyCheck(check) {
      try {
        return decrypt(masterKey, check, KEY_CHECK_BINDING).equals(KEY_CHECK_PLAINTEXT);
      } catch (error) {
        if (error instanceof DecryptionError) return false;
        throw error;
      }
    },
  };
}

/**
 * Several master keys at once, for the transition window of a master-key rotation: new wraps and key checks use
 * the first; unwrapping accepts any of them.
 */
export function chainKeyrings(primary: Keyring, ...older: Keyring[]): Keyring {
  const all = [primary, ...older];
  return {
    newDataKey: primary.newDataKey,
    wrapDataKey: primary.wrapDataKey,
    makeKeyCheck: primary.makeKeyCheck,
    unwrapDataKey(owner, version, wrapped) {
      let failure: unknown;
      for (const keyring of all) {
        try {
          return keyring.unwrapDataKey(owner, version, wrapped);
        } catch (error) {
          failure = error;
        }
      }
      throw failure;
    },
    verifyKeyCheck: (check) => all.some((keyring) => keyring.verifyKeyCheck(check)),
  };
}
