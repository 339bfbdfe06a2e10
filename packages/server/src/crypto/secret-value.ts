// A decrypted value that refuses to be printed, logged or serialised by accident.
import { inspect } from "node:util";

const REDACTED = "[redacted]";

export class SecretValue {
  readonly #plaintext: string;

  constructor(plaintext: string) {
    this.#plaintext = plaintext;
  }

  /** The plaintext. Call it only where the value legitimately leaves Coffer (a reveal response). */
  reveal(): string {
    return this.#plaintext;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
