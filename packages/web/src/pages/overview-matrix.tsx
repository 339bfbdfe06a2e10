// The Overview tab: keys × environments, so a key missing from production (or behind) shows at a glance.
import type { Environment, Secret } from "@coffer/sdk";
import { useEffect, useState } from "react";
import { useAnnounce } from "../announcer.tsx";
import { coffer, isAborted } from "../api.ts";
import { PlusIcon, SearchIcon } from "../components/icons.tsx";
import { Pager } from "../components/pager.tsx";
import { EmptyState, ErrorNotice, Loading } from "../components/status.tsx";
import {
  type EnvStream,
  hasGap,
  type MatrixCell,
  type MatrixRow,
  nextRows,
  startStreams,
} from "../matrix.ts";
import { Link, pathOf } from "../router.tsx";
import { useDebounced } from "../use-debounced.ts";
import { AddSecretDialog } from "./add-secret.tsx";

const ROWS_PER_PAGE = 50;
const FETCH_SIZE = 250;

type Position = { key: string; starts: EnvStream[][]; index: number };
type Loaded = { rows: MatrixRow[]; more: boolean; loading: boolean; error: unknown };

type OverviewProps = { project: string; environments: Environment[] };

export function OverviewMatrix({ project, environments: envs }: OverviewProps) {
  const environments = envs.map((env) => env.slug);
  const announce = useAnnounce();
  const [search, setSearch] = useState("");
  const query = useDebounced(search.trim(), 250);
  const [gapsOnly, setGapsOnly] = useState(false);
  const [generation, setGeneration] = useState(0);
  const [adding, setAdding] = useState<{ key: string; environment: string }>();
  const resetKey = `${project}|${environments.join(",")}|${query}|${gapsOnly}|${generation}`;
  const [position, setPosition] = useState<Position>(() => ({
    key: resetKey,
    starts: [startStreams(environments)],
    index: 0,
  }));
  const [loaded, setLoaded] = useState<Loaded>({ rows: [], more: false, loading: true, error: undefined });

  const current =
    position.key === resetKey ? position : { key: resetKey, starts: [startStreams(environments)], index: 0 };
  if (current !== position) setPosition(current);
  const start = current.starts[current.index]!;

  useEffect(() => {
    const controller = new AbortController();
    const lowerQuery = query.toLowerCase();
    // The server's search also matches descriptions, which differ between environments: only rows
    // whose key matches are kept, so that every cell of a kept row is right.
    const keep = (row: MatrixRow) => row.key.toLowerCase().includes(lowerQuery) && (!gapsOnly || hasGap(row));
    setLoaded((previous) => ({ ...previous, loading: true, error: undefined }));
    nextRows(
      start,
      ROWS_PER_PAGE,
      async (environment, cursor) =>
        coffer.secrets.page({
          project,
          environment,
          limit: FETCH_SIZE,
          cursor,
          ...(query ? { search: query } : {}),
          signal: controller.signal,
        }),
      keep,
    )
      .then(({ rows, streams, more }) => {
        setLoaded({ rows, more, loading: false, error: undefined });
        setPosition((p) =>
          p.key === resetKey ? { ...p, starts: [...p.starts.slice(0, p.index + 1), streams] } : p,
        );
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted || isAborted(error)) return;
        setLoaded((previous) => ({ ...previous, loading: false, error }));
      });
    return () => controller.abort();
  }, [start, project, query, gapsOnly, resetKey]);

  return (
    <div className="overview">
      <div className="table-toolbar">
        <div className="search">
          <label htmlFor="matrix-search" className="visually-hidden">
            Filter keys
          </label>
          <SearchIcon />
          <input
            id="matrix-search"
            type="search"
            placeholder="Filter keys"
            autoComplete="off"
            spellCheck={false}
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={gapsOnly} onChange={(event) => setGapsOnly(event.target.checked)} />
          Only keys missing or differing somewhere
        </label>
      </div>
      <Legend />
      {loaded.error ? <ErrorNotice error={loaded.error} onRetry={() => setGeneration((g) => g + 1)} /> : null}
      {loaded.loading && loaded.rows.length === 0 ? <Loading label="Comparing environments…" /> : null}
      {!loaded.loading && loaded.rows.length === 0 && !loaded.error ? (
        <EmptyState title={query || gapsOnly ? "No keys match" : "No secrets in this project yet"}>
          {query || gapsOnly ? null : <p>Open an environment tab to add its first secret.</p>}
        </EmptyState>
      ) : null}
      {loaded.rows.length > 0 ? (
        <div className="table-wrap">
          <table className="data-table matrix" aria-busy={loaded.loading}>
            <caption className="visually-hidden">Keys by environment</caption>
            <thead>
              <tr>
                <th scope="col">Key</th>
                {envs.map((env) => (
                  <th scope="col" key={env.slug}>
                    <Link href={pathOf("projects", project, "env", env.slug)}>{env.name || env.slug}</Link>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {loaded.rows.map((row) => (
                <tr key={row.key}>
                  <th scope="row" className="mono">
                    {row.key}
                  </th>
                  {row.cells.map((cell, index) => (
                    <MatrixCellView
                      key={environments[index]}
                      cell={cell}
                      onAdd={() => setAdding({ key: row.key, environment: environments[index]! })}
                      environment={environments[index]!}
                      secretKey={row.key}
                    />
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {loaded.rows.length > 0 || current.index > 0 ? (
        <Pager
          label="Key pages"
          noun="keys"
          pageIndex={current.index}
          pageSize={ROWS_PER_PAGE}
          shown={loaded.rows.length}
          hasNext={!loaded.loading && loaded.more}
          loading={loaded.loading}
          onPrevious={() => setPosition((p) => ({ ...p, index: Math.max(0, p.index - 1) }))}
          onNext={() => setPosition((p) => ({ ...p, index: p.index + 1 }))}
        />
      ) : null}
      {adding ? (
        <AddSecretDialog
          project={project}
          environment={adding.environment}
          initialKey={adding.key}
          onClose={() => setAdding(undefined)}
          onCreated={(secret: Secret) => {
            setAdding(undefined);
            announce(`Secret ${secret.key} created in ${adding.environment}`);
            setGeneration((g) => g + 1);
          }}
        />
      ) : null}
    </div>
  );
}

function Legend() {
  return (
    <ul className="legend" aria-label="Legend">
      <li>
        <span className="cell-mark cell-present" aria-hidden="true">
          ✓
        </span>{" "}
        present (version)
      </li>
      <li>
        <span className="cell-mark cell-differs" aria-hidden="true">
          ≠
        </span>{" "}
        version differs between environments
      </li>
      <li>
        <span className="cell-mark cell-missing" aria-hidden="true">
          ✕
        </span>{" "}
        missing
      </li>
    </ul>
  );
}

type CellProps = { cell: MatrixCell; environment: string; secretKey: string; onAdd(): void };

function MatrixCellView({ cell, environment, secretKey, onAdd }: CellProps) {
  if (cell.state === "missing") {
    return (
      <td className="cell cell-missing">
        <span aria-hidden="true">✕</span> Missing
        <button
          type="button"
          className="icon-button icon-button-small"
          aria-label={`Add ${secretKey} to ${environment}`}
          title={`Add to ${environment}`}
          onClick={onAdd}
        >
          <PlusIcon />
        </button>
      </td>
    );
  }
  const version = cell.secret!.version;
  return (
    <td className={`cell cell-${cell.state}`}>
      <span aria-hidden="true">{cell.state === "differs" ? "≠" : "✓"}</span> v{version}
      <span className="visually-hidden">{cell.state === "differs" ? ", differs" : ", present"}</span>
    </td>
  );
}
