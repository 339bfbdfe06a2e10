// Domain errors: services throw these; http/ maps them to a status and the error body in one place.

export type ErrorDetails = Record<string, unknown>;

export class CofferError extends Error {
  readonly code: string;
  readonly details: ErrorDetails | undefined;

  constructor(code: string, message: string, details?: ErrorDetails) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

export class ValidationError extends CofferError {
  readonly field: string | undefined;

  constructor(field: string | undefined, message: string, details?: ErrorDetails) {
    super("validation_error", message, field === undefined ? details : { field, ...details });
    this.field = field;
  }
}

export class UnauthorizedError extends CofferError {
  /** True when the credential matched nothing at all: a possible guess, counted by the brute-force limiter. */
  readonly unknownCredential: boolean;

  constructor(
    message = "Authentication required: send an API token as `Authorization: Bearer coffer_…`",
    unknownCredential = false,
  ) {
    super("unauthorized", message);
    this.unknownCredential = unknownCredential;
  }
}

export class ForbiddenError extends CofferError {
  constructor(message: string, details?: ErrorDetails) {
    super("forbidden", message, details);
  }
}

export class NotFoundError extends CofferError {
  constructor(message: string) {
    super("not_found", message);
  }
}

export class ConflictError extends CofferError {
  constructor(message: string, details?: ErrorDetails) {
    super("conflict", message, details);
  }
}

/** Input over a size limit (a secret's value): the request must shrink, or the operator raise the limit. */
export class TooLargeError extends CofferError {
  constructor(message: string, details?: ErrorDetails) {
    super("payload_too_large", message, details);
  }
}

/** A count limit is reached (secrets per environment): something must be removed first, or the limit raised. */
export class LimitReachedError extends CofferError {
  constructor(message: string, details?: ErrorDetails) {
    super("limit_reached", message, details);
  }
}

export class NoChangesError extends CofferError {
  constructor(message = "No changes to save") {
    super("no_changes", message);
  }
}

/** Stored data that cannot be decrypted: fail closed, never return a wrong plaintext. */
export class IntegrityError extends CofferError {
  constructor(message: string) {
    super("integrity_error", message);
  }
}

/** Too many failures from one source or for one account: the caller must wait. */
export class RateLimitedError extends CofferError {
  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterSeconds: number) {
    super("rate_limited", message, { retryAfterSeconds });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
