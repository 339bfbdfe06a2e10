// A Vault API request as the handlers see it (operation, path, query, body), and the answers they can give.
import type { RequestContext } from "../auth/permissions.ts";
import { envelope, type MountType, VaultHttpError } from "./vault-wire.ts";

/** Vault's logical operations (`buildLogicalRequestNoAuth`). */
export type Operation = "read" | "list" | "update" | "patch" | "delete" | "header";

export type VaultCall = {
  operation: Operation;
  /** Percent-decoded, after `/v1/`; list operations always end in "/". */
  path: string;
  query: URLSearchParams;
  /** The JSON object of a POST, PUT or PATCH body; undefined when there was none. */
  body: Record<string, unknown> | undefined;
  contentType: string;
  requestId: string;
};

export type AuthenticatedCall = VaultCall & { ctx: RequestContext };

/** A JSON body (sent compact with a trailing newline, as Go's encoder does), or no body at all. */
export type VaultReply = { status: number; body?: unknown };

export const noContent = (): VaultReply => ({ status: 204 });

export function ok(
  call: VaultCall,
  data: unknown,
  mountType: MountType,
  warnings: string[] = [],
): VaultReply {
  return { status: 200, body: envelope(call.requestId, data, mountType, warnings) };
}

/** A read or list that found nothing. */
export const notFound = (): VaultReply => ({ status: 404, body: { errors: [] } });

/** A 404 whose body is a whole envelope (written by the KV engine itself, hence mount_type ""). */
export function rawNotFound(call: VaultCall, data: unknown, warnings: string[] = []): VaultReply {
  return { status: 404, body: envelope(call.requestId, data, "", warnings) };
}

/** The path is under no mount, or under one the caller cannot see: Vault's message for a path without a handler. */
export function noHandler(path: string): VaultHttpError {
  return new VaultHttpError(404, [`no handler for route "${path}". route entry not found.`]);
}

export const unsupportedOperation = () => new VaultHttpError(405, ["unsupported operation"]);

export function permissionDenied(...why: string[]): VaultHttpError {
  return new VaultHttpError(403, ["permission denied", ...why]);
}

const OPERATION_WORDS: Record<Operation, string> = {
  read: "get",
  list: "list",
  update: "put",
  patch: "patch",
  delete: "delete",
  header: "get",
};

/** A path on a KV v2 mount that is none of its endpoints (e.g. KV v1 style `secret/foo`). */
export function invalidKvPath(call: VaultCall, root: boolean): VaultReply {
  const warning =
    root && call.operation !== "list"
      ? "Non-listing operations on the root of a K/V v2 mount are not supported."
      : "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. " +
        `If using the Vault CLI, use 'vault kv ${OPERATION_WORDS[call.operation]}' for this operation.`;
  return rawNotFound(call, null, [warning]);
}
