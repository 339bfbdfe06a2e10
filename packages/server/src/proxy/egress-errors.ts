// The errors of egress (proxy and HTTP action): refusals that name their rule, and upstream failures. Never a value.
import { CofferError } from "../errors.ts";

/** The rules a request can break; each refusal names one, in its message and in `details.rule`. */
export type EgressRule =
  | "https_required"
  | "userinfo"
  | "ip_literal"
  | "ip_literal_form"
  | "dot_segment"
  | "encoded_slash"
  | "reference_in_host"
  | "no_allowed_destinations"
  | "destination_not_allowed"
  | "private_address"
  | "method_not_allowed"
  | "path_not_allowed";

/** A request that Coffer will not send: answered 403, before any value leaves. */
export class EgressRefusedError extends CofferError {
  readonly rule: EgressRule;

  constructor(rule: EgressRule, message: string, details: Record<string, unknown> = {}) {
    super("egress_refused", `Refused by rule "${rule}": ${message}`, { rule, ...details });
    this.rule = rule;
  }
}

/** The upstream could not be reached, answered badly or too slowly: 502 or 504, with a fixed message. */
export class UpstreamError extends CofferError {
  constructor(code: "upstream_unavailable" | "upstream_timeout" | "upstream_invalid", message: string) {
    super(code, message);
  }
}

/** A request body over the connection's (or the action's) limit: 413. */
export class PayloadTooLargeError extends CofferError {
  constructor(limitBytes: number) {
    super(
      "payload_too_large",
      `The request body is larger than this connection accepts (${limitBytes} bytes)`,
      {
        limitBytes,
      },
    );
  }
}
