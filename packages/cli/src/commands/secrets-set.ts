// `coffer secrets set`: create-or-update, with the value from an argument, stdin or --field pairs.

import { type Coffer, CofferError, type Secret, type SecretAttributes } from "@coffer/sdk";
import { type Invocation, parsePairs, UsageError } from "../args.ts";
import { connectToEnvironment } from "../client.ts";
import { readStdin } from "../io.ts";
import { writeJson } from "../output.ts";

type NewValue = string | Record<string, string> | undefined;

interface SetResult {
  action: "Created" | "Updated" | "Unchanged";
  secret: Secret;
}

export async function setSecret(invocation: Invocation): Promise<void> {
  const { args, flags, io } = invocation;
  const key = args[0]!;
  const value = await readNewValue(invocation);
  const attributes = readAttributes(invocation);
  if (value === undefined && Object.keys(attributes).length === 0) {
    throw new UsageError(
      "nothing to set: give a VALUE, --value-stdin, --field or an attribute such as --description",
    );
  }
  const { coffer } = connectToEnvironment(invocation);
  const { action, secret } = await createOrUpdate(coffer, key, value, attributes);
  if (flags.boolean("json")) return writeJson(io.stdout, secret);
  const detail = action === "Unchanged" ? "no changes to save" : `version ${secret.version}`;
  io.stdout.write(`${action} secret '${key}' (${detail}).\n`);
}

/** Create first and update on conflict: unlike "describe, then decide", this cannot race another writer. */
async function createOrUpdate(
  coffer: Coffer,
  key: string,
  value: NewValue,
  attributes: SecretAttributes,
): Promise<SetResult> {
  if (value !== undefined) {
    try {
      return { action: "Created", secret: await coffer.secrets.create(key, value, attributes) };
    } catch (error) {
      if (!hasCode(error, "conflict")) throw error;
    }
  }
  try {
    return { action: "Updated", secret: await coffer.secrets.update(key, value ?? null, attributes) };
  } catch (error) {
    // `set` states the wanted end result: already being there is success, not an error.
    if (hasCode(error, "no_changes"))
      return { action: "Unchanged", secret: await coffer.secrets.describe(key) };
    throw explainMissing(error, value);
  }
}

async function readNewValue({ args, flags, io }: Invocation): Promise<NewValue> {
  const fields = parsePairs(flags.list("field"), "field");
  const hasFields = Object.keys(fields).length > 0;
  const fromStdin = flags.boolean("value-stdin");
  const sources = [args[1] !== undefined, fromStdin, hasFields].filter(Boolean).length;
  if (sources > 1) throw new UsageError("give the value one way only: VALUE, --value-stdin or --field");
  if (hasFields) return fields;
  if (fromStdin && io.stdin.isTTY) io.stderr.write("Type the value, then press Enter and Ctrl-D:\n");
  const value = fromStdin ? await readStdin(io) : args[1];
  // On update an empty value means "keep the current one": refuse it rather than surprise.
  if (value === "") throw new UsageError(fromStdin ? "stdin was empty: no value to set" : "VALUE is empty");
  return value;
}

function readAttributes({ flags }: Invocation): SecretAttributes {
  const attributes: SecretAttributes = {};
  const description = flags.string("description");
  const type = flags.string("type");
  const name = flags.string("name");
  if (description !== undefined) attributes.description = description;
  if (type !== undefined) attributes.type = type;
  if (name !== undefined) attributes.name = name;
  if (flags.has("meta")) attributes.metadata = parsePairs(flags.list("meta"), "meta");
  if (flags.has("allow-destination")) attributes.allowedDestinations = flags.list("allow-destination");
  return attributes;
}

function hasCode(error: unknown, code: string): boolean {
  return error instanceof CofferError && error.code === code;
}

/** A metadata-only `set` of a missing secret: say how to create it rather than a bare "not found". */
function explainMissing(error: unknown, value: NewValue): unknown {
  if (value !== undefined || !hasCode(error, "not_found")) return error;
  return new Error(
    `${(error as Error).message}. To create it, give a VALUE, --value-stdin or --field NAME=VALUE`,
  );
}
