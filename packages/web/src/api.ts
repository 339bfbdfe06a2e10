// The one Coffer client of the UI (the SDK over the session cookie), and how its errors reach forms.
import { Coffer, CofferError } from "@coffer/sdk";

type UnauthorizedListener = () => void;

let csrfToken: string | undefined;
let onUnauthorized: UnauthorizedListener = () => {};

/**
 * Every request of the UI goes through this client. The session is an HttpOnly cookie the page never
 * sees; the CSRF token learnt at sign-in (or from `auth.me` after a reload) rides on state-changing calls.
 */
export const coffer = new Coffer({
  url: window.location.origin,
  credentials: "include",
  csrfToken: () => csrfToken,
  // Observes answers only: a 401 anywhere but the sign-in form means the session has ended.
  fetch: async (input, init) => {
    const response = await globalThis.fetch(input, init);
    if (response.status === 401 && !String(input).endsWith("/v1/auth/login")) onUnauthorized();
    return response;
  },
});

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export function setUnauthorizedListener(listener: UnauthorizedListener): void {
  onUnauthorized = listener;
}

/** A message for a person: the server's own (it says what to do), or a plain one for a dropped connection. */
export function errorMessage(error: unknown): string {
  if (error instanceof CofferError) {
    if (error.code === "network_error") return "Could not reach the Coffer server. Check your connection.";
    if (error.code === "timeout") return "The Coffer server took too long to answer. Try again.";
    return error.message;
  }
  return error instanceof Error ? error.message : "Something went wrong";
}

export type FormError = { field: string | undefined; message: string };

/**
 * Places an API error next to the field it names (`details.field`), mapping the API's field names to
 * the form's; errors that name no field of the form are shown for the whole form.
 */
export function formError(error: unknown, fieldMap: Record<string, string>): FormError {
  const message = errorMessage(error);
  if (!(error instanceof CofferError)) return { field: undefined, message };
  const field = error.details?.["field"];
  if (typeof field === "string" && Object.hasOwn(fieldMap, field)) return { field: fieldMap[field], message };
  return { field: undefined, message };
}

export function isAborted(error: unknown): boolean {
  return error instanceof CofferError && error.code === "aborted";
}
