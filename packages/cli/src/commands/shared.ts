// Pieces several command groups share: the confirmation before a permanent deletion, and --force.

import { CofferError } from "@coffer/sdk";
import { type Invocation, type OptionSpecs, UsageError } from "../args.ts";
import { confirm } from "../io.ts";

export const forceOption: OptionSpecs = {
  force: { type: "boolean", description: "also delete it when it still holds secrets" },
};

export const yesOption: OptionSpecs = {
  yes: { type: "boolean", short: "y", description: "do not ask for confirmation" },
};

/**
 * Resolves when the deletion may go ahead: `--yes`, or a "y" typed at the terminal; rejects otherwise.
 * Without a terminal there is nobody to ask, so a script must say `--yes` rather than delete by accident.
 */
export async function confirmDeletion(invocation: Invocation, question: string): Promise<void> {
  if (invocation.flags.boolean("yes")) return;
  if (!invocation.io.stdin.isTTY) {
    throw new UsageError("refusing to delete without confirmation: pass --yes (stdin is not a terminal)");
  }
  if (!(await confirm(invocation.io, question))) throw new Error("cancelled: nothing was deleted");
}

/** Runs a project/environment deletion; a refusal because it holds secrets gets the CLI's way out. */
export async function deleteOrExplainForce(
  invocation: Invocation,
  remove: () => Promise<void>,
): Promise<void> {
  try {
    await remove();
  } catch (error) {
    if (invocation.flags.boolean("force") || !(error instanceof CofferError) || error.code !== "conflict")
      throw error;
    // The server's message speaks of the API's `?force=true`.
    throw new Error(`${error.message}\nTo delete it with its secrets, run the command again with --force.`);
  }
}
