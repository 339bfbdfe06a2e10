// The KV v2 endpoints of one mount (data, delete, undelete, destroy, metadata, config), matched as the KV engine's
// own path patterns match them, turned into service calls and back into Vault's bodies.
import type { SecretValue } from "../crypto/secret-value.ts";
import type { CustomMetadata, Mount, VersionState } from "./kv-common.ts";
import type { KvDataService } from "./kv-data-service.ts";
import type { KeyMetadata, KvMetadataService, MetadataInput } from "./kv-metadata-service.ts";
import {
  type AuthenticatedCall,
  invalidKvPath,
  noContent,
  notFound,
  ok,
  rawNotFound,
  unsupportedOperation,
  type VaultReply,
} from "./vault-http.ts";
import {
  badRequest,
  fieldError,
  goDuration,
  ignoredParametersWarning,
  parseBoolean,
  parseDuration,
  parseGoBool,
  parseInteger,
  parseMap,
  parseVersionList,
  VaultHttpError,
  vaultTime,
} from "./vault-wire.ts";

export type KvServices = { data: KvDataService; metadata: KvMetadataService };

const ROOTS = new Set(["data", "metadata", "delete", "undelete", "destroy", "subkeys"]);
const METADATA_FIELDS = ["max_versions", "cas_required", "delete_version_after", "custom_metadata"] as const;

function versionMetadata(version: VersionState, customMetadata: CustomMetadata) {
  return {
    created_time: vaultTime(version.createdAt),
    custom_metadata: customMetadata,
    deletion_time: vaultTime(version.deletionTime),
    destroyed: version.destroyed,
    version: version.version,
  };
}

function keyMetadata(meta: KeyMetadata) {
  const versions: Record<string, unknown> = {};
  for (const state of meta.versions) {
    versions[String(state.version)] = {
      created_time: vaultTime(state.createdAt),
      deletion_time: vaultTime(state.deletionTime),
      destroyed: state.destroyed,
    };
  }
  return {
    cas_required: meta.settings.casRequired,
    created_time: vaultTime(meta.createdAt),
    current_version: meta.currentVersion,
    custom_metadata: meta.customMetadata,
    delete_version_after: goDuration(meta.settings.deleteVersionAfterMs),
    max_versions: meta.settings.maxVersions,
    oldest_version: meta.oldestVersion,
    updated_time: vaultTime(meta.updatedAt),
    versions,
  };
}

/** The plaintext data object, built at the last moment; fields written as JSON values come back as such. */
function plainData(
  fields: Map<string, SecretValue>,
  jsonFields: ReadonlySet<string>,
): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const name of [...fields.keys()].sort()) {
    const text = fields.get(name)!.reveal();
    data[name] = jsonFields.has(name) ? JSON.parse(text) : text;
  }
  return data;
}

function dataInput(call: AuthenticatedCall) {
  const data = parseMap("data", call.body?.["data"]);
  if (data === undefined) throw badRequest("no data provided");
  const options = parseMap("options", call.body?.["options"]);
  let cas: number | undefined;
  if (options?.["cas"] !== undefined) {
    try {
      cas = parseInteger("cas", options["cas"]);
    } catch {
      throw badRequest("error parsing check-and-set parameter");
    }
  }
  return { data, cas };
}

/** Vault's `TypeKVPairs`: an object whose values are weakly decoded to strings (null deletes, in a patch). */
function customMetadataInput(value: unknown, patch: boolean): MetadataInput["customMetadata"] {
  const map = parseMap("custom_metadata", value);
  if (map === undefined) return null;
  const out: Record<string, string | null> = {};
  for (const [name, item] of Object.entries(map)) {
    if (typeof item === "string") out[name] = item;
    else if (typeof item === "number") out[name] = String(item);
    else if (typeof item === "boolean") out[name] = item ? "1" : "0";
    else if (item === null && patch) out[name] = null;
    else throw fieldError("custom_metadata", "expected a map of strings");
  }
  return out;
}

function metadataInput(call: AuthenticatedCall): MetadataInput | undefined {
  const body = call.body ?? {};
  if (!METADATA_FIELDS.some((field) => field in body)) return undefined;
  const input: MetadataInput = {};
  if (body["max_versions"] !== undefined)
    input.maxVersions = parseInteger("max_versions", body["max_versions"]);
  if (body["cas_required"] !== undefined)
    input.casRequired = parseBoolean("cas_required", body["cas_required"]);
  if (body["delete_version_after"] !== undefined) {
    input.deleteVersionAfterMs = parseDuration("delete_version_after", body["delete_version_after"]);
  }
  if ("custom_metadata" in body) {
    input.customMetadata = customMetadataInput(body["custom_metadata"], call.operation === "patch");
  }
  return input;
}

function versionsInput(call: AuthenticatedCall, missing: string): number[] {
  const versions = parseVersionList("versions", call.body?.["versions"]);
  if (versions.length === 0) throw badRequest(missing);
  return versions;
}

/** PATCH is accepted only as a JSON merge patch (the media type, whatever its parameters). */
function requireMergePatch(call: AuthenticatedCall): void {
  const mediaType = call.contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  if (mediaType !== "application/merge-patch+json") {
    throw new VaultHttpError(415, [
      `PATCH requires Content-Type of application/merge-patch+json, provided ${mediaType}`,
    ]);
  }
}

async function handleData(call: AuthenticatedCall, mount: Mount, key: string, kv: KvServices) {
  const { ctx } = call;
  switch (call.operation) {
    case "read": {
      const versionText = call.query.get("version");
      const version = versionText === null || versionText === "" ? 0 : parseInteger("version", versionText);
      const read = await kv.data.readData(ctx, mount, key, version);
      if (read.kind === "missing") return notFound();
      const metadata = versionMetadata(read.version, read.customMetadata);
      if (read.kind === "unreadable") return rawNotFound(call, { data: null, metadata });
      return ok(call, { data: plainData(read.fields, read.jsonFields), metadata }, "kv");
    }
    case "update": {
      const written = await kv.data.writeData(ctx, mount, key, dataInput(call));
      const warnings = ignoredParametersWarning(Object.keys(call.body ?? {}), ["data", "options", "version"]);
      return ok(call, versionMetadata(written.version, written.customMetadata), "kv", warnings);
    }
    case "patch": {
      requireMergePatch(call);
      const result = await kv.data.patchData(ctx, mount, key, dataInput(call));
      if (result.kind === "missing") return { status: 404 };
      const metadata = versionMetadata(result.version, result.customMetadata);
      return result.kind === "unreadable" ? rawNotFound(call, metadata) : ok(call, metadata, "kv");
    }
    case "delete":
      await kv.data.deleteLatest(ctx, mount, key);
      return noContent();
    default:
      throw unsupportedOperation();
  }
}

async function handleMetadata(call: AuthenticatedCall, mount: Mount, key: string, kv: KvServices) {
  const { ctx } = call;
  switch (call.operation) {
    case "list": {
      const excludeDeleted = parseGoBool(call.query.get("exclude_deleted") ?? "") ?? false;
      const keys = await kv.metadata.listKeys(ctx, mount, key, excludeDeleted);
      return keys.length === 0 ? notFound() : ok(call, { keys }, "kv");
    }
    case "read": {
      const meta = await kv.metadata.readMetadata(ctx, mount, key);
      return meta === undefined ? notFound() : ok(call, keyMetadata(meta), "kv");
    }
    case "update":
    case "patch": {
      if (call.operation === "patch") requireMergePatch(call);
      const input = metadataInput(call);
      // Nothing to change is a no-op, and does not create the key either.
      if (input === undefined) return noContent();
      const mode = call.operation === "patch" ? "patch" : "replace";
      const result = await kv.metadata.writeMetadata(ctx, mount, key, input, mode);
      if (result.kind === "missing") return { status: 404 };
      return result.warning === null ? noContent() : ok(call, null, "kv", [result.warning]);
    }
    case "delete":
      await kv.metadata.deleteMetadata(ctx, mount, key);
      return noContent();
    default:
      throw unsupportedOperation();
  }
}

async function handleConfig(call: AuthenticatedCall, mount: Mount, kv: KvServices): Promise<VaultReply> {
  if (call.operation === "read") {
    const config = await kv.metadata.readConfig(call.ctx, mount);
    return ok(
      call,
      {
        cas_required: config.casRequired,
        delete_version_after: goDuration(config.deleteVersionAfterMs),
        max_versions: config.maxVersions,
      },
      "kv",
    );
  }
  if (call.operation !== "update") throw unsupportedOperation();
  const body = call.body ?? {};
  const input: Parameters<KvMetadataService["writeConfig"]>[2] = {};
  if (body["max_versions"] !== undefined)
    input.maxVersions = parseInteger("max_versions", body["max_versions"]);
  if (body["cas_required"] !== undefined)
    input.casRequired = parseBoolean("cas_required", body["cas_required"]);
  if (body["delete_version_after"] !== undefined) {
    const ms = parseDuration("delete_version_after", body["delete_version_after"]);
    // Any negative value disables delete_version_after for the whole mount; Vault keeps it as "-1s".
    input.deleteVersionAfterMs = ms < 0 ? -1000 : ms;
  }
  await kv.metadata.writeConfig(call.ctx, mount, input);
  return noContent();
}

/** Dispatches `rest`, the path inside the mount, to its endpoint. */
export async function handleKv(
  call: AuthenticatedCall,
  mount: Mount,
  rest: string,
  kv: KvServices,
): Promise<VaultReply> {
  if (rest === "config") return handleConfig(call, mount, kv);
  const slash = rest.indexOf("/");
  const root = slash === -1 ? rest : rest.slice(0, slash);
  const key = slash === -1 ? "" : rest.slice(slash + 1);
  if (slash === -1 || !ROOTS.has(root)) return invalidKvPath(call, ROOTS.has(root) && slash === -1);
  if (root === "metadata") {
    if (key === "" && call.operation !== "list") return invalidKvPath(call, true);
    return handleMetadata(call, mount, key, kv);
  }
  if (key === "") return invalidKvPath(call, true);
  if (root === "data") {
    // data/ paths must not end in "/" (so a list operation, which always does, is no data operation).
    return key.endsWith("/") ? invalidKvPath(call, false) : handleData(call, mount, key, kv);
  }
  // subkeys/ (optional in the reference) is not implemented.
  if (root === "subkeys") return invalidKvPath(call, false);
  if (call.operation !== "update") throw unsupportedOperation();
  if (root === "delete") {
    await kv.data.deleteVersions(call.ctx, mount, key, versionsInput(call, "No version number provided"));
  } else if (root === "undelete") {
    await kv.data.undeleteVersions(call.ctx, mount, key, versionsInput(call, "No version number provided"));
  } else {
    await kv.data.destroyVersions(call.ctx, mount, key, versionsInput(call, "no version number provided"));
  }
  return noContent();
}
