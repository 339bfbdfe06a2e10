// API tokens: the list (never a token's secret), creating one with scopes and expiry, and revoking.
import type { Token } from "@coffer/sdk";
import { useState } from "react";
import { useAnnounce } from "../announcer.tsx";
import { coffer, errorMessage } from "../api.ts";
import { Dialog } from "../components/dialog.tsx";
import { FormAlert } from "../components/field.tsx";
import { PlusIcon } from "../components/icons.tsx";
import { EmptyState, ErrorNotice, Loading } from "../components/status.tsx";
import { formatActor, formatDate, formatDateTime } from "../format.ts";
import { usePageTitle } from "../page-title.ts";
import { useAsync } from "../use-async.ts";
import { CreateTokenDialog } from "./create-token.tsx";

export function TokensPage() {
  usePageTitle("API tokens");
  const announce = useAnnounce();
  const tokens = useAsync((signal) => coffer.tokens.list({ signal }), []);
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<Token>();

  return (
    <section className="page">
      <div className="page-header">
        <div>
          <h1 tabIndex={-1}>API tokens</h1>
          <p className="muted">
            Programs (CI jobs, servers, the CLI) authenticate with a token scoped to projects, environments
            and permissions.
          </p>
        </div>
        <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
          <PlusIcon /> Create token
        </button>
      </div>
      {tokens.error ? <ErrorNotice error={tokens.error} onRetry={tokens.reload} /> : null}
      {tokens.loading && !tokens.data ? <Loading /> : null}
      {tokens.data?.length === 0 ? <EmptyState title="No API tokens yet" /> : null}
      {tokens.data && tokens.data.length > 0 ? (
        <div className="table-wrap">
          <table className="data-table">
            <caption className="visually-hidden">API tokens</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Projects</th>
                <th scope="col">Environments</th>
                <th scope="col">Permissions</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">Created</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {tokens.data.map((token) => (
                <tr key={token.id}>
                  <th scope="row" data-label="Name">
                    {token.name}
                  </th>
                  <td data-label="Projects" className="mono">
                    {token.projects.includes("*") ? "all projects" : token.projects.join(", ")}
                  </td>
                  <td data-label="Environments" className="mono">
                    {token.environments === null ? "all" : token.environments.join(", ")}
                  </td>
                  <td data-label="Permissions">
                    <span className="badge-list">
                      {token.permissions.map((permission) => (
                        <span key={permission} className="badge mono">
                          {permission}
                        </span>
                      ))}
                    </span>
                  </td>
                  <td data-label="Expires">{token.expiresAt ? formatDate(token.expiresAt) : "never"}</td>
                  <td data-label="Last used">
                    {token.lastUsedAt ? formatDateTime(token.lastUsedAt) : "never"}
                  </td>
                  <td data-label="Created">
                    {formatDate(token.createdAt)}{" "}
                    <span className="muted small">by {formatActor(token.createdBy)}</span>
                  </td>
                  <td className="actions" data-label="Actions">
                    <button
                      type="button"
                      className="button button-small button-danger-outline"
                      aria-label={`Revoke ${token.name}`}
                      onClick={() => setRevoking(token)}
                    >
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {creating ? (
        <CreateTokenDialog
          onClose={() => {
            setCreating(false);
            tokens.reload();
          }}
        />
      ) : null}
      {revoking ? (
        <RevokeDialog
          token={revoking}
          onClose={() => setRevoking(undefined)}
          onRevoked={() => {
            setRevoking(undefined);
            announce(`Token ${revoking.name} revoked`);
            tokens.reload();
          }}
        />
      ) : null}
    </section>
  );
}

function RevokeDialog({ token, onClose, onRevoked }: { token: Token; onClose(): void; onRevoked(): void }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const revoke = async () => {
    if (busy) return;
    setBusy(true);
    try {
      await coffer.tokens.revoke(token.id);
      onRevoked();
    } catch (failure) {
      setError(errorMessage(failure));
      setBusy(false);
    }
  };
  return (
    <Dialog title="Revoke token" onClose={onClose}>
      <FormAlert message={error} />
      <p>
        Revoke <strong>{token.name}</strong>? Programs using it are refused from their next request. This
        cannot be undone.
      </p>
      <div className="dialog-actions">
        <button type="button" className="button" data-autofocus onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          className="button button-danger"
          onClick={revoke}
          aria-disabled={busy || undefined}
        >
          {busy ? "Revoking…" : "Revoke token"}
        </button>
      </div>
    </Dialog>
  );
}
