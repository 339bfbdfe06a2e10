// Turns a failure into the one or two lines a person reads on stderr.

import { CofferError } from "@coffer/sdk";

/**
 * `Error: <message>`, plus the field or permission the server names when the message does not
 * already say it, plus a hint for the failures a user can fix on their side. Never a value.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof CofferError)) {
    return `Error: ${error instanceof Error ? error.message : String(error)}`;
  }
  const field = error.details?.["field"];
  const permission = error.details?.["permission"];
  let line = `Error: ${error.message}`;
  if (typeof field === "string" && !error.message.includes(field)) line += ` (field: ${field})`;
  if (typeof permission === "string" && !error.message.includes(permission)) line += ` (needs ${permission})`;
  const hint = hintFor(error);
  return hint ? `${line}\n${hint}` : line;
}

function hintFor(error: CofferError): string | undefined {
  switch (error.code) {
    case "network_error":
    case "timeout":
      return "Is the Coffer server running at that address? Set COFFER_ADDR or pass --addr.";
    case "unauthorized":
      return "Check COFFER_TOKEN (or --token): it may be mistyped, expired or revoked.";
    default:
      return undefined;
  }
}
