// The rules every surface enforces the same way: keys, fields, slugs, metadata and destinations.
import { TooLargeError, ValidationError } from "./errors.ts";

/** Fixed limits. Those an operator may change are the SecretLimits below, read by config.ts. */
export const LIMITS = {
  keyLength: 256,
  fieldNameLength: 64,
  descriptionLength: 2000,
  typeLength: 64,
  displayNameLength: 256,
  metadataEntries: 64,
  metadataKeyLength: 128,
  metadataValueLength: 512,
  destinations: 64,
  destinationLength: 300,
  slugLength: 64,
  nameLength: 200,
} as const;

/** The configurable limits on what secrets hold, passed by config.ts to every path that writes a secret. */
export type SecretLimits = {
  /** Bytes (UTF-8) of one field's value. */
  valueBytes: number;
  fieldsPerSecret: number;
  secretsPerEnvironment: number;
};

export const DEFAULT_SECRET_LIMITS: SecretLimits = {
  valueBytes: 64 * 1024,
  fieldsPerSecret: 64,
  // The CLI promises (and its tests check) 100,000 secrets imported into one environment in one command.
  secretsPerEnvironment: 100_000,
};

/** The setting behind each limit: errors name it, so that whoever hits a limit knows what an operator can raise. */
export const SECRET_LIMIT_SETTINGS: Record<keyof SecretLimits, string> = {
  valueBytes: "COFFER_MAX_VALUE_BYTES",
  fieldsPerSecret: "COFFER_MAX_FIELDS_PER_SECRET",
  secretsPerEnvironment: "COFFER_MAX_SECRETS_PER_ENVIRONMENT",
};

const SEGMENT = /^[A-Za-z][A-Za-z0-9_-]*$/;
const SLUG = /^[a-z][a-z0-9-]*$/;
const DESTINATION =
  /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?(\/[^\s?#]*)?$/;

export function validateSecretKey(key: string | undefined): string {
  if (key === undefined || key.trim() === "") throw new ValidationError("key", "Secret key is required");
  if (key.length > LIMITS.keyLength) {
    throw new ValidationError("key", `Secret key must be at most ${LIMITS.keyLength} characters`);
  }
  const segments = key.split("/");
  if (segments.some((segment) => segment === "")) {
    throw new ValidationError("key", "Secret key must not start or end with '/' or contain '//'");
  }
  const bad = segments.find((segment) => !SEGMENT.test(segment));
  if (bad !== undefined) {
    throw new ValidationError(
      "key",
      `Secret key segment "${bad}" must start with a letter and contain only letters, digits, '_' or '-' (use '/' to separate segments)`,
    );
  }
  return key;
}

/**
 * Whether a message or an audit event may name `key` as a secret key: only a well-formed one, since anything else
 * may be a value pasted where a key goes.
 */
export function isWellFormedKey(key: string): boolean {
  return key.length <= LIMITS.keyLength && key.split("/").every((segment) => SEGMENT.test(segment));
}

/** Whether a message or an audit event may name `slug` as a project, environment or connection: as above. */
export function isWellFormedSlug(slug: string): boolean {
  return slug.length <= LIMITS.slugLength && SLUG.test(slug);
}

export function validateFieldName(name: string): string {
  // Too long to be a name: not quoted, it may be a pasted value.
  if (name.length > LIMITS.fieldNameLength) {
    throw new ValidationError("fields", `Field names must be at most ${LIMITS.fieldNameLength} characters`);
  }
  if (!SEGMENT.test(name)) {
    throw new ValidationError(
      "fields",
      `Field name "${name}" must start with a letter, contain only letters, digits, '_' or '-', and be at most ${LIMITS.fieldNameLength} characters`,
    );
  }
  return name;
}

/** Checks a value's size (413 when over); neither its content nor its exact size is echoed in the error. */
export function validateValueSize(
  field: string,
  value: string,
  limits: Pick<SecretLimits, "valueBytes">,
): void {
  if (Buffer.byteLength(value, "utf8") <= limits.valueBytes) return;
  const setting = SECRET_LIMIT_SETTINGS.valueBytes;
  throw new TooLargeError(
    `Secret value of field "${field}" is larger than ${limits.valueBytes} bytes, the limit set by ${setting}`,
    {
      field: field === "value" ? "value" : "fields",
      ...(field === "value" ? {} : { fieldName: field }),
      limit: limits.valueBytes,
      setting,
    },
  );
}

export function validateFieldCount(count: number, limits: Pick<SecretLimits, "fieldsPerSecret">): void {
  if (count > limits.fieldsPerSecret) {
    const setting = SECRET_LIMIT_SETTINGS.fieldsPerSecret;
    throw new ValidationError(
      "fields",
      `A secret can have at most ${limits.fieldsPerSecret} fields, the limit set by ${setting}`,
      { limit: limits.fieldsPerSecret, setting },
    );
  }
  if (count === 0) throw new ValidationError("value", "Secret value is required");
}

export function validateSlug(field: string, label: string, slug: string | undefined): string {
  if (slug === undefined || slug === "") throw new ValidationError(field, `${label} is required`);
  // Too long to be a slug: not quoted, it may be a pasted value.
  if (slug.length > LIMITS.slugLength) {
    throw new ValidationError(field, `${label} must be at most ${LIMITS.slugLength} characters`);
  }
  if (!SLUG.test(slug)) {
    throw new ValidationError(
      field,
      `${label} "${slug}" must start with a lowercase letter and contain only lowercase letters, digits and '-' (at most ${LIMITS.slugLength} characters)`,
    );
  }
  return slug;
}

export function validateText(field: string, label: string, text: string, max: number): string {
  if (text.length > max) throw new ValidationError(field, `${label} must be at most ${max} characters`);
  return text;
}

export function validateMetadata(metadata: Record<string, string>): Record<string, string> {
  const entries = Object.entries(metadata);
  if (entries.length > LIMITS.metadataEntries) {
    throw new ValidationError("metadata", `Metadata can have at most ${LIMITS.metadataEntries} entries`);
  }
  for (const [name, value] of entries) {
    if (name === "" || name.length > LIMITS.metadataKeyLength) {
      throw new ValidationError(
        "metadata",
        `Metadata keys must be 1 to ${LIMITS.metadataKeyLength} characters`,
      );
    }
    if (value.length > LIMITS.metadataValueLength) {
      throw new ValidationError(
        "metadata",
        `Metadata value of "${name}" must be at most ${LIMITS.metadataValueLength} characters`,
      );
    }
  }
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Destinations are stored normalised (lowercase host, no trailing dot) so the proxy compares like with like. */
export function validateDestinations(destinations: string[]): string[] {
  if (destinations.length > LIMITS.destinations) {
    throw new ValidationError("allowedDestinations", `At most ${LIMITS.destinations} allowed destinations`);
  }
  const normalised = destinations.map((entry) => {
    const value = entry
      .trim()
      .toLowerCase()
      .replace(/\.(?=(:|\/|$))/, "");
    if (value.length === 0 || value.length > LIMITS.destinationLength || !DESTINATION.test(value)) {
      throw new ValidationError(
        "allowedDestinations",
        `Allowed destination "${entry.slice(0, 100)}" must be a host name like "api.stripe.com", "*.example.com", "host:port" or "host/path-prefix" (no scheme)`,
      );
    }
    return value;
  });
  return [...new Set(normalised)];
}
