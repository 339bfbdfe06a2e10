// Where a stored value belongs, as the associated data of its ciphertext; and re-sealing under another data key.
import type { KeyObject } from "node:crypto";
import { decrypt, encrypt } from "../crypto/envelope.ts";

export type ValuePlace = { projectId: string; environmentId: string; secretId: string; version: number };

/** Any change to the place (another project, environment, secret, version or field) makes decryption fail. */
export function valueBinding(place: ValuePlace, field: string): (string | number)[] {
  return [place.projectId, place.environmentId, place.secretId, place.version, field];
}

/** Re-encrypts every field of a stored version under another data key, in the same place. */
export function resealCiphertexts(
  ciphertexts: string,
  place: ValuePlace,
  from: KeyObject,
  to: { key: KeyObject; version: number },
): string {
  const out: Record<string, string> = {};
  for (const [field, envelope] of Object.entries(JSON.parse(ciphertexts) as Record<string, string>)) {
    const binding = valueBinding(place, field);
    const plaintext = decrypt(from, Buffer.from(envelope, "base64"), binding);
    out[field] = encrypt(to.key, to.version, plaintext, binding).toString("base64");
    plaintext.fill(0);
  }
  return JSON.stringify(out);
}
