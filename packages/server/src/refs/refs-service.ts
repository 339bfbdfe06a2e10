// Templates against stored secrets: resolves them (reveal), checks them (metadata only), and opens the secrets a
// template needs for server-side use by the proxy and the HTTP action — always with one query for all of them.
import type { AuditService } from "../audit/audit-service.ts";
import { auditEvent } from "../audit-events.ts";
import type { RequestContext } from "../auth/permissions.ts";
import { ValidationError } from "../errors.ts";
import type { KeysService } from "../keys/keys-service.ts";
import type { ProjectsService, Scope } from "../projects/projects-service.ts";
import type { HeadReader } from "../secrets/head-cache.ts";
import { isReadableVersion, openFields } from "../secrets/secrets-service.ts";
import {
  type CompiledTemplate,
  compileTemplate,
  DEFAULT_FIELD,
  type JsonPathSegment,
  type JsonValue,
  type ReferenceSyntax,
  type SecretFieldRef,
  type SecretValues,
} from "./index.ts";

/** A secret a template used: which version, and where its value may be sent. */
export type UsedSecret = { key: string; version: number; allowedDestinations: string[] };

/** What server-side use needs: the values for resolution, and the secrets for destination binding and audit. */
export type OpenedSecrets = { values: SecretValues; secrets: UsedSecret[] };

export type ReferenceStatus = {
  reference: string;
  key: string;
  field: string;
  syntax: ReferenceSyntax;
  location: { path: JsonPathSegment[]; line: number; column: number; offset: number };
  exists: boolean;
  problem: "secret_not_found" | "field_not_found" | null;
};

export type ReferenceCheck = { ok: boolean; references: ReferenceStatus[] };

type Deps = {
  /** Head rows of the secrets a template names (head-cache.ts). */
  heads: HeadReader;
  keys: KeysService;
  projects: ProjectsService;
  audit: AuditService;
  now: () => string;
};

/** Deeper documents are refused before compiling: the compiler recurses once per level. */
const MAX_TEMPLATE_DEPTH = 64;

function checkDepth(value: unknown, depth = 0): void {
  if (depth > MAX_TEMPLATE_DEPTH) {
    throw new ValidationError(
      "template",
      `The template is nested more than ${MAX_TEMPLATE_DEPTH} levels deep`,
    );
  }
  if (Array.isArray(value)) for (const item of value) checkDepth(item, depth + 1);
  else if (value !== null && typeof value === "object")
    for (const item of Object.values(value)) checkDepth(item, depth + 1);
}

/** Parses a template from a request body, refusing documents too deep to compile safely. */
export function compileRequestTemplate(template: unknown): CompiledTemplate<JsonValue> {
  checkDepth(template);
  return compileTemplate(template as JsonValue);
}

export function createRefsService({ heads, keys, projects, audit, now }: Deps) {
  /**
   * Decrypts the secrets `refs` names, in one query, for use inside Coffer. No permission check and no audit: the
   * caller has checked `secrets:use` or `secrets:reveal` and records the use. Missing secrets and fields are simply
   * absent from `values` (resolution then fails naming them).
   */
  async function openForUse(scope: Scope, refs: readonly SecretFieldRef[]): Promise<OpenedSecrets> {
    const names = [...new Set(refs.map((ref) => ref.name))];
    if (names.length === 0) return { values: new Map(), secrets: [] };
    const at = now();
    const rows = (await heads.listCurrent(scope.environment.id, names)).filter((row) =>
      isReadableVersion(row.version, at),
    );
    const values = new Map<string, Record<string, string>>();
    const secrets: UsedSecret[] = [];
    for (const { secret, version } of rows) {
      const fields = await openFields(keys, scope, secret, version, at, heads.opened);
      values.set(
        secret.key,
        Object.fromEntries([...fields].map(([field, value]) => [field, value.reveal()])),
      );
      secrets.push({
        key: secret.key,
        version: version.version,
        allowedDestinations: JSON.parse(secret.allowed_destinations) as string[],
      });
    }
    return { values, secrets };
  }

  return {
    openForUse,

    /** The template with every reference replaced by its value; needs `secrets:reveal`; one audit event per secret. */
    async resolve(
      ctx: RequestContext,
      projectSlug: string,
      envSlug: string,
      template: unknown,
    ): Promise<JsonValue> {
      const compiled = compileRequestTemplate(template);
      const scope = await projects.resolveScope(ctx.principal, projectSlug, envSlug, "secrets:reveal");
      const opened = await openForUse(scope, compiled.secrets);
      const resolved = compiled.resolveWith(opened.values);
      // The document leaves only once every reveal event is durable (group commit).
      await Promise.all(
        opened.secrets.map((secret) =>
          audit.record(
            auditEvent(ctx, "secret.reveal", {
              project: scope.project.slug,
              environment: scope.environment.slug,
              key: secret.key,
              version: secret.version,
              details: { via: "resolve" },
            }),
          ),
        ),
      );
      return resolved;
    },

    /** Which references a template holds and whether each exists; needs only `secrets:list`, reads no value. */
    async check(
      ctx: RequestContext,
      projectSlug: string,
      envSlug: string,
      template: unknown,
    ): Promise<ReferenceCheck> {
      const compiled = compileRequestTemplate(template);
      const scope = await projects.resolveScope(ctx.principal, projectSlug, envSlug, "secrets:list");
      const names = [...new Set(compiled.secrets.map((ref) => ref.name))];
      const at = now();
      const fieldsByKey = new Map<string, Set<string>>();
      if (names.length > 0) {
        for (const { secret, version } of await heads.listCurrent(scope.environment.id, names)) {
          if (isReadableVersion(version, at))
            fieldsByKey.set(secret.key, new Set(JSON.parse(secret.fields) as string[]));
        }
      }
      const references = compiled.references.map((occurrence): ReferenceStatus => {
        const field = occurrence.field ?? DEFAULT_FIELD;
        const fields = fieldsByKey.get(occurrence.name);
        const problem =
          fields === undefined ? "secret_not_found" : fields.has(field) ? null : "field_not_found";
        const { path, line, column, offset } = occurrence.location;
        return {
          reference: occurrence.raw,
          key: occurrence.name,
          field,
          syntax: occurrence.syntax,
          location: { path: [...path], line, column, offset },
          exists: problem === null,
          problem,
        };
      });
      return { ok: references.every((reference) => reference.exists), references };
    },
  };
}

export type RefsService = ReturnType<typeof createRefsService>;
