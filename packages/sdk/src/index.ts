// @coffer/sdk: the TypeScript client of Coffer's REST API. Zero dependencies, standard fetch only.

export type { AuditApi, AuditFilterOptions, AuditPageOptions, ListAuditOptions } from "./audit.ts";
export type { AuthApi } from "./auth.ts";
export { Coffer, type CofferOptions } from "./client.ts";
export type { ConnectionsApi } from "./connections.ts";
export type { DeleteEnvironmentOptions, EnvironmentsApi } from "./environments.ts";
export { CofferError, type CofferErrorCode } from "./errors.ts";
export type { CsrfTokenSource } from "./http.ts";
export type { KeysApi, RotateDataKeysOptions } from "./keys.ts";
export type { MembersApi } from "./members.ts";
export type { DeleteProjectOptions, ProjectsApi } from "./projects.ts";
export type { ProxyApi, ProxyRequestInit } from "./proxy.ts";
export type { ReferencesApi, Template } from "./references.ts";
export type { CallOptions, EnvironmentCallOptions, ProjectCallOptions } from "./scope.ts";
export type {
  BatchOptions,
  ListSecretsOptions,
  SecretChange,
  SecretInput,
  SecretPageOptions,
  SecretsApi,
  SecretWriteOptions,
} from "./secrets.ts";
export type { TokensApi } from "./tokens.ts";
export type * from "./types.ts";
export type { UsersApi } from "./users.ts";
