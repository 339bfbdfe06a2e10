// Password hashing with scrypt: per-user salt, parameters stored beside the hash so they can be raised later.
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

type PasswordHash = { algorithm: "scrypt"; N: number; r: number; p: number; salt: string; hash: string };

const PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_BYTES = 32;

function derive(
  password: string,
  salt: Buffer,
  params: { N: number; r: number; p: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize("NFKC"),
      salt,
      KEY_BYTES,
      { ...params, maxmem: 256 * params.N * params.r },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, PARAMS);
  const stored: PasswordHash = {
    algorithm: "scrypt",
    ...PARAMS,
    salt: salt.toString("base64"),
    hash: hash.toString("base64"),
  };
  return JSON.stringify(stored);
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = JSON.parse(stored) as PasswordHash;
  const expected = Buffer.from(parsed.hash, "base64");
  const actual = await derive(password, Buffer.from(parsed.salt, "base64"), parsed);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Spends the same time as a real check, so an unknown email cannot be told apart by timing. */
let dummy: string | undefined;
export async function burnPasswordCheck(password: string): Promise<void> {
  dummy ??= await hashPassword("coffer-timing-equaliser");
  await verifyPassword(password, dummy);
}
