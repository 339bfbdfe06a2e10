// @coffer/sdk: the TypeScript client of Coffer's REST API. Zero dependencies, standard fetch only.

export { Coffer, type CofferOptions } from "./client.ts";
export type { DeleteEnvironmentOptions, EnvironmentsApi } from "./environments.ts";
export { CofferError, type CofferErrorCode } from "./errors.ts";
export type { DeleteProjectOptions, ProjectsApi } from "./projects.ts";
export type { ProxyApi, ProxyRequestInit } from "./proxy.ts";
export type { ReferencesApi, Template } from "./references.ts";
export type { CallOptions, EnvironmentCallOptions, ProjectCallOptions } from "./scope.ts";
export type {
  ListSecretsOptions,
  SecretChange,
  SecretInput,
  SecretPageOptions,
  SecretsApi,
  SecretWriteOptions,
} from "./secrets.ts";
export type { TokensApi } from "./tokens.ts";
export type * from "./types.ts";
