import { createSecretKey, randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { DecryptionError, decrypt, encrypt, envelopeKeyVersion } from "./envelope.ts";
import { createKeyring } from "./keyring.ts";
import { MasterKeyFormatError, parseMasterKey } from "./master-key.ts";
import { SecretValue } from "./secret-value.ts";

const key = createSecretKey(randomBytes(32));
const binding = ["project", "env", "secret", 1, "value"];

describe("envelopes", () => {
  it("round-trips a value and records the key version in the header", () => {
    const sealed = encrypt(key, 7, Buffer.from("hello"), binding);
    expect(sealed[0]).toBe(1);
    expect(envelopeKeyVersion(sealed)).toBe(7);
    expect(decrypt(key, sealed, binding).toString()).toBe("hello");
  });

  it("uses a fresh nonce every time", () => {
    const a = encrypt(key, 1, Buffer.from("same"), binding);
    const b = encrypt(key, 1, Buffer.from("same"), binding);
    expect(a.equals(b)).toBe(false);
  });

  it("fails when any part of the binding differs", () => {
    const sealed = encrypt(key, 1, Buffer.from("bound"), binding);
    for (let i = 0; i < binding.length; i++) {
      const other = [...binding];
      other[i] = typeof other[i] === "number" ? 2 : "other";
      expect(() => decrypt(key, sealed, other)).toThrow(DecryptionError);
    }
  });

  it("fails on a wrong key, a flipped bit, a changed header or a truncated envelope", () => {
    const sealed = encrypt(key, 1, Buffer.from("intact"), binding);
    expect(() => decrypt(createSecretKey(randomBytes(32)), sealed, binding)).toThrow(DecryptionError);
    for (const index of [0, 2, 8, sealed.length - 1]) {
      const flipped = Buffer.from(sealed);
      flipped[index]! ^= 0x80;
      expect(() => decrypt(key, flipped, binding)).toThrow(DecryptionError);
    }
    expect(() => decrypt(key, sealed.subarray(0, 20), binding)).toThrow(DecryptionError);
  });
});

describe("the keyring", () => {
  it("wraps data keys bound to their owner and version", () => {
    const keyring = createKeyring(key);
    const { wrapped } = keyring.newDataKey("p1", 1);
    expect(() => keyring.unwrapDataKey("p1", 1, wrapped)).not.toThrow();
    expect(() => keyring.unwrapDataKey("p2", 1, wrapped)).toThrow(DecryptionError);
    expect(() => keyring.unwrapDataKey("p1", 2, wrapped)).toThrow(DecryptionError);
  });

  it("recognises its own key check and refuses another's", () => {
    const check = createKeyring(key).makeKeyCheck();
    expect(createKeyring(key).verifyKeyCheck(check)).toBe(true);
    expect(createKeyring(createSecretKey(randomBytes(32))).verifyKeyCheck(check)).toBe(false);
  });
});

describe("master key parsing", () => {
  it("takes 32 base64 bytes as a raw key and longer text as a passphrase", () => {
    expect(parseMasterKey(randomBytes(32).toString("base64")).kind).toBe("raw");
    expect(parseMasterKey("a long enough passphrase").kind).toBe("passphrase");
  });

  it("refuses a short passphrase and says how to make a key", () => {
    expect(() => parseMasterKey("short")).toThrow(MasterKeyFormatError);
    expect(() => parseMasterKey("short")).toThrow(/coffer keygen/);
  });
});

describe("SecretValue", () => {
  it("never prints its plaintext by accident", () => {
    const value = new SecretValue("plain-canary");
    expect(String(value)).toBe("[redacted]");
    expect(JSON.stringify({ value })).toBe('{"value":"[redacted]"}');
    expect(inspect(value)).toBe("[redacted]");
    expect(`${value}`).toBe("[redacted]");
    expect(value.reveal()).toBe("plain-canary");
  });
});
