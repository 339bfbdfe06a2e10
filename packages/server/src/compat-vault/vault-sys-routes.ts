// The system endpoints Vault clients call besides KV: sys/health, sys/seal-status, sys/mounts, the CLI's KV-version
// preflight (sys/internal/ui/mounts), and auth/token/lookup-self.
import type { RequestContext } from "../auth/permissions.ts";
import {
  type AuthenticatedCall,
  noHandler,
  ok,
  permissionDenied,
  unsupportedOperation,
  type VaultCall,
  type VaultReply,
} from "./vault-http.ts";
import type { MountEntry, VaultSystemService } from "./vault-system-service.ts";
import { VaultHttpError, vaultTime } from "./vault-wire.ts";

/** The Vault version whose API Coffer answers like (clients gate features on it). */
export const VAULT_API_VERSION = "1.21.0";

const HEALTH_CODES = [
  "activecode",
  "standbycode",
  "drsecondarycode",
  "haunhealthycode",
  "performancestandbycode",
  "removedcode",
  "sealedcode",
  "uninitcode",
];

/** Coffer is always initialised, unsealed and active: the status is `activecode` (200 unless asked otherwise). */
export function health(call: VaultCall, now: Date): VaultReply {
  if (call.operation !== "read" && call.operation !== "header") return { status: 405, body: { errors: [] } };
  for (const name of HEALTH_CODES) {
    const value = call.query.get(name);
    const code = Number(value);
    if (value !== null && (!/^\d{3}$/.test(value) || code < 100 || code > 599)) {
      return { status: 400, body: { errors: [] } };
    }
  }
  const status = Number(call.query.get("activecode") ?? 200);
  return {
    status,
    body: {
      initialized: true,
      sealed: false,
      standby: false,
      performance_standby: false,
      replication_performance_mode: "disabled",
      replication_dr_mode: "disabled",
      server_time_utc: Math.floor(now.getTime() / 1000),
      version: VAULT_API_VERSION,
      enterprise: false,
      echo_duration_ms: 0,
      clock_skew_ms: 0,
      replication_primary_canary_age_ms: 0,
    },
  };
}

export function sealStatus(call: VaultCall): VaultReply {
  if (call.operation !== "read") throw unsupportedOperation();
  return {
    status: 200,
    body: {
      type: "shamir",
      initialized: true,
      sealed: false,
      t: 1,
      n: 1,
      progress: 0,
      nonce: "",
      version: VAULT_API_VERSION,
      build_date: "2025-10-01T00:00:00Z",
      migration: false,
      recovery_seal: false,
      storage_type: "coffer",
    },
  };
}

function mountInfo(mount: MountEntry) {
  return {
    accessor: `kv_${mount.id.slice(0, 8)}`,
    config: { default_lease_ttl: 0, force_no_cache: false, max_lease_ttl: 0 },
    deprecation_status: "supported",
    description: mount.description,
    external_entropy_access: false,
    local: false,
    options: { version: "2" },
    plugin_version: "",
    running_plugin_version: "v0.26.2+builtin",
    running_sha256: "",
    seal_wrap: false,
    type: "kv",
    uuid: mount.id,
  };
}

const TOKEN_AUTH_MOUNT = { type: "token", description: "token based credentials", options: null };

/** `GET sys/internal/ui/mounts`: unauthenticated; with a valid token, the mounts it can see. */
export async function listUiMounts(
  call: VaultCall,
  ctx: RequestContext | undefined,
  system: VaultSystemService,
) {
  if (call.operation !== "read") throw unsupportedOperation();
  const secret: Record<string, unknown> = {};
  for (const mount of ctx === undefined ? [] : await system.visibleMounts(ctx))
    secret[mount.path] = mountInfo(mount);
  return ok(call, { auth: { "token/": TOKEN_AUTH_MOUNT }, secret }, "system");
}

export async function handleSys(call: AuthenticatedCall, system: VaultSystemService): Promise<VaultReply> {
  if (call.path === "sys/mounts") {
    if (call.operation !== "read") throw unsupportedOperation();
    const mounts: Record<string, unknown> = {};
    for (const mount of await system.visibleMounts(call.ctx)) mounts[mount.path] = mountInfo(mount);
    // This endpoint repeats the mount map at the top level of the envelope, as Vault does.
    const reply = ok(call, mounts, "system");
    return { status: 200, body: { ...mounts, ...(reply.body as object) } };
  }
  const preflight = "sys/internal/ui/mounts/";
  if (call.path.startsWith(preflight)) return uiMount(call, call.path.slice(preflight.length), system);
  throw noHandler(call.path);
}

/** The Vault CLI's preflight: which mount holds a path, and that it is KV version 2. */
async function uiMount(call: AuthenticatedCall, path: string, system: VaultSystemService) {
  if (call.operation !== "read") throw unsupportedOperation();
  const [project, environment] = path.split("/");
  const mount = project && environment ? await system.findMount(call.ctx, project, environment) : undefined;
  if (mount === undefined) {
    const shown = path.endsWith("/") ? path : `${path}/`;
    throw new VaultHttpError(403, [
      `preflight capability check returned 403, please ensure client's policies grant access to path "${shown}"`,
    ]);
  }
  return ok(call, { ...mountInfo(mount), path: mount.path }, "system");
}

export async function handleAuth(
  call: AuthenticatedCall,
  token: string,
  system: VaultSystemService,
): Promise<VaultReply> {
  if (call.path !== "auth/token/lookup-self") throw noHandler(call.path);
  if (call.operation !== "read" && call.operation !== "update") throw unsupportedOperation();
  const principal = call.ctx.principal;
  if (principal.kind !== "token") throw permissionDenied();
  const info = await system.describeToken(principal);
  const created = Date.parse(info.createdAt);
  const expires = info.expiresAt === null ? null : Date.parse(info.expiresAt);
  const data: Record<string, unknown> = {
    accessor: info.id,
    creation_time: Math.floor(created / 1000),
    creation_ttl: expires === null ? 0 : Math.round((expires - created) / 1000),
    display_name: info.name,
    entity_id: "",
    expire_time: expires === null ? null : vaultTime(info.expiresAt),
    explicit_max_ttl: 0,
    // The Vault CLI stores what it finds here as the token to use: it must be the token itself.
    id: token,
    ...(expires === null ? {} : { issue_time: vaultTime(info.createdAt) }),
    meta: { environments: info.environments?.join(",") ?? "*", projects: info.projects.join(",") },
    num_uses: 0,
    orphan: true,
    path: "auth/token/create",
    policies: info.permissions,
    ...(expires === null ? {} : { renewable: false }),
    ttl: expires === null ? 0 : Math.max(1, Math.ceil((expires - Date.now()) / 1000)),
    type: "service",
  };
  return ok(call, data, "token");
}
