// createServer(config): opens storage and keys, wires the services, and returns a server to listen on and close.
import { readFileSync } from "node:fs";
import type { Server as TlsServer } from "node:tls";
import type { DestinationStream, Logger } from "pino";
import { createThreadBatchWriter } from "./audit/audit-batch-writer.ts";
import { createAuditRepo } from "./audit/audit-repo.ts";
import { type AuditService, createAuditService } from "./audit/audit-service.ts";
import { createFailureLimiter } from "./auth/rate-limit.ts";
import { createTokensRepo } from "./auth/tokens-repo.ts";
import { createTokensService, type TokensService } from "./auth/tokens-service.ts";
import { isoClock } from "./clock.ts";
import { installListMethodShim } from "./compat-vault/list-method-shim.ts";
import { createVaultListener } from "./compat-vault/vault-listener.ts";
import { createVaultServices } from "./compat-vault/vault-services.ts";
import type { Config } from "./config.ts";
import { createConnectionsRepo } from "./connections/connections-repo.ts";
import { createConnectionsService } from "./connections/connections-service.ts";
import type { MasterKeyInput } from "./crypto/master-key.ts";
import { buildApp } from "./http/app.ts";
import type { App } from "./http/app-type.ts";
import { createDataKeyRotation } from "./keys/data-key-rotation.ts";
import { createKeysRepo } from "./keys/keys-repo.ts";
import { openKeys } from "./keys/keys-service.ts";
import { createLoggers } from "./logger.ts";
import { createMembersRepo } from "./members/members-repo.ts";
import { createMembersService } from "./members/members-service.ts";
import { createProjectsRepo } from "./projects/projects-repo.ts";
import { createProjectsService } from "./projects/projects-service.ts";
import { createEgressAgent } from "./proxy/egress-agent.ts";
import { createEgressClient } from "./proxy/egress-client.ts";
import { createHttpActionService } from "./proxy/http-action-service.ts";
import { createProxyService } from "./proxy/proxy-service.ts";
import { createRefsService } from "./refs/refs-service.ts";
import { createHeadReader } from "./secrets/head-cache.ts";
import { createSecretsRepo } from "./secrets/secrets-repo.ts";
import { createSecretsService } from "./secrets/secrets-service.ts";
import { openPostgresStore } from "./store/postgres-store.ts";
import { openSqliteStore, type Store } from "./store/store.ts";
import { createUsersRepo } from "./users/users-repo.ts";
import { createUsersService, type UsersService } from "./users/users-service.ts";

export type CofferServer = {
  app: App;
  tokens: TokensService;
  users: UsersService;
  audit: AuditService;
  /** True when this start created the instance (a new, empty database). */
  created: boolean;
  /** Re-reads the TLS certificate and key (on SIGHUP), for renewed certificates without a restart. */
  reloadTls(): void;
  listen(): Promise<string>;
  /** The address of the Vault-compatible listener (--vault-port) once listening; undefined without one. */
  vaultUrl(): string | undefined;
  close(): Promise<void>;
};

export type ServerOptions = { masterKey: MasterKeyInput; logDestination?: DestinationStream };

const MINUTE = 60_000;

/** Benchmarks only: an audit service that records nothing, to measure what auditing costs. */
function disabledAudit(): AuditService {
  return {
    appendInTransaction: async () => undefined,
    appendManyInTransaction: async () => undefined,
    record: async () => undefined,
    list: async () => ({ events: [], nextCursor: null }),
    verify: async () => ({ ok: true, checked: 0 }),
    flush: async () => undefined,
    close: async () => undefined,
  };
}

/** The embedded SQLite file by default; PostgreSQL when COFFER_DATABASE_URL is set. */
export async function openStore(
  config: Pick<Config, "database" | "databaseFile"> & Partial<Pick<Config, "storageMaxBytes">>,
  logger?: Logger,
): Promise<Store> {
  if (config.database === undefined) {
    return openSqliteStore({ file: config.databaseFile, maxBytes: config.storageMaxBytes });
  }
  return openPostgresStore({ ...config.database, ...(logger === undefined ? {} : { logger }) });
}

export async function createServer(config: Config, options: ServerOptions): Promise<CofferServer> {
  const now = isoClock();
  const { logger, requestLogger } = createLoggers(config.logLevel, options.logDestination);
  const store = await openStore(config, logger);
  try {
    const created = !(await store.isInitialised());
    const keysRepo = createKeysRepo();
    const keys = await openKeys(
      store,
      keysRepo,
      { current: options.masterKey, previous: config.masterKeyPrevious },
      now,
    );
    const audit = config.benchDisableAudit
      ? disabledAudit()
      : createAuditService({
          store,
          repo: createAuditRepo(),
          key: keys.auditKey,
          now,
          // On the embedded database, the durable commits of audit batches run on a thread of their own.
          ...(store.sqlite === undefined
            ? {}
            : { batchWriter: createThreadBatchWriter(store, store.sqlite, keys.auditKey) }),
        });
    const membersRepo = createMembersRepo();
    const usersRepo = createUsersRepo();
    const projects = createProjectsService({
      store,
      repo: createProjectsRepo(),
      members: membersRepo,
      keys,
      audit,
      now,
    });
    const secretsRepo = createSecretsRepo();
    // One cache of head rows for every reader of values: reveals, templates, the proxy.
    const heads = createHeadReader(store, secretsRepo);
    const secrets = createSecretsService({
      store,
      repo: secretsRepo,
      heads,
      projects,
      keys,
      audit,
      limits: config.limits,
      now,
    });
    const tokens = createTokensService({ store, repo: createTokensRepo(), keys, projects, audit, now });
    const users = createUsersService({
      store,
      repo: usersRepo,
      members: membersRepo,
      keysRepo,
      keys,
      audit,
      limiters: {
        account: createFailureLimiter({
          describe: "sign-in attempts",
          maxFailures: 5,
          windowMs: 15 * MINUTE,
          baseLockMs: 30_000,
          maxLockMs: 15 * MINUTE,
        }),
        source: createFailureLimiter({
          describe: "sign-in attempts from this address",
          maxFailures: 30,
          windowMs: 15 * MINUTE,
          baseLockMs: 30_000,
          maxLockMs: 15 * MINUTE,
        }),
      },
      policy: config.session,
      now,
    });
    const members = createMembersService({
      store,
      repo: membersRepo,
      users: usersRepo,
      projects,
      audit,
      onChange: () => users.invalidate(),
      now,
    });
    const policy = { allowLoopback: config.proxyAllowLoopback };
    const connections = createConnectionsService({
      store,
      repo: createConnectionsRepo(),
      projects,
      audit,
      allowLoopback: policy.allowLoopback,
      now,
    });
    const refs = createRefsService({ heads, keys, projects, audit, now });
    const egress = createEgressClient(createEgressAgent(policy));
    const proxy = createProxyService({ projects, connections, refs, audit, egress });
    const httpActions = createHttpActionService({ projects, refs, audit, egress, policy });
    const tokenLimiter = createFailureLimiter({
      describe: "token authentications from this address",
      maxFailures: 20,
      windowMs: 5 * MINUTE,
      baseLockMs: 10_000,
      maxLockMs: 15 * MINUTE,
    });
    const keyRotation = createDataKeyRotation({ store, repo: keysRepo, keys, projects, audit, logger, now });
    const tlsFiles = () =>
      config.tls === undefined
        ? undefined
        : { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) };
    const app = await buildApp({
      keyRotation,
      https: tlsFiles(),
      limits: config.limits,
      logger,
      requestLogger,
      bodyLimitBytes: config.bodyLimitBytes,
      projects,
      secrets,
      tokens,
      users,
      members,
      audit,
      connections,
      refs,
      proxy,
      httpActions,
      tokenLimiter,
      vault: createVaultServices({
        store,
        projects,
        keys,
        audit,
        secretsRepo: createSecretsRepo(),
        tokensRepo: createTokensRepo(),
        limits: config.limits,
        now,
      }),
      ready: store.ping,
    });
    // Vault clients send the LIST method, which Node's HTTP parser refuses: both listeners read through a shim.
    installListMethodShim(app.server);
    const vaultListener = config.vaultPort === undefined ? undefined : createVaultListener(app);
    let vaultUrl: string | undefined;
    return {
      app,
      tokens,
      users,
      audit,
      created,
      reloadTls() {
        const files = tlsFiles();
        if (files !== undefined) (app.server as unknown as TlsServer).setSecureContext(files);
      },
      async listen() {
        app.server.maxConnections = config.limits.maxConnections;
        await app.listen({ host: config.host, port: config.port });
        // An interrupted data-key rotation picks up where it stopped.
        keyRotation.resume();
        const address = app.server.address();
        const port = typeof address === "object" && address !== null ? address.port : config.port;
        const host = config.host.includes(":") ? `[${config.host}]` : config.host;
        if (vaultListener !== undefined && config.vaultPort !== undefined) {
          vaultUrl = await vaultListener.listen(config.host, config.vaultPort);
        }
        return `${config.tls === undefined ? "http" : "https"}://${host}:${port}`;
      },
      vaultUrl: () => vaultUrl,
      async close() {
        await vaultListener?.close();
        // A request under way when closing starts keeps its keep-alive connection open once answered, and the
        // close would wait for the client (a load balancer) to drop it: sweep connections as they become idle.
        const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
        try {
          await app.close();
        } finally {
          clearInterval(sweep);
        }
        await keyRotation.stop();
        await egress.close();
        await audit.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
