// The leak canary's Vault traffic: the KV v2-compatible API (hidden from /openapi.json, so named here endpoint by
// endpoint) on the main listener and on the Vault listener, with the canary written through it and carried in
// bad input.
import { expect } from "vitest";
import { expectStatus, type SendOptions } from "./traffic.ts";
import { ENV, PROJECT, segment, type World } from "./world.ts";

/** The Vault endpoints this traffic drives; "VAULT read data" is the only one that answers with values. */
export const VAULT_ROUTES = [
  "VAULT sys/health",
  "VAULT sys/seal-status",
  "VAULT sys/mounts",
  "VAULT sys/internal/ui/mounts",
  "VAULT auth/token/lookup-self",
  "VAULT write data",
  "VAULT read data",
  "VAULT patch data",
  "VAULT delete data",
  "VAULT read metadata",
  "VAULT list metadata",
  "VAULT write metadata",
  "VAULT delete metadata",
  "VAULT delete versions",
  "VAULT undelete versions",
  "VAULT destroy versions",
  "VAULT read config",
  "VAULT write config",
] as const;

type VaultRoute = (typeof VAULT_ROUTES)[number];

const MOUNT = `${PROJECT}/${ENV}`;

export async function driveVault(w: World): Promise<void> {
  const value = w.canary.value;
  const root = { "x-vault-token": w.coffer.rootToken };
  const vault = (
    route: VaultRoute,
    label: string,
    method: string,
    path: string,
    options: Omit<SendOptions, "route"> = {},
  ) =>
    w.traffic.send(`vault: ${label}`, method, `/vault/v1/${path}`, {
      as: { anonymous: true },
      headers: { ...root, ...options.headers },
      route,
      ...(options.body === undefined ? {} : { body: options.body }),
      ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
      ...(options.origin === undefined ? {} : { origin: options.origin }),
    });

  expectStatus(await vault("VAULT sys/health", "health", "GET", "sys/health"), 200);
  expectStatus(
    await vault("VAULT sys/health", "health with a bad code", "GET", "sys/health?activecode=x"),
    400,
  );
  expectStatus(await vault("VAULT sys/seal-status", "seal status", "GET", "sys/seal-status"), 200);
  expectStatus(
    await vault("VAULT sys/seal-status", "seal status, written", "POST", "sys/seal-status", { body: {} }),
    405,
  );
  expectStatus(await vault("VAULT sys/mounts", "mounts", "GET", "sys/mounts"), 200);
  expectStatus(
    await vault("VAULT sys/mounts", "mounts with the canary as token", "GET", "sys/mounts", {
      headers: { "x-vault-token": value },
    }),
    403,
  );
  expectStatus(
    await vault("VAULT sys/internal/ui/mounts", "preflight", "GET", `sys/internal/ui/mounts/${MOUNT}`),
    200,
  );
  expectStatus(
    await vault(
      "VAULT sys/internal/ui/mounts",
      "preflight, missing mount",
      "GET",
      "sys/internal/ui/mounts/ghost/x",
    ),
    403,
  );
  expectStatus(
    await vault("VAULT auth/token/lookup-self", "lookup-self", "GET", "auth/token/lookup-self"),
    200,
  );
  expectStatus(
    await vault(
      "VAULT auth/token/lookup-self",
      "lookup-self with the canary as token",
      "GET",
      "auth/token/lookup-self",
      {
        headers: { "x-vault-token": value },
      },
    ),
    403,
  );

  const data = `${MOUNT}/data/vault/db`;
  expectStatus(
    await vault("VAULT write data", "write the canary", "POST", data, {
      body: { data: { password: value } },
    }),
    200,
  );
  expectStatus(
    await vault("VAULT write data", "write with a failed check-and-set", "POST", data, {
      body: { data: { password: value }, options: { cas: 0 } },
    }),
    400,
  );
  expectStatus(
    await vault("VAULT write data", "write with no data object", "PUT", data, { body: { data: value } }),
    400,
  );
  const read = await vault("VAULT read data", "read", "GET", data);
  expect(read.body.data.data.password).toBe(value);
  const version = await vault("VAULT read data", "read version 1", "GET", `${data}?version=1`);
  expect(version.body.data.data.password).toBe(value);
  expectStatus(
    await vault("VAULT read data", "read a missing secret", "GET", `${MOUNT}/data/vault/none`),
    404,
  );
  // A value pasted where a key goes: neither the answer nor the audit event may repeat it.
  expectStatus(
    await vault("VAULT read data", "read with the canary as key", "GET", `${MOUNT}/data/${segment(value)}`),
    404,
  );
  const listener = await w.traffic.send("vault listener: read", "GET", `/v1/${data}`, {
    origin: w.coffer.server.vaultUrl()!,
    as: { anonymous: true },
    headers: root,
    route: "VAULT read data",
  });
  expect(listener.body.data.data.password).toBe(value);
  expectStatus(
    await vault("VAULT patch data", "patch", "PATCH", data, {
      body: { data: { user: "svc" } },
      contentType: "application/merge-patch+json",
    }),
    200,
  );
  expectStatus(
    await vault("VAULT patch data", "patch as plain JSON, holding the canary", "PATCH", data, {
      body: { data: { password: value } },
    }),
    415,
  );

  const metadata = `${MOUNT}/metadata/vault/db`;
  expectStatus(await vault("VAULT read metadata", "read metadata", "GET", metadata), 200);
  expectStatus(
    await vault("VAULT read metadata", "read missing metadata", "GET", `${MOUNT}/metadata/vault/none`),
    404,
  );
  expectStatus(await vault("VAULT list metadata", "list", "GET", `${MOUNT}/metadata/vault?list=true`), 200);
  expectStatus(
    await vault("VAULT list metadata", "list nothing", "GET", `${MOUNT}/metadata/ghost?list=true`),
    404,
  );
  expectStatus(
    await vault("VAULT write metadata", "write metadata", "POST", metadata, {
      body: { custom_metadata: { team: "payments" }, max_versions: 10 },
    }),
    204,
  );
  expectStatus(
    await vault("VAULT write metadata", "write metadata with the canary as a number", "POST", metadata, {
      body: { max_versions: value },
    }),
    400,
  );
  expectStatus(
    await vault("VAULT delete versions", "delete version 1", "POST", `${MOUNT}/delete/vault/db`, {
      body: { versions: [1] },
    }),
    204,
  );
  expectStatus(
    await vault(
      "VAULT delete versions",
      "delete the canary as a version",
      "POST",
      `${MOUNT}/delete/vault/db`,
      {
        body: { versions: [value] },
      },
    ),
    400,
  );
  expectStatus(
    await vault("VAULT undelete versions", "undelete version 1", "POST", `${MOUNT}/undelete/vault/db`, {
      body: { versions: [1] },
    }),
    204,
  );
  expectStatus(
    await vault("VAULT undelete versions", "undelete no version", "POST", `${MOUNT}/undelete/vault/db`, {
      body: { note: value },
    }),
    400,
  );
  expectStatus(await vault("VAULT read config", "read config", "GET", `${MOUNT}/config`), 200);
  expectStatus(
    await vault("VAULT read config", "read config, anonymous", "GET", `${MOUNT}/config`, {
      headers: { "x-vault-token": "" },
    }),
    403,
  );
  expectStatus(
    await vault("VAULT write config", "write config", "POST", `${MOUNT}/config`, {
      body: { max_versions: 20 },
    }),
    204,
  );
  expectStatus(
    await vault(
      "VAULT write config",
      "write config with the canary as a duration",
      "POST",
      `${MOUNT}/config`,
      {
        body: { delete_version_after: value },
      },
    ),
    400,
  );

  const doomed = `${MOUNT}/data/vault/doomed`;
  expectStatus(
    await vault("VAULT write data", "write a doomed secret", "POST", doomed, {
      body: { data: { v: value } },
    }),
    200,
  );
  expectStatus(
    await vault("VAULT destroy versions", "destroy version 1", "POST", `${MOUNT}/destroy/vault/doomed`, {
      body: { versions: [1] },
    }),
    204,
  );
  expectStatus(
    await vault(
      "VAULT destroy versions",
      "destroy with the canary as versions",
      "POST",
      `${MOUNT}/destroy/vault/doomed`,
      {
        body: { versions: value },
      },
    ),
    400,
  );
  expectStatus(await vault("VAULT delete data", "delete the latest version", "DELETE", doomed), 204);
  expectStatus(
    await vault("VAULT delete data", "delete without a token", "DELETE", doomed, {
      headers: { "x-vault-token": "" },
    }),
    403,
  );
  expectStatus(
    await vault("VAULT delete metadata", "delete all versions", "DELETE", `${MOUNT}/metadata/vault/doomed`),
    204,
  );
  expectStatus(
    await vault(
      "VAULT delete metadata",
      "delete on a missing mount",
      "DELETE",
      "ghost/x/metadata/vault/doomed",
    ),
    404,
  );
}
