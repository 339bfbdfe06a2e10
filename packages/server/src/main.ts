// createServer(config): opens storage and keys, wires the services, and returns a server to listen on and close.
import type { DestinationStream } from "pino";
import { createTokensRepo } from "./auth/tokens-repo.ts";
import { createTokensService, type TokensService } from "./auth/tokens-service.ts";
import type { Config } from "./config.ts";
import type { MasterKeyInput } from "./crypto/master-key.ts";
import { buildApp } from "./http/app.ts";
import type { App } from "./http/app-type.ts";
import { createKeysRepo } from "./keys/keys-repo.ts";
import { openKeys } from "./keys/keys-service.ts";
import { createLogger } from "./logger.ts";
import { createProjectsRepo } from "./projects/projects-repo.ts";
import { createProjectsService } from "./projects/projects-service.ts";
import { createSecretsRepo } from "./secrets/secrets-repo.ts";
import { createSecretsService } from "./secrets/secrets-service.ts";
import { openSqliteStore } from "./store/store.ts";

export type CofferServer = {
  app: App;
  tokens: TokensService;
  /** True when this start created the instance (a new, empty database). */
  created: boolean;
  listen(): Promise<string>;
  close(): Promise<void>;
};

export type ServerOptions = { masterKey: MasterKeyInput; logDestination?: DestinationStream };

export async function createServer(config: Config, options: ServerOptions): Promise<CofferServer> {
  const now = () => new Date().toISOString();
  const logger = createLogger(config.logLevel, options.logDestination);
  const store = openSqliteStore({ file: config.databaseFile });
  let created = false;
  try {
    created = !(await store.isInitialised());
    const keys = await openKeys(store, createKeysRepo(), options.masterKey, now);
    const projects = createProjectsService({ store, repo: createProjectsRepo(), keys, now });
    const secrets = createSecretsService({ store, repo: createSecretsRepo(), projects, keys, now });
    const tokens = createTokensService({ store, repo: createTokensRepo(), keys, projects, now });
    const app = await buildApp({
      logger,
      bodyLimitBytes: config.bodyLimitBytes,
      projects,
      secrets,
      tokens,
      ready: store.ping,
    });
    return {
      app,
      tokens,
      created,
      async listen() {
        await app.listen({ host: config.host, port: config.port });
        const address = app.server.address();
        const port = typeof address === "object" && address !== null ? address.port : config.port;
        const host = config.host.includes(":") ? `[${config.host}]` : config.host;
        return `http://${host}:${port}`;
      },
      async close() {
        await app.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
