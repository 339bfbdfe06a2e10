// A project: its header, one tab per environment (the secrets table) and an Overview tab (the matrix).
import { coffer } from "../api.ts";
import { ErrorNotice, Loading } from "../components/status.tsx";
import { Tabs } from "../components/tabs.tsx";
import { usePageTitle } from "../page-title.ts";
import { Link, pathOf } from "../router.tsx";
import { useAsync } from "../use-async.ts";
import { OverviewMatrix } from "./overview-matrix.tsx";
import { SecretsTable } from "./secrets-table.tsx";

type ProjectPageProps = { project: string; environment: string | undefined };

export function ProjectPage({ project, environment }: ProjectPageProps) {
  const loaded = useAsync(
    async (signal) => {
      const [details, environments] = await Promise.all([
        coffer.projects.get(project, { signal }),
        coffer.environments.list({ project, signal }),
      ]);
      return { details, environments };
    },
    [project],
  );
  const title = loaded.data?.details.name || project;
  usePageTitle(environment === undefined ? title : `${environment} · ${title}`);

  const tabs = [
    { id: "", label: "Overview", href: pathOf("projects", project) },
    ...(loaded.data?.environments ?? []).map((env) => ({
      id: env.slug,
      label: env.name || env.slug,
      href: pathOf("projects", project, "env", env.slug),
    })),
  ];
  const known = loaded.data?.environments.some((env) => env.slug === environment) ?? false;

  return (
    <section className="page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/">Projects</Link> <span aria-hidden="true">/</span>{" "}
        <span className="mono">{project}</span>
      </nav>
      <div className="page-header">
        <div>
          <h1 tabIndex={-1}>{title}</h1>
          {loaded.data?.details.description ? (
            <p className="muted">{loaded.data.details.description}</p>
          ) : null}
        </div>
        <div className="header-links">
          <Link className="button" href={pathOf("projects", project, "members")}>
            Members
          </Link>
          <Link className="button" href={`/audit?project=${encodeURIComponent(project)}`}>
            Audit log
          </Link>
        </div>
      </div>
      {loaded.error ? <ErrorNotice error={loaded.error} onRetry={loaded.reload} /> : null}
      {loaded.loading && !loaded.data ? <Loading /> : null}
      {loaded.data ? (
        <Tabs label="Environments" tabs={tabs} selected={environment ?? ""}>
          {environment === undefined ? (
            <OverviewMatrix project={project} environments={loaded.data.environments} />
          ) : known ? (
            <SecretsTable key={environment} project={project} environment={environment} />
          ) : (
            <p role="alert">
              This project has no environment <span className="mono">{environment}</span>.
            </p>
          )}
        </Tabs>
      ) : null}
    </section>
  );
}
