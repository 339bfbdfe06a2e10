// AES-256-GCM envelopes: a versioned header, a fresh nonce, and associated data binding the ciphertext to its place.
import { createCipheriv, createDecipheriv, type KeyObject, randomBytes } from "node:crypto";

const FORMAT_V1 = 1;
const HEADER_BYTES = 5; // format byte + uint32 key version
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export class DecryptionError extends Error {
  constructor() {
    super("a stored ciphertext failed its integrity check (wrong key, or the data was altered or moved)");
  }
}

/** The place a ciphertext belongs to; any change to it makes decryption fail. */
export type Binding = readonly (string | number)[];

function associatedData(header: Buffer, binding: Binding): Buffer {
  return Buffer.concat([header, Buffer.from(JSON.stringify(binding), "utf8")]);
}

export function encrypt(key: KeyObject, keyVersion: number, plaintext: Buffer, binding: Binding): Buffer {
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt8(FORMAT_V1, 0);
  header.writeUInt32BE(keyVersion, 1);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(associatedData(header, binding));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, nonce, body, cipher.getAuthTag()]);
}

/** The key version an envelope was sealed with, read from its header. */
export function envelopeKeyVersion(envelope: Buffer): number {
  if (envelope.length < HEADER_BYTES + NONCE_BYTES + TAG_BYTES || envelope[0] !== FORMAT_V1) {
    throw new DecryptionError();
  }
  return envelope.readUInt32BE(1);
}

export function decrypt(key: KeyObject, envelope: Buffer, binding: Binding): Buffer {
  envelopeKeyVersion(envelope);
  const header = envelope.subarray(0, HEADER_BYTES);
  const nonce = envelope.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES);
  const tag = envelope.subarray(envelope.length - TAG_BYTES);
  const body = envelope.subarray(HEADER_BYTES + NONCE_BYTES, envelope.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(header, binding));
    decipher.setAuthTag(tag);
    const plaintext = decipher.update(body);
    // GCM holds nothing back, so final() only checks the tag and gives no bytes: no copy into a new buffer.
    const rest = decipher.final();
    return rest.length === 0 ? plaintext : Buffer.concat([plaintext, rest]);
  } catch {
    throw new DecryptionError();
  }
}
