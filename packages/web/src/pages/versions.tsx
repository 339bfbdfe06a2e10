// The Versions panel: every version of a secret (when, by whom, which fields) and rollback, confirmed first.
import type { Secret, SecretVersion } from "@coffer/sdk";
import { useEffect, useRef, useState } from "react";
import { coffer, errorMessage } from "../api.ts";
import { Dialog } from "../components/dialog.tsx";
import { FormAlert } from "../components/field.tsx";
import { ErrorNotice, Loading } from "../components/status.tsx";
import { formatActor, formatDateTime } from "../format.ts";
import { useAsync } from "../use-async.ts";

type VersionsProps = {
  project: string;
  environment: string;
  secret: Secret;
  onClose(): void;
  onRolledBack(secret: Secret, from: number): void;
};

export function VersionsDialog({ project, environment, secret, onClose, onRolledBack }: VersionsProps) {
  const versions = useAsync(
    (signal) => coffer.secrets.versions(secret.key, { project, environment, signal }),
    [project, environment, secret.key, secret.version],
  );
  const [confirming, setConfirming] = useState<SecretVersion>();
  const [done, setDone] = useState<string>();
  const tableRef = useRef<HTMLDivElement>(null);
  const doneRef = useRef<HTMLParagraphElement>(null);

  // After a rollback its confirmation is gone: focus goes to the sentence that says what happened.
  useEffect(() => {
    if (done) doneRef.current?.focus();
  }, [done]);

  const cancel = (version: number) => {
    setConfirming(undefined);
    requestAnimationFrame(() =>
      tableRef.current?.querySelector<HTMLElement>(`[data-version="${version}"]`)?.focus(),
    );
  };

  return (
    <Dialog
      title={`Versions of ${secret.key}`}
      description={
        <p>Each change of value makes a new version. Rolling back copies an old value into a new version.</p>
      }
      onClose={onClose}
      size="wide"
    >
      {versions.error ? <ErrorNotice error={versions.error} onRetry={versions.reload} /> : null}
      {versions.loading && !versions.data ? <Loading /> : null}
      {done ? (
        <p ref={doneRef} className="notice" role="status" tabIndex={-1}>
          {done}
        </p>
      ) : null}
      {confirming ? (
        <RollbackConfirmation
          project={project}
          environment={environment}
          secret={secret}
          version={confirming}
          onCancel={() => cancel(confirming.version)}
          onDone={(updated) => {
            setConfirming(undefined);
            setDone(`Rolled back to version ${confirming.version}: it is now version ${updated.version}.`);
            onRolledBack(updated, confirming.version);
          }}
        />
      ) : null}
      {versions.data ? (
        <div className="table-wrap" ref={tableRef}>
          <table className="data-table">
            <caption className="visually-hidden">Versions of {secret.key}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Created</th>
                <th scope="col">By</th>
                <th scope="col">Fields</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {versions.data.map((version) => (
                <tr key={version.version}>
                  <th scope="row" data-label="Version">
                    v{version.version}
                    {version.version === secret.version ? (
                      <span className="badge badge-current">current</span>
                    ) : null}
                  </th>
                  <td data-label="Created">
                    <time dateTime={version.createdAt}>{formatDateTime(version.createdAt)}</time>
                  </td>
                  <td data-label="By">{formatActor(version.createdBy)}</td>
                  <td data-label="Fields" className="mono">
                    {version.fields.join(", ")}
                  </td>
                  <td className="actions">
                    {version.version === secret.version ? null : (
                      <button
                        type="button"
                        className="button button-small"
                        aria-label={`Roll back to version ${version.version}`}
                        data-version={version.version}
                        onClick={() => {
                          setDone(undefined);
                          setConfirming(version);
                        }}
                      >
                        Roll back
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}

type RollbackProps = {
  project: string;
  environment: string;
  secret: Secret;
  version: SecretVersion;
  onCancel(): void;
  onDone(secret: Secret): void;
};

function RollbackConfirmation({ project, environment, secret, version, onCancel, onDone }: RollbackProps) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);

  useEffect(() => confirmRef.current?.focus(), []);

  async function rollBack() {
    if (busy) return;
    setBusy(true);
    try {
      onDone(await coffer.secrets.rollback(secret.key, version.version, { project, environment }));
    } catch (failure) {
      setError(errorMessage(failure));
      setBusy(false);
    }
  }

  return (
    // biome-ignore lint/a11y/useSemanticElements: a confirmation inside the dialog, not a page region.
    <div className="confirm-box" role="group" aria-labelledby="rollback-question">
      <p id="rollback-question">
        Roll back <span className="mono">{secret.key}</span> to version {version.version}? Version{" "}
        {secret.version + 1} will hold the value of version {version.version}; applications get it from their
        next read.
      </p>
      <FormAlert message={error} />
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button
          ref={confirmRef}
          type="button"
          className="button button-primary"
          onClick={rollBack}
          aria-disabled={busy || undefined}
        >
          {busy ? "Rolling back…" : `Roll back to version ${version.version}`}
        </button>
      </div>
    </div>
  );
}
