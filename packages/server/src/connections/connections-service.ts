// Connections: named upstreams of the egress proxy (base URL, header/query templates, allowed methods and paths),
// managed per project, and compiled once for the proxy's hot path (cached until any connection changes).
import { randomUUID } from "node:crypto";
import type { AuditService } from "../audit/audit-service.ts";
import { auditEvent } from "../audit-events.ts";
import type { Actor, RequestContext } from "../auth/permissions.ts";
import { ConflictError, NoChangesError, NotFoundError, ValidationError } from "../errors.ts";
import type { ProjectsService } from "../projects/projects-service.ts";
import { type CompiledTemplate, compileTemplate, type JsonValue } from "../refs/index.ts";
import type { ConnectionRow, ProjectRow } from "../store/database.ts";
import { isUniqueViolation } from "../store/errors.ts";
import type { Store } from "../store/store.ts";
import { isWellFormedSlug, validateSecretKey, validateSlug, validateText } from "../validation.ts";
import {
  CONNECTION_LIMITS,
  compilePathGlob,
  normaliseBaseUrl,
  type ProxyMethod,
  validateLimit,
  validateMethods,
  validatePathGlobs,
  validateTemplates,
} from "./connection-rules.ts";
import type { ConnectionsRepo } from "./connections-repo.ts";
import { presetDefaults } from "./presets.ts";

export type Connection = {
  name: string;
  description: string;
  preset: string | null;
  baseUrl: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  methods: string[] | null;
  paths: string[] | null;
  timeoutMs: number;
  maxBodyBytes: number;
  /** The secret keys its templates reference (resolved in the environment named by each proxied request). */
  references: string[];
  createdAt: string;
  createdBy: Actor;
  updatedAt: string;
  updatedBy: Actor;
};

type Settings = {
  description?: string;
  baseUrl?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  methods?: string[] | null;
  paths?: string[] | null;
  timeoutMs?: number;
  maxBodyBytes?: number;
};
export type CreateConnectionInput = Settings & { name?: string; preset?: string; secret?: string };
export type UpdateConnectionInput = Settings;

/** A connection ready for the proxy: parsed once, reused by every request until it changes. */
export type ProxyConnection = {
  name: string;
  /** The base URL, normalised when it was saved: no query, fragment or trailing slash. */
  baseUrl: URL;
  /** Its origin and host (for errors), and its path: what every request's upstream address starts with. */
  origin: string;
  host: string;
  basePath: string;
  methods: ReadonlySet<string> | null;
  paths: readonly RegExp[] | null;
  /** `{ headers, query }` as one template: one lookup resolves both. */
  template: CompiledTemplate<JsonValue>;
  timeoutMs: number;
  maxBodyBytes: number;
};

type Deps = {
  store: Store;
  repo: ConnectionsRepo;
  projects: ProjectsService;
  audit: AuditService;
  allowLoopback: boolean;
  now: () => string;
};

const LIMITS_DESCRIPTION = 2000;

function referencedKeys(row: Pick<ConnectionRow, "headers" | "query">): string[] {
  const template = compileTemplate({
    headers: JSON.parse(row.headers),
    query: JSON.parse(row.query),
  } as JsonValue);
  return [...new Set(template.secrets.map((ref) => ref.name))];
}

export function toConnection(row: ConnectionRow): Connection {
  return {
    name: row.name,
    description: row.description,
    preset: row.preset,
    baseUrl: row.base_url,
    headers: JSON.parse(row.headers) as Record<string, string>,
    query: JSON.parse(row.query) as Record<string, string>,
    methods: row.methods === null ? null : (JSON.parse(row.methods) as string[]),
    paths: row.paths === null ? null : (JSON.parse(row.paths) as string[]),
    timeoutMs: row.timeout_ms,
    maxBodyBytes: row.max_body_bytes,
    references: referencedKeys(row),
    createdAt: row.created_at,
    createdBy: JSON.parse(row.created_by) as Actor,
    updatedAt: row.updated_at,
    updatedBy: JSON.parse(row.updated_by) as Actor,
  };
}

function compileForProxy(row: ConnectionRow): ProxyConnection {
  const methods = row.methods === null ? null : new Set(JSON.parse(row.methods) as ProxyMethod[]);
  const paths = row.paths === null ? null : (JSON.parse(row.paths) as string[]).map(compilePathGlob);
  const template = compileTemplate({
    headers: JSON.parse(row.headers),
    query: JSON.parse(row.query),
  } as JsonValue);
  const baseUrl = new URL(row.base_url);
  return {
    name: row.name,
    baseUrl,
    origin: baseUrl.origin,
    host: baseUrl.host,
    basePath: baseUrl.pathname.replace(/\/$/, ""),
    methods,
    paths,
    template,
    timeoutMs: row.timeout_ms,
    maxBodyBytes: row.max_body_bytes,
  };
}

export function createConnectionsService({ store, repo, projects, audit, allowLoopback, now }: Deps) {
  const compiled = new Map<string, ProxyConnection>();
  // Bumped by every change: a lookup that raced with a change does not cache what it read.
  let generation = 0;
  const forget = () => {
    generation++;
    compiled.clear();
  };
  store.bus.subscribe("connections", forget);

  async function projectFor(
    ctx: RequestContext,
    slug: string,
    permission: "secrets:list" | "connections:manage",
  ) {
    const project = await projects.visibleProject(ctx.principal, slug);
    projects.requirePermission(ctx.principal, permission, project);
    return project;
  }

  async function findRow(project: ProjectRow, name: string): Promise<ConnectionRow> {
    const row = await repo.findByName(store.db, project.id, name);
    // A malformed name is not repeated: it may be a value pasted into the URL.
    if (row === undefined)
      throw new NotFoundError(
        isWellFormedSlug(name)
          ? `Connection "${name}" not found in project "${project.slug}"`
          : `Connection not found in project "${project.slug}": the name given is not a valid connection name`,
      );
    return row;
  }

  /** Validated settings as columns; only the fields present in `input` are returned. */
  function settingsToColumns(input: Settings): Partial<ConnectionRow> {
    const columns: Partial<ConnectionRow> = {};
    if (input.description !== undefined) {
      columns.description = validateText("description", "Description", input.description, LIMITS_DESCRIPTION);
    }
    if (input.baseUrl !== undefined) columns.base_url = normaliseBaseUrl(input.baseUrl, allowLoopback);
    if (input.headers !== undefined)
      columns.headers = JSON.stringify(validateTemplates("headers", input.headers));
    if (input.query !== undefined) columns.query = JSON.stringify(validateTemplates("query", input.query));
    if (input.methods !== undefined) {
      const methods = validateMethods(input.methods);
      columns.methods = methods === null ? null : JSON.stringify(methods);
    }
    if (input.paths !== undefined) {
      const paths = validatePathGlobs(input.paths);
      columns.paths = paths === null ? null : JSON.stringify(paths);
    }
    if (input.timeoutMs !== undefined) columns.timeout_ms = validateLimit("timeoutMs", input.timeoutMs);
    if (input.maxBodyBytes !== undefined)
      columns.max_body_bytes = validateLimit("maxBodyBytes", input.maxBodyBytes);
    return columns;
  }

  /** The preset's defaults under what the caller gave explicitly. */
  function withPreset(input: CreateConnectionInput): Settings {
    if (input.preset === undefined) {
      if (input.secret !== undefined) {
        throw new ValidationError(
          "secret",
          '"secret" goes with "preset"; without a preset, reference it in "headers"',
        );
      }
      return input;
    }
    const secret = input.secret === undefined ? undefined : validateSecretKey(input.secret);
    const defaults = presetDefaults(input.preset, secret);
    const baseUrl = input.baseUrl ?? defaults.baseUrl;
    if (baseUrl === undefined) {
      throw new ValidationError(
        "baseUrl",
        `The "${input.preset}" preset needs "baseUrl": the address of your server`,
      );
    }
    return {
      ...input,
      baseUrl,
      headers: { ...defaults.headers, ...input.headers },
      paths: input.paths === undefined ? defaults.paths : input.paths,
    };
  }

  async function publishChange(): Promise<void> {
    forget();
    await store.bus.publish("connections");
  }

  return {
    async list(ctx: RequestContext, projectSlug: string): Promise<Connection[]> {
      const project = await projectFor(ctx, projectSlug, "secrets:list");
      return (await repo.list(store.db, project.id)).map(toConnection);
    },

    async get(ctx: RequestContext, projectSlug: string, name: string): Promise<Connection> {
      const project = await projectFor(ctx, projectSlug, "secrets:list");
      return toConnection(await findRow(project, name));
    },

    async create(
      ctx: RequestContext,
      projectSlug: string,
      input: CreateConnectionInput,
    ): Promise<Connection> {
      const name = validateSlug("name", "Connection name", input.name);
      const settings = withPreset(input);
      if (settings.baseUrl === undefined)
        throw new ValidationError("baseUrl", "Connection base URL is required");
      const columns = settingsToColumns(settings);
      const project = await projectFor(ctx, projectSlug, "connections:manage");
      const at = now();
      const actor = JSON.stringify(ctx.principal.actor);
      const row: ConnectionRow = {
        id: randomUUID(),
        project_id: project.id,
        name,
        description: columns.description ?? "",
        preset: input.preset ?? null,
        base_url: columns.base_url!,
        headers: columns.headers ?? "{}",
        query: columns.query ?? "{}",
        methods: columns.methods ?? null,
        paths: columns.paths ?? null,
        timeout_ms: columns.timeout_ms ?? CONNECTION_LIMITS.timeoutMs.default,
        max_body_bytes: columns.max_body_bytes ?? CONNECTION_LIMITS.maxBodyBytes.default,
        created_at: at,
        created_by: actor,
        updated_at: at,
        updated_by: actor,
      };
      const conflict = () =>
        new ConflictError(`A connection named "${name}" already exists in project "${project.slug}"`, {
          field: "name",
        });
      if (await repo.findByName(store.db, project.id, name)) throw conflict();
      try {
        await store.transaction(async (tx) => {
          await repo.insert(tx, row);
          await audit.appendInTransaction(
            tx,
            auditEvent(ctx, "connection.create", { project: project.slug, details: { connection: name } }),
          );
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict();
        throw error;
      }
      await publishChange();
      return toConnection(row);
    },

    async update(
      ctx: RequestContext,
      projectSlug: string,
      name: string,
      input: UpdateConnectionInput,
    ): Promise<Connection> {
      const columns = settingsToColumns(input);
      const project = await projectFor(ctx, projectSlug, "connections:manage");
      const row = await findRow(project, name);
      const changed = (Object.keys(columns) as (keyof ConnectionRow)[]).filter(
        (column) => columns[column] !== row[column],
      );
      if (changed.length === 0) throw new NoChangesError();
      const changes: Partial<ConnectionRow> = Object.fromEntries(
        changed.map((column) => [column, columns[column]]),
      );
      changes.updated_at = now();
      changes.updated_by = JSON.stringify(ctx.principal.actor);
      const moved = await store.transaction(async (tx) => {
        if (!(await repo.update(tx, row.id, row.updated_at, changes))) return false;
        await audit.appendInTransaction(
          tx,
          auditEvent(ctx, "connection.update", {
            project: project.slug,
            details: { connection: name, changed: changed.join(" ") },
          }),
        );
        return true;
      });
      if (!moved) {
        throw new ConflictError(
          `Connection "${name}" was changed by someone else meanwhile; fetch it and retry`,
        );
      }
      await publishChange();
      return toConnection({ ...row, ...changes });
    },

    async remove(ctx: RequestContext, projectSlug: string, name: string): Promise<void> {
      const project = await projectFor(ctx, projectSlug, "connections:manage");
      const row = await findRow(project, name);
      await store.transaction(async (tx) => {
        await repo.delete(tx, row.id);
        await audit.appendInTransaction(
          tx,
          auditEvent(ctx, "connection.delete", { project: project.slug, details: { connection: name } }),
        );
      });
      await publishChange();
    },

    /**
     * The compiled connection for the proxy. No permission check: the proxy has checked `secrets:use` on the
     * environment. Cached while the invalidation bus is healthy; any change to any connection clears the cache.
     */
    async forProxy(project: ProjectRow, name: string): Promise<ProxyConnection> {
      const cacheKey = `${project.id}/${name}`;
      const cached = store.bus.healthy ? compiled.get(cacheKey) : undefined;
      if (cached !== undefined) return cached;
      const readAt = generation;
      const connection = compileForProxy(await findRow(project, name));
      if (store.bus.healthy && readAt === generation) compiled.set(cacheKey, connection);
      return connection;
    },
  };
}

export type ConnectionsService = ReturnType<typeof createConnectionsService>;
