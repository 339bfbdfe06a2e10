// A project's members: who belongs, with which role; adding, changing roles and removing people.
import { CofferError, type Member, type Role } from "@coffer/sdk";
import { type FormEvent, useRef, useState } from "react";
import { useAnnounce } from "../announcer.tsx";
import { coffer, errorMessage, formError } from "../api.ts";
import { Dialog } from "../components/dialog.tsx";
import { Field, FormAlert, SubmitButton, useFocusInvalid } from "../components/field.tsx";
import { EmptyState, ErrorNotice, Loading } from "../components/status.tsx";
import { formatDate } from "../format.ts";
import { usePageTitle } from "../page-title.ts";
import { Link, pathOf } from "../router.tsx";
import { useAsync } from "../use-async.ts";

const ROLES: { role: Role; about: string }[] = [
  { role: "owner", about: "everything, including members and deleting the project" },
  { role: "admin", about: "secrets, members, tokens and the audit log" },
  { role: "developer", about: "add, change and delete secrets" },
  { role: "viewer", about: "see keys and metadata" },
];

export function MembersPage({ project }: { project: string }) {
  usePageTitle(`Members · ${project}`);
  const announce = useAnnounce();
  const members = useAsync((signal) => coffer.members.list({ project, signal }), [project]);
  const [error, setError] = useState<string>();
  const [removing, setRemoving] = useState<Member>();

  async function changeRole(member: Member, role: Role) {
    setError(undefined);
    try {
      await coffer.members.update(member.userId, { role }, { project });
      announce(`${member.email} is now ${role}`);
    } catch (failure) {
      setError(errorMessage(failure));
    }
    members.reload();
  }

  return (
    <section className="page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/">Projects</Link> <span aria-hidden="true">/</span>{" "}
        <Link href={pathOf("projects", project)} className="mono">
          {project}
        </Link>{" "}
        <span aria-hidden="true">/</span> Members
      </nav>
      <div className="page-header">
        <div>
          <h1 tabIndex={-1}>Members</h1>
          <p className="muted">People who can sign in to this project, and what their role lets them do.</p>
        </div>
      </div>
      <AddMemberForm project={project} onAdded={members.reload} />
      <FormAlert message={error} />
      {members.error ? <ErrorNotice error={members.error} onRetry={members.reload} /> : null}
      {members.loading && !members.data ? <Loading /> : null}
      {members.data?.length === 0 ? <EmptyState title="No members yet" /> : null}
      {members.data && members.data.length > 0 ? (
        <div className="table-wrap">
          <table className="data-table">
            <caption className="visually-hidden">Members of {project}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Extra permissions</th>
                <th scope="col">Added</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {members.data.map((member) => (
                <tr key={member.userId}>
                  <th scope="row" data-label="Name">
                    {member.name || "—"}
                  </th>
                  <td data-label="Email">{member.email}</td>
                  <td data-label="Role">
                    <select
                      aria-label={`Role of ${member.email}`}
                      value={member.role}
                      onChange={(event) => void changeRole(member, event.target.value as Role)}
                    >
                      {ROLES.map(({ role }) => (
                        <option key={role} value={role}>
                          {role}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td data-label="Extra permissions" className="mono">
                    {member.permissions.length > 0 ? (
                      member.permissions.join(", ")
                    ) : (
                      <span className="muted">none</span>
                    )}
                  </td>
                  <td data-label="Added">{formatDate(member.createdAt)}</td>
                  <td className="actions" data-label="Actions">
                    <button
                      type="button"
                      className="button button-small button-danger-outline"
                      aria-label={`Remove ${member.email}`}
                      onClick={() => setRemoving(member)}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <dl className="role-help">
        {ROLES.map(({ role, about }) => (
          <div key={role}>
            <dt>{role}</dt>
            <dd>{about}</dd>
          </div>
        ))}
      </dl>
      {removing ? (
        <RemoveMemberDialog
          project={project}
          member={removing}
          onClose={() => setRemoving(undefined)}
          onRemoved={() => {
            setRemoving(undefined);
            announce(`${removing.email} removed from ${project}`);
            members.reload();
          }}
        />
      ) : null}
    </section>
  );
}

type AddErrors = { email?: string; role?: string; permissions?: string; form?: string };

function AddMemberForm({ project, onAdded }: { project: string; onAdded(): void }) {
  const announce = useAnnounce();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("developer");
  const [reveal, setReveal] = useState(false);
  const [errors, setErrors] = useState<AddErrors>({});
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const focusInvalid = useFocusInvalid(formRef);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    if (email.trim() === "") {
      setErrors({ email: "Email is required" });
      return focusInvalid();
    }
    setBusy(true);
    try {
      const member = await coffer.members.add(
        { email: email.trim(), role, ...(reveal ? { permissions: ["secrets:reveal"] } : {}) },
        { project },
      );
      announce(`${member.email} added as ${member.role}`);
      setEmail("");
      setReveal(false);
      setErrors({});
      onAdded();
    } catch (error) {
      const { field, message } = formError(error, {
        email: "email",
        role: "role",
        permissions: "permissions",
      });
      // "No user with email …" (404) names no field, but it is about the email.
      const target =
        field ?? (error instanceof CofferError && error.code === "not_found" ? "email" : undefined);
      setErrors(target === undefined ? { form: message } : { [target]: message });
      focusInvalid();
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      ref={formRef}
      className="inline-form card"
      noValidate
      onSubmit={submit}
      aria-labelledby="add-member-title"
    >
      <h2 id="add-member-title">Add a member</h2>
      <FormAlert message={errors.form} />
      <div className="inline-fields">
        <Field label="Email" required error={errors.email} hint="The person needs an account on this Coffer.">
          {(control) => (
            <input
              {...control}
              type="email"
              autoComplete="off"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          )}
        </Field>
        <Field label="Role" error={errors.role}>
          {(control) => (
            <select {...control} value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {ROLES.map(({ role: option }) => (
                <option key={option} value={option}>
                  {option}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={reveal}
          aria-invalid={errors.permissions ? true : undefined}
          onChange={(e) => setReveal(e.target.checked)}
        />
        <span>
          Also allow reading values (<span className="mono">secrets:reveal</span>, owners only)
        </span>
      </label>
      {errors.permissions ? <p className="field-error">{errors.permissions}</p> : null}
      <SubmitButton busy={busy} busyLabel="Adding…">
        Add member
      </SubmitButton>
    </form>
  );
}

type RemoveProps = { project: string; member: Member; onClose(): void; onRemoved(): void };

function RemoveMemberDialog({ project, member, onClose, onRemoved }: RemoveProps) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const remove = async () => {
    if (busy) return;
    setBusy(true);
    try {
      await coffer.members.remove(member.userId, { project });
      onRemoved();
    } catch (failure) {
      setError(errorMessage(failure));
      setBusy(false);
    }
  };
  return (
    <Dialog title="Remove member" onClose={onClose}>
      <FormAlert message={error} />
      <p>
        Remove <strong>{member.email}</strong> from <span className="mono">{project}</span>? Their account
        stays; they lose access to this project at once.
      </p>
      <div className="dialog-actions">
        <button type="button" className="button" data-autofocus onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          className="button button-danger"
          onClick={remove}
          aria-disabled={busy || undefined}
        >
          {busy ? "Removing…" : "Remove member"}
        </button>
      </div>
    </Dialog>
  );
}
