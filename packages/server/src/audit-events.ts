// Builds audit events from a request context: who did what, where from. Never a value.
import type { AuditEvent } from "./audit/audit-service.ts";
import type { RequestContext } from "./auth/permissions.ts";

type Target = Omit<AuditEvent, "action" | "outcome" | "actor" | "requestId" | "sourceIp" | "userAgent">;

export function auditEvent(ctx: RequestContext, action: string, target: Target = {}): AuditEvent {
  return {
    action,
    outcome: "success",
    actor: ctx.principal.actor,
    requestId: ctx.requestId,
    sourceIp: ctx.sourceIp,
    userAgent: ctx.userAgent,
    ...target,
  };
}
