// The Delete confirmation: shows the key, warns that deletion is permanent, and asks for the key typed out.
import type { Secret } from "@coffer/sdk";
import { type FormEvent, useRef, useState } from "react";
import { coffer, errorMessage } from "../api.ts";
import { Dialog } from "../components/dialog.tsx";
import { Field, FormAlert } from "../components/field.tsx";

type DeleteSecretProps = {
  project: string;
  environment: string;
  secret: Secret;
  onClose(): void;
  onDeleted(key: string): void;
};

export function DeleteSecretDialog({ project, environment, secret, onClose, onDeleted }: DeleteSecretProps) {
  const [typed, setTyped] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const deleted = useRef(false);
  const matches = typed === secret.key;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!matches || busy) return;
    setBusy(true);
    try {
      await coffer.secrets.delete(secret.key, { project, environment });
      deleted.current = true;
      onDeleted(secret.key);
    } catch (failure) {
      setError(errorMessage(failure));
      setBusy(false);
    }
  }

  return (
    <Dialog
      title="Delete secret"
      description={
        <p>
          Delete <strong className="mono">{secret.key}</strong> from <span className="mono">{project}</span> /{" "}
          <span className="mono">{environment}</span>?
        </p>
      }
      onClose={onClose}
      // The row, and its Delete button, are going: focus goes to the page's heading.
      returnFocus={() => (deleted.current ? document.querySelector<HTMLElement>("main h1") : undefined)}
    >
      <form noValidate onSubmit={submit}>
        <FormAlert message={error} />
        <div className="warning" role="note">
          <strong>Deleting a secret is permanent and cannot be undone.</strong>{" "}
          {secret.version === 1
            ? "Its value is erased."
            : `All ${secret.version} of its versions are erased.`}{" "}
          Applications that still use this secret may break.
        </div>
        <Field
          label={
            <>
              Type <span className="mono">{secret.key}</span> to confirm
            </>
          }
        >
          {(control) => (
            <input
              {...control}
              className="mono"
              autoComplete="off"
              spellCheck={false}
              data-autofocus
              value={typed}
              onChange={(event) => setTyped(event.target.value)}
            />
          )}
        </Field>
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-danger" disabled={!matches || busy}>
            {busy ? "Deleting…" : "Delete"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
