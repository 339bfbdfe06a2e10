// The Fastify instance type every route module registers on (TypeBox schemas give the handlers their types).
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from "fastify";
import type { RequestContext } from "../auth/permissions.ts";

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the authentication hook on every /v1 route: who is calling, and from where. */
    ctx: RequestContext;
    /**
     * Records a refused or failed request in the audit log, as the error handler does; for routes that answer an
     * error themselves after taking over the reply (the proxy, when the upstream's answer breaks off before its body).
     */
    auditFailure(status: number): Promise<void>;
  }
  interface FastifyContextConfig {
    /** Routes that answer without a token (health, the OpenAPI document). */
    public?: boolean;
  }
}
