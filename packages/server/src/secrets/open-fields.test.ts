// The plaintext bytes openFields decrypts: zeroed once read unless the head cache keeps them, and zeroed too when
// a later field fails its integrity check. The envelope module is wrapped to see the buffers decrypt returns.
import { createSecretKey, randomBytes } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { encrypt } from "../crypto/envelope.ts";
import type { KeysService } from "../keys/keys-service.ts";
import type { Scope } from "../projects/projects-service.ts";
import type { SecretVersionRow } from "../store/database.ts";
import type { OpenedFields } from "./head-cache.ts";
import { openFields } from "./secrets-service.ts";

const returned = vi.hoisted(() => [] as Buffer[]);
vi.mock("../crypto/envelope.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../crypto/envelope.ts")>();
  return {
    ...original,
    decrypt: (...args: Parameters<typeof original.decrypt>) => {
      const plaintext = original.decrypt(...args);
      returned.push(plaintext);
      return plaintext;
    },
  };
});

const key = createSecretKey(randomBytes(32));
const keys = { dataKey: async () => key } as unknown as KeysService;
const scope = { project: { id: "p" }, environment: { id: "e" } } as Scope;
const secret = { id: "s", key: "API_KEY" };
const AT = "2026-01-01T00:00:00.000Z";

function row(fields: Record<string, string>, tamper?: string): SecretVersionRow {
  const ciphertexts: Record<string, string> = {};
  for (const [field, value] of Object.entries(fields)) {
    const sealed = encrypt(key, 1, Buffer.from(value), ["p", "e", "s", 1, field]);
    if (field === tamper) sealed[sealed.length - 1] = (sealed[sealed.length - 1] ?? 0) ^ 1;
    ciphertexts[field] = sealed.toString("base64");
  }
  return {
    secret_id: "s",
    version: 1,
    ciphertexts: JSON.stringify(ciphertexts),
    key_version: 1,
    destroyed: 0,
    deletion_time: null,
  } as unknown as SecretVersionRow;
}

const zeroed = (bytes: Buffer) => bytes.every((byte) => byte === 0);

describe("openFields' plaintext bytes", () => {
  it("are zeroed once read when nothing keeps them", async () => {
    returned.length = 0;
    const fields = await openFields(keys, scope, secret, row({ user: "alice", password: "hunter2" }), AT);
    expect(fields.get("password")?.reveal()).toBe("hunter2");
    expect(returned).toHaveLength(2);
    expect(returned.every(zeroed)).toBe(true);
  });

  it("stay whole while the head cache keeps them, and are not zeroed by the call", async () => {
    returned.length = 0;
    const kept = new Map<SecretVersionRow, ReadonlyMap<string, Buffer>>();
    const opened: OpenedFields = {
      get: (version) => kept.get(version),
      keep: (version, fields) => {
        kept.set(version, fields);
        return true;
      },
    };
    const version = row({ value: "sk-live-123" });
    expect((await openFields(keys, scope, secret, version, AT, opened)).get("value")?.reveal()).toBe(
      "sk-live-123",
    );
    expect((await openFields(keys, scope, secret, version, AT, opened)).get("value")?.reveal()).toBe(
      "sk-live-123",
    );
    expect(returned).toHaveLength(1);
    expect(returned[0]?.toString()).toBe("sk-live-123");
  });

  it("are zeroed when a later field fails its integrity check", async () => {
    returned.length = 0;
    await expect(
      openFields(keys, scope, secret, row({ a: "first-value", b: "second" }, "b"), AT),
    ).rejects.toThrow(/integrity check/);
    expect(returned).toHaveLength(1);
    expect(zeroed(returned[0] as Buffer)).toBe(true);
  });
});
