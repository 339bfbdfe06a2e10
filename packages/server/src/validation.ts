// The rules every surface enforces the same way: keys, fields, slugs, metadata and destinations.
import { ValidationError } from "./errors.ts";

export const LIMITS = {
  keyLength: 256,
  fieldNameLength: 64,
  fieldsPerSecret: 64,
  valueBytes: 64 * 1024,
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

export function validateFieldName(name: string): string {
  if (name.length > LIMITS.fieldNameLength || !SEGMENT.test(name)) {
    throw new ValidationError(
      "fields",
      `Field name "${name.slice(0, LIMITS.fieldNameLength)}" must start with a letter, contain only letters, digits, '_' or '-', and be at most ${LIMITS.fieldNameLength} characters`,
    );
  }
  return name;
}

/** Checks a value's size; its content is never echoed in an error. */
export function validateValueSize(field: string, value: string): void {
  if (Buffer.byteLength(value, "utf8") > LIMITS.valueBytes) {
    throw new ValidationError(
      field === "value" ? "value" : "fields",
      `Secret value of field "${field}" is larger than ${LIMITS.valueBytes} bytes`,
    );
  }
}

export function validateFieldCount(count: number): void {
  if (count > LIMITS.fieldsPerSecret) {
    throw new ValidationError("fields", `A secret can have at most ${LIMITS.fieldsPerSecret} fields`);
  }
  if (count === 0) throw new ValidationError("value", "Secret value is required");
}

export function validateSlug(field: string, label: string, slug: string | undefined): string {
  if (slug === undefined || slug === "") throw new ValidationError(field, `${label} is required`);
  if (slug.length > LIMITS.slugLength || !SLUG.test(slug)) {
    throw new ValidationError(
      field,
      `${label} "${slug.slice(0, LIMITS.slugLength)}" must start with a lowercase letter and contain only lowercase letters, digits and '-' (at most ${LIMITS.slugLength} characters)`,
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
