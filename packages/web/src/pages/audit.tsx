// The audit log: filters (kept in the address, so a filtered view can be shared) and older/newer pages.
import type { AuditEvent, AuditOutcome, AuditPageOptions } from "@coffer/sdk";
import { type FormEvent, useState } from "react";
import { coffer, formError } from "../api.ts";
import { Field } from "../components/field.tsx";
import { Pager } from "../components/pager.tsx";
import { EmptyState, ErrorNotice, Loading } from "../components/status.tsx";
import { formatActor, formatDateTime } from "../format.ts";
import { usePageTitle } from "../page-title.ts";
import { navigate, useLocation } from "../router.tsx";
import { useAsync } from "../use-async.ts";
import { useCursorPages } from "../use-cursor-pages.ts";

const FILTERS = ["project", "environment", "key", "actor", "action", "outcome", "since", "until"] as const;
type FilterName = (typeof FILTERS)[number];
type Filters = Record<FilterName, string>;

const OUTCOMES: AuditOutcome[] = ["success", "denied", "error"];
/** Suggestions for the action filter (it takes any action name). */
const ACTIONS = [
  "auth.login",
  "auth.logout",
  "secret.create",
  "secret.update",
  "secret.delete",
  "secret.rollback",
  "secret.reveal",
  "secret.reveal_bulk",
  "member.add",
  "member.update",
  "member.remove",
  "token.create",
  "token.revoke",
  "project.create",
  "user.create",
];
const PAGE_SIZE = 50;

function filtersOf(query: URLSearchParams): Filters {
  return Object.fromEntries(FILTERS.map((name) => [name, query.get(name) ?? ""])) as Filters;
}

/** datetime-local fields hold local time without a zone; the API wants an instant. */
function toInstant(local: string): string | undefined {
  if (local === "") return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? local : date.toISOString();
}

function apiOptions(filters: Filters): AuditPageOptions {
  const options: AuditPageOptions = {};
  for (const name of ["project", "environment", "key", "actor", "action"] as const) {
    if (filters[name] !== "") options[name] = filters[name];
  }
  if (filters.outcome !== "") options.outcome = filters.outcome as AuditOutcome;
  const since = toInstant(filters.since);
  const until = toInstant(filters.until);
  if (since) options.since = since;
  if (until) options.until = until;
  return options;
}

export function AuditPage() {
  usePageTitle("Audit log");
  const { query } = useLocation();
  const applied = filtersOf(query);
  const resetKey = FILTERS.map((name) => applied[name]).join("\u0000");

  const pages = useCursorPages(async (cursor, signal) => {
    const page = await coffer.audit.page({ ...apiOptions(applied), limit: PAGE_SIZE, cursor, signal });
    return { items: page.events, nextCursor: page.nextCursor };
  }, resetKey);
  const failure = pages.error
    ? formError(pages.error, Object.fromEntries(FILTERS.map((f) => [f, f])))
    : undefined;

  return (
    <section className="page">
      <div className="page-header">
        <div>
          <h1 tabIndex={-1}>Audit log</h1>
          <p className="muted">
            Every change, sign-in and refused request, newest first. Values are never recorded.
          </p>
        </div>
      </div>
      <AuditFilters
        key={resetKey}
        applied={applied}
        fieldError={failure?.field === undefined ? undefined : failure}
      />
      {pages.error && failure?.field === undefined ? (
        <ErrorNotice error={pages.error} onRetry={pages.reload} />
      ) : null}
      {pages.loading && pages.items.length === 0 ? <Loading label="Loading events…" /> : null}
      {!pages.loading && !pages.error && pages.items.length === 0 ? (
        <EmptyState title="No events match these filters" />
      ) : null}
      {pages.items.length > 0 ? <EventsTable events={pages.items} busy={pages.loading} /> : null}
      {pages.items.length > 0 || pages.pageIndex > 0 ? (
        <Pager
          label="Audit pages"
          noun="events"
          pageIndex={pages.pageIndex}
          pageSize={PAGE_SIZE}
          shown={pages.items.length}
          hasNext={pages.hasNext}
          loading={pages.loading}
          onPrevious={pages.previous}
          onNext={pages.next}
        />
      ) : null}
    </section>
  );
}

type FiltersProps = {
  applied: Filters;
  fieldError: { field: string | undefined; message: string } | undefined;
};

function AuditFilters({ applied, fieldError }: FiltersProps) {
  const [draft, setDraft] = useState<Filters>(applied);
  const projects = useAsync((signal) => coffer.projects.list({ signal }), []);
  const set = (name: FilterName) => (event: { target: { value: string } }) =>
    setDraft((current) => ({ ...current, [name]: event.target.value }));
  const errorOf = (name: FilterName) => (fieldError?.field === name ? fieldError.message : undefined);

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const name of FILTERS) if (draft[name].trim() !== "") params.set(name, draft[name].trim());
    const search = params.toString();
    navigate(`/audit${search ? `?${search}` : ""}`);
  };

  return (
    <form className="card filters" noValidate onSubmit={apply} aria-label="Filter events">
      <div className="filter-grid">
        <Field label="Project" error={errorOf("project")}>
          {(control) => (
            <select {...control} value={draft.project} onChange={set("project")}>
              <option value="">All projects</option>
              {projects.data?.map((project) => (
                <option key={project.id} value={project.slug}>
                  {project.slug}
                </option>
              ))}
              {draft.project !== "" && !projects.data?.some((p) => p.slug === draft.project) ? (
                <option value={draft.project}>{draft.project}</option>
              ) : null}
            </select>
          )}
        </Field>
        <Field label="Environment" error={errorOf("environment")}>
          {(control) => (
            <input {...control} className="mono" value={draft.environment} onChange={set("environment")} />
          )}
        </Field>
        <Field label="Secret key" error={errorOf("key")}>
          {(control) => <input {...control} className="mono" value={draft.key} onChange={set("key")} />}
        </Field>
        <Field label="Actor" error={errorOf("actor")} hint="Name or id.">
          {(control) => <input {...control} value={draft.actor} onChange={set("actor")} />}
        </Field>
        <Field label="Action" error={errorOf("action")}>
          {(control) => (
            <>
              <input
                {...control}
                className="mono"
                list="audit-actions"
                value={draft.action}
                onChange={set("action")}
              />
              <datalist id="audit-actions">
                {ACTIONS.map((action) => (
                  <option key={action} value={action} />
                ))}
              </datalist>
            </>
          )}
        </Field>
        <Field label="Outcome" error={errorOf("outcome")}>
          {(control) => (
            <select {...control} value={draft.outcome} onChange={set("outcome")}>
              <option value="">Any</option>
              {OUTCOMES.map((outcome) => (
                <option key={outcome} value={outcome}>
                  {outcome}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="From" error={errorOf("since")}>
          {(control) => (
            <input {...control} type="datetime-local" value={draft.since} onChange={set("since")} />
          )}
        </Field>
        <Field label="Until" error={errorOf("until")}>
          {(control) => (
            <input {...control} type="datetime-local" value={draft.until} onChange={set("until")} />
          )}
        </Field>
      </div>
      <div className="filter-actions">
        <button type="button" className="button" onClick={() => navigate("/audit")}>
          Clear
        </button>
        <button type="submit" className="button button-primary">
          Apply filters
        </button>
      </div>
    </form>
  );
}

function EventsTable({ events, busy }: { events: AuditEvent[]; busy: boolean }) {
  return (
    <div className="table-wrap">
      <table className="data-table audit-table" aria-busy={busy}>
        <caption className="visually-hidden">Audit events, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Outcome</th>
            <th scope="col">Target</th>
            <th scope="col">Source</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => (
            <tr key={event.id}>
              <th scope="row" data-label="Time">
                <time dateTime={event.time}>{formatDateTime(event.time)}</time>
              </th>
              <td data-label="Actor">
                {formatActor(event.actor)} <span className="muted small">({event.actor.type})</span>
              </td>
              <td data-label="Action" className="mono">
                {event.action}
              </td>
              <td data-label="Outcome">
                <span className={`badge outcome-${event.outcome}`}>{event.outcome}</span>
              </td>
              <td data-label="Target" className="mono">
                {[event.project, event.environment, event.key].filter(Boolean).join(" / ") || "—"}
                {event.version === null ? "" : ` v${event.version}`}
              </td>
              <td data-label="Source" className="mono small">
                {event.sourceIp ?? "—"}
              </td>
              <td data-label="Details" className="small">
                {Object.entries(event.details)
                  .map(([name, value]) => `${name}: ${String(value)}`)
                  .join(", ") || "—"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
