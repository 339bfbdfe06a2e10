// The one place where errors become HTTP responses: status, `{ error: { code, message, details } }`, no input echoed.
import type { FastifyError, FastifyRequest } from "fastify";
import { CofferError } from "../errors.ts";
import { TemplateReferenceError } from "../refs/index.ts";
import {
  isStorageDamaged,
  isStorageFull,
  isUniqueViolation,
  isUnstorableInput,
  STORAGE_DAMAGED_MESSAGE,
  STORAGE_FULL_MESSAGE,
  UNSTORABLE_INPUT_MESSAGES,
} from "../store/errors.ts";

const STATUS_BY_CODE: Record<string, number> = {
  validation_error: 400,
  unauthorized: 401,
  forbidden: 403,
  egress_refused: 403,
  not_found: 404,
  conflict: 409,
  // The environment's state (how many secrets it holds) conflicts with the request, as for a duplicate key.
  limit_reached: 409,
  payload_too_large: 413,
  no_changes: 422,
  rate_limited: 429,
  integrity_error: 500,
  upstream_unavailable: 502,
  upstream_invalid: 502,
  upstream_timeout: 504,
};

/** Messages for a missing required property, where the product has a fixed wording. */
const REQUIRED_MESSAGES: Record<string, string> = {
  key: "Secret key is required",
  value: "Secret value is required",
};

/** Safe, fixed messages for framework errors: never the parser's own text, which can quote the body. */
const FRAMEWORK_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: "unsupported_media_type",
    message: "Send the request body as JSON with `Content-Type: application/json`",
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: "payload_too_large",
    message: "The request body is larger than the server accepts",
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: "validation_error",
    message: "The request body is empty; send a JSON object",
  },
  // Raised by the router before any route runs; the path is not quoted (a URL can hold a pasted value).
  FST_ERR_BAD_URL: {
    status: 400,
    code: "validation_error",
    message: "The URL path is not valid percent-encoded UTF-8",
  },
  FST_ERR_MAX_PARAM_LENGTH: {
    status: 414,
    code: "uri_too_long",
    message: "A path parameter is longer than the server accepts",
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: "validation_error",
    message: "The Content-Length header does not match the body",
  },
};

type AjvError = {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
};

function fieldName(instancePath: string, child?: string): string {
  const parts = instancePath.split("/").filter((part) => part !== "");
  if (child !== undefined) parts.push(child);
  return parts.join(".");
}

function describeValidation(
  error: AjvError,
  context: string | undefined,
): { field: string; message: string } {
  const where =
    context === "querystring" ? "Query parameter" : context === "params" ? "Path parameter" : "Field";
  switch (error.keyword) {
    case "required": {
      const missing = String(error.params["missingProperty"]);
      const field = fieldName(error.instancePath, missing);
      return { field, message: REQUIRED_MESSAGES[field] ?? `${where} "${field}" is required` };
    }
    case "additionalProperties": {
      const extra = String(error.params["additionalProperty"]).slice(0, 100);
      const field = fieldName(error.instancePath, extra);
      return {
        field,
        message: `Unknown ${where.toLowerCase()} "${field}": remove it (see /openapi.json for the accepted fields)`,
      };
    }
    case "type": {
      const field = fieldName(error.instancePath) || "body";
      const expected = String(error.params["type"]);
      const article = /^[aeiou]/.test(expected) ? "an" : "a";
      return { field, message: `${where} "${field}" must be ${article} ${expected}` };
    }
    default: {
      const field = fieldName(error.instancePath) || "body";
      return { field, message: `${where} "${field}" ${error.message ?? "is not valid"}` };
    }
  }
}

export function errorBody(code: string, message: string, details?: Record<string, unknown>) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

export type ErrorResponse = { status: number; body: ReturnType<typeof errorBody> };

/** Turns any error into its status and body; logs the unexpected ones (never with input values). */
export function describeError(error: FastifyError | Error, request: FastifyRequest): ErrorResponse {
  if (error instanceof TemplateReferenceError) {
    // Names and positions of references only: a template error never holds a value.
    return { status: 400, body: errorBody(error.code, error.message, { problems: error.problems }) };
  }
  if (error instanceof CofferError) {
    const status = STATUS_BY_CODE[error.code] ?? 400;
    if (status >= 500) request.log.error({ code: error.code, message: error.message }, "request failed");
    return { status, body: errorBody(error.code, error.message, error.details) };
  }
  if (isStorageFull(error)) {
    // 507: the write was refused for lack of space and rolled back; reads go on, writes succeed once space returns.
    request.log.error({ code: "storage_full" }, "the database is out of space; the request was rolled back");
    return { status: 507, body: errorBody("storage_full", STORAGE_FULL_MESSAGE) };
  }
  const unstorable = isUnstorableInput(error);
  if (unstorable !== undefined) {
    return { status: 400, body: errorBody("validation_error", UNSTORABLE_INPUT_MESSAGES[unstorable]) };
  }
  if (isUniqueViolation(error)) {
    // Two requests created the same thing at once: both passed the service's existence check, the database kept
    // one. The driver's message is not used: PostgreSQL's quotes the duplicate value.
    return {
      status: 409,
      body: errorBody(
        "conflict",
        "It already exists: a concurrent request created it first; fetch it or pick another name",
      ),
    };
  }
  if (isStorageDamaged(error)) {
    request.log.error({ code: "storage_damaged", message: error.message }, "the database file is damaged");
    return { status: 500, body: errorBody("storage_damaged", STORAGE_DAMAGED_MESSAGE) };
  }
  const fastifyError = error as FastifyError & { validation?: AjvError[]; validationContext?: string };
  if (Array.isArray(fastifyError.validation) && fastifyError.validation[0] !== undefined) {
    const { field, message } = describeValidation(fastifyError.validation[0], fastifyError.validationContext);
    return { status: 400, body: errorBody("validation_error", message, { field }) };
  }
  const known = fastifyError.code === undefined ? undefined : FRAMEWORK_ERRORS[fastifyError.code];
  if (known !== undefined) return { status: known.status, body: errorBody(known.code, known.message) };
  if (error instanceof SyntaxError || fastifyError.code === "FST_ERR_CTP_INVALID_JSON_BODY") {
    return { status: 400, body: errorBody("validation_error", "The request body is not valid JSON") };
  }
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return { status, body: errorBody("bad_request", "The request could not be processed") };
  }
  request.log.error(
    { err: { type: error.name, message: error.message, stack: error.stack } },
    "unexpected error",
  );
  return {
    status: 500,
    body: errorBody(
      "internal",
      `An unexpected error occurred; quote request id ${request.id} when reporting it`,
    ),
  };
}
