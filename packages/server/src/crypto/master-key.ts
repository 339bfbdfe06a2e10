// The master key (KEK): parsed from a base64 key or stretched from a passphrase; never stored.
import { createSecretKey, type KeyObject, randomBytes, scrypt } from "node:crypto";

export const MASTER_KEY_BYTES = 32;
const MIN_PASSPHRASE_LENGTH = 12;
const BASE64_KEY = /^[A-Za-z0-9+/]{43}=?$|^[A-Za-z0-9_-]{43}$/;

/** scrypt parameters are stored beside the salt so they can be raised later without breaking old instances. */
export type KdfParams = { algorithm: "scrypt"; salt: string; N: number; r: number; p: number };

export type MasterKeyInput = { kind: "raw"; key: Buffer } | { kind: "passphrase"; passphrase: string };

export class MasterKeyFormatError extends Error {}

export function generateMasterKey(): string {
  return randomBytes(MASTER_KEY_BYTES).toString("base64");
}

/** A 32-byte base64 string is a raw key; anything else is a passphrase (which must not be short). */
export function parseMasterKey(text: string): MasterKeyInput {
  const trimmed = text.trim();
  if (BASE64_KEY.test(trimmed)) {
    const key = Buffer.from(trimmed.replaceAll("-", "+").replaceAll("_", "/"), "base64");
    if (key.length === MASTER_KEY_BYTES) return { kind: "raw", key };
  }
  if (trimmed.length < MIN_PASSPHRASE_LENGTH) {
    throw new MasterKeyFormatError(
      `the master key must be 32 random bytes in base64 (make one with \`coffer keygen\`) or a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters`,
    );
  }
  return { kind: "passphrase", passphrase: trimmed };
}

export function newKdfParams(): KdfParams {
  return { algorithm: "scrypt", salt: randomBytes(16).toString("base64"), N: 2 ** 15, r: 8, p: 1 };
}

export async function deriveMasterKey(input: MasterKeyInput, kdf: KdfParams | undefined): Promise<KeyObject> {
  if (input.kind === "raw") return createSecretKey(input.key);
  if (!kdf) throw new Error("a passphrase needs the instance's key-derivation parameters");
  const derived = await new Promise<Buffer>((resolve, reject) => {
    scrypt(
      input.passphrase.normalize("NFKC"),
      Buffer.from(kdf.salt, "base64"),
      MASTER_KEY_BYTES,
      { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 256 * kdf.N * kdf.r },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
  return createSecretKey(derived);
}
