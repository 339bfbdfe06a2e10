// The projects the signed-in person can see, and (for instance administrators) creating one.
import { type FormEvent, useRef, useState } from "react";
import { useAnnounce } from "../announcer.tsx";
import { coffer, formError } from "../api.ts";
import { Dialog } from "../components/dialog.tsx";
import { Field, FormAlert, SubmitButton, useFocusInvalid } from "../components/field.tsx";
import { PlusIcon } from "../components/icons.tsx";
import { EmptyState, ErrorNotice, Loading } from "../components/status.tsx";
import { formatDate } from "../format.ts";
import { usePageTitle } from "../page-title.ts";
import { Link, navigate, pathOf } from "../router.tsx";
import { useUser } from "../session.tsx";
import { useAsync } from "../use-async.ts";

export function ProjectsPage() {
  usePageTitle("Projects");
  const user = useUser();
  const projects = useAsync((signal) => coffer.projects.list({ signal }), []);
  const [creating, setCreating] = useState(false);

  return (
    <section className="page">
      <div className="page-header">
        <h1 tabIndex={-1}>Projects</h1>
        {user.instanceAdmin ? (
          <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
            <PlusIcon /> New project
          </button>
        ) : null}
      </div>
      {projects.error ? <ErrorNotice error={projects.error} onRetry={projects.reload} /> : null}
      {projects.loading && !projects.data ? <Loading /> : null}
      {projects.data?.length === 0 ? (
        <EmptyState title="No projects yet">
          <p>
            {user.instanceAdmin
              ? "Create a project to start storing secrets."
              : "Ask an administrator to add you to a project."}
          </p>
        </EmptyState>
      ) : null}
      {projects.data && projects.data.length > 0 ? (
        <ul className="project-list">
          {projects.data.map((project) => (
            <li key={project.id} className="project-card">
              <h2>
                <Link href={pathOf("projects", project.slug)}>{project.name || project.slug}</Link>
              </h2>
              <p className="mono muted">{project.slug}</p>
              {project.description ? <p>{project.description}</p> : null}
              <p className="muted small">Created {formatDate(project.createdAt)}</p>
            </li>
          ))}
        </ul>
      ) : null}
      {creating ? <NewProjectDialog onClose={() => setCreating(false)} /> : null}
    </section>
  );
}

type Errors = { slug?: string; name?: string; description?: string; environments?: string; form?: string };

function NewProjectDialog({ onClose }: { onClose(): void }) {
  const announce = useAnnounce();
  const [slug, setSlug] = useState("");
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [environments, setEnvironments] = useState("development, staging, production");
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const focusInvalid = useFocusInvalid(formRef);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    if (slug.trim() === "") {
      setErrors({ slug: "Project slug is required" });
      return focusInvalid();
    }
    setBusy(true);
    try {
      const envs = environments
        .split(",")
        .map((env) => env.trim())
        .filter(Boolean);
      const project = await coffer.projects.create({
        slug: slug.trim(),
        ...(name.trim() ? { name: name.trim() } : {}),
        ...(description.trim() ? { description: description.trim() } : {}),
        ...(envs.length > 0 ? { environments: envs } : {}),
      });
      announce(`Project ${project.slug} created`);
      onClose();
      navigate(pathOf("projects", project.slug));
    } catch (error) {
      const { field, message } = formError(error, {
        slug: "slug",
        name: "name",
        description: "description",
        environments: "environments",
        environment: "environments",
      });
      setErrors(field === undefined ? { form: message } : { [field]: message });
      focusInvalid();
      setBusy(false);
    }
  }

  return (
    <Dialog title="New project" onClose={onClose}>
      <form ref={formRef} noValidate onSubmit={submit}>
        <FormAlert message={errors.form} />
        <Field
          label="Slug"
          required
          error={errors.slug}
          hint="Lowercase letters, digits and '-', starting with a letter, e.g. billing-api."
        >
          {(control) => (
            <input {...control} className="mono" value={slug} onChange={(e) => setSlug(e.target.value)} />
          )}
        </Field>
        <Field label="Name" note="(optional)" error={errors.name}>
          {(control) => <input {...control} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Description" note="(optional)" error={errors.description}>
          {(control) => (
            <textarea
              {...control}
              rows={2}
              value={description}
              onChange={(e) => setDescription(e.target.value)}
            />
          )}
        </Field>
        <Field label="Environments" hint="Comma-separated slugs." error={errors.environments}>
          {(control) => (
            <input
              {...control}
              className="mono"
              value={environments}
              onChange={(e) => setEnvironments(e.target.value)}
            />
          )}
        </Field>
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <SubmitButton busy={busy} busyLabel="Creating…">
            Create project
          </SubmitButton>
        </div>
      </form>
    </Dialog>
  );
}
