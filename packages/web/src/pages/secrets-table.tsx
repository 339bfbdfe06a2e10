// One environment's secrets: a server-paged, searchable, sortable table (never a value), and its dialogs.
import type { Secret } from "@coffer/sdk";
import { useState } from "react";
import { useAnnounce } from "../announcer.tsx";
import { coffer } from "../api.ts";
import { EditIcon, HistoryIcon, PlusIcon, SearchIcon, TrashIcon } from "../components/icons.tsx";
import { Pager } from "../components/pager.tsx";
import { EmptyState, ErrorNotice, Loading } from "../components/status.tsx";
import { formatActor, formatDateTime } from "../format.ts";
import { useCursorPages } from "../use-cursor-pages.ts";
import { useDebounced } from "../use-debounced.ts";
import { AddSecretDialog } from "./add-secret.tsx";
import { DeleteSecretDialog } from "./delete-secret.tsx";
import { EditSecretDialog } from "./edit-secret.tsx";
import { VersionsDialog } from "./versions.tsx";

type SortColumn = "key" | "type" | "createdAt" | "updatedAt";
type Sort = { column: SortColumn; descending: boolean };

type OpenDialog =
  | { kind: "add" }
  | { kind: "edit"; secret: Secret }
  | { kind: "delete"; secret: Secret }
  | { kind: "versions"; secret: Secret };

const SEARCH_DELAY_MS = 250;

const COLUMNS: { column: SortColumn; label: string }[] = [
  { column: "key", label: "Key" },
  { column: "type", label: "Type" },
  { column: "createdAt", label: "Created" },
  { column: "updatedAt", label: "Updated" },
];

/** The server pages in key order; the other orders arrange the page on screen. */
function sortPage(secrets: Secret[], sort: Sort): Secret[] {
  if (sort.column === "key" && !sort.descending) return secrets;
  const sorted = [...secrets].sort((a, b) => {
    const x = a[sort.column];
    const y = b[sort.column];
    return x < y ? -1 : x > y ? 1 : a.key < b.key ? -1 : 1;
  });
  return sort.descending ? sorted.reverse() : sorted;
}

type SecretsTableProps = { project: string; environment: string };

export function SecretsTable({ project, environment }: SecretsTableProps) {
  const announce = useAnnounce();
  const [search, setSearch] = useState("");
  const query = useDebounced(search.trim(), SEARCH_DELAY_MS);
  const [pageSize, setPageSize] = useState(50);
  const [sort, setSort] = useState<Sort>({ column: "key", descending: false });
  const [dialog, setDialog] = useState<OpenDialog>();

  const pages = useCursorPages(async (cursor, signal) => {
    const page = await coffer.secrets.page({
      project,
      environment,
      limit: pageSize,
      cursor,
      ...(query ? { search: query } : {}),
      signal,
    });
    return { items: page.secrets, nextCursor: page.nextCursor };
  }, `${project}|${environment}|${query}|${pageSize}`);
  const rows = sortPage(pages.items, sort);
  const close = () => setDialog(undefined);
  const sortLabel = COLUMNS.find((c) => c.column === sort.column)?.label ?? "Key";

  return (
    <div className="secrets">
      <div className="table-toolbar">
        <div className="search">
          <label htmlFor="secret-search" className="visually-hidden">
            Search secrets
          </label>
          <SearchIcon />
          <input
            id="secret-search"
            type="search"
            placeholder="Search keys and descriptions"
            autoComplete="off"
            spellCheck={false}
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
        </div>
        <button type="button" className="button button-primary" onClick={() => setDialog({ kind: "add" })}>
          <PlusIcon /> Add Secret
        </button>
      </div>
      {pages.error ? <ErrorNotice error={pages.error} onRetry={pages.reload} /> : null}
      {pages.loading && pages.items.length === 0 ? <Loading label="Loading secrets…" /> : null}
      {!pages.loading && pages.items.length === 0 && !pages.error ? (
        query ? (
          <EmptyState title={`No secrets match “${query}”`}>
            <p>The search looks at keys and descriptions.</p>
          </EmptyState>
        ) : (
          <EmptyState title={`No secrets in ${environment} yet`}>
            <p>Add the API keys, passwords and connection strings this environment needs.</p>
          </EmptyState>
        )
      ) : null}
      {pages.items.length > 0 ? (
        <div className="table-wrap">
          <table className="data-table secrets-table" aria-busy={pages.loading}>
            <caption className="visually-hidden">
              Secrets in {environment}, sorted by {sortLabel} {sort.descending ? "descending" : "ascending"}
              {sort.column === "key" && !sort.descending ? "" : " within this page"}
            </caption>
            <thead>
              <tr>
                <SortHeader column="key" label="Key" sort={sort} onSort={setSort} />
                <th scope="col">Description</th>
                {COLUMNS.slice(1).map((c) => (
                  <SortHeader key={c.column} column={c.column} label={c.label} sort={sort} onSort={setSort} />
                ))}
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((secret) => (
                <SecretRow key={secret.key} secret={secret} onOpen={setDialog} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {pages.items.length > 0 || pages.pageIndex > 0 ? (
        <Pager
          label="Secret pages"
          noun="secrets"
          pageIndex={pages.pageIndex}
          pageSize={pageSize}
          shown={pages.items.length}
          hasNext={pages.hasNext}
          loading={pages.loading}
          onPrevious={pages.previous}
          onNext={pages.next}
          onPageSize={setPageSize}
        />
      ) : null}
      {sort.column !== "key" || sort.descending ? (
        <p className="muted small">
          Pages follow key order; the {sortLabel} order applies to the secrets on this page.
        </p>
      ) : null}
      {dialog?.kind === "add" ? (
        <AddSecretDialog
          project={project}
          environment={environment}
          onClose={close}
          onCreated={(secret) => {
            close();
            announce(`Secret ${secret.key} created in ${environment}`);
            pages.reload();
          }}
        />
      ) : null}
      {dialog?.kind === "edit" ? (
        <EditSecretDialog
          project={project}
          environment={environment}
          secret={dialog.secret}
          onClose={close}
          onSaved={(secret) => {
            close();
            announce(`Secret ${secret.key} updated (version ${secret.version})`);
            pages.reload();
          }}
        />
      ) : null}
      {dialog?.kind === "delete" ? (
        <DeleteSecretDialog
          project={project}
          environment={environment}
          secret={dialog.secret}
          onClose={close}
          onDeleted={(key) => {
            close();
            announce(`Secret ${key} deleted from ${environment}`);
            pages.reload();
          }}
        />
      ) : null}
      {dialog?.kind === "versions" ? (
        <VersionsDialog
          project={project}
          environment={environment}
          secret={dialog.secret}
          onClose={close}
          onRolledBack={(secret) => {
            setDialog({ kind: "versions", secret });
            pages.reload();
          }}
        />
      ) : null}
    </div>
  );
}

function SortHeader({
  column,
  label,
  sort,
  onSort,
}: {
  column: SortColumn;
  label: string;
  sort: Sort;
  onSort(sort: Sort): void;
}) {
  const active = sort.column === column;
  return (
    <th scope="col" aria-sort={active ? (sort.descending ? "descending" : "ascending") : undefined}>
      <button
        type="button"
        className="sort-button"
        onClick={() => onSort({ column, descending: active ? !sort.descending : column !== "key" })}
      >
        {label}
        <span aria-hidden="true" className="sort-arrow">
          {active ? (sort.descending ? "▼" : "▲") : "↕"}
        </span>
      </button>
    </th>
  );
}

function SecretRow({ secret, onOpen }: { secret: Secret; onOpen(dialog: OpenDialog): void }) {
  const extraFields = secret.fields.length > 1 || secret.fields[0] !== "value";
  return (
    <tr>
      <th scope="row" className="key-cell" data-label="Key">
        <span className="mono">{secret.key}</span>
        {extraFields ? (
          <span className="badge" title={secret.fields.join(", ")}>
            {secret.fields.length} {secret.fields.length === 1 ? "field" : "fields"}
          </span>
        ) : null}
      </th>
      <td data-label="Description" className="description-cell">
        {secret.description || <span className="muted">—</span>}
      </td>
      <td data-label="Type">
        <span className="badge">{secret.type}</span>
      </td>
      <td data-label="Created">
        <time dateTime={secret.createdAt}>{formatDateTime(secret.createdAt)}</time>
      </td>
      <td data-label="Updated">
        <time dateTime={secret.updatedAt}>{formatDateTime(secret.updatedAt)}</time>
        <span className="muted small updated-by">
          v{secret.version} · {formatActor(secret.updatedBy)}
        </span>
      </td>
      <td className="actions" data-label="Actions">
        <button
          type="button"
          className="icon-button"
          aria-label={`Edit ${secret.key}`}
          title="Edit"
          onClick={() => onOpen({ kind: "edit", secret })}
        >
          <EditIcon />
        </button>
        <button
          type="button"
          className="icon-button"
          aria-label={`Versions of ${secret.key}`}
          title="Versions"
          onClick={() => onOpen({ kind: "versions", secret })}
        >
          <HistoryIcon />
        </button>
        <button
          type="button"
          className="icon-button icon-button-danger"
          aria-label={`Delete ${secret.key}`}
          title="Delete"
          onClick={() => onOpen({ kind: "delete", secret })}
        >
          <TrashIcon />
        </button>
      </td>
    </tr>
  );
}
