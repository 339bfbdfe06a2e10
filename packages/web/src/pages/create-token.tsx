// Creating an API token: name, projects, environments, permissions and expiry; then the token, shown once.
import type { CreatedToken, Permission } from "@coffer/sdk";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { useAnnounce } from "../announcer.tsx";
import { coffer, formError } from "../api.ts";
import { Dialog } from "../components/dialog.tsx";
import { Field, FormAlert, SubmitButton, useFocusInvalid } from "../components/field.tsx";
import { CopyIcon } from "../components/icons.tsx";
import { formatDate } from "../format.ts";
import { useAsync } from "../use-async.ts";

const PERMISSIONS: { permission: Permission; about: string }[] = [
  { permission: "secrets:list", about: "see keys and metadata" },
  { permission: "secrets:create", about: "add secrets" },
  { permission: "secrets:update", about: "change values and metadata" },
  { permission: "secrets:delete", about: "delete secrets" },
  { permission: "secrets:reveal", about: "read values" },
  { permission: "secrets:use", about: "use values through the proxy without reading them" },
  { permission: "audit:read", about: "read the audit log" },
  { permission: "members:manage", about: "manage project members" },
  { permission: "tokens:manage", about: "manage API tokens" },
  { permission: "connections:manage", about: "manage connections" },
  { permission: "admin", about: "everything within its projects" },
];

const EXPIRY_DAYS = [
  { value: "7", label: "7 days" },
  { value: "30", label: "30 days" },
  { value: "90", label: "90 days" },
  { value: "365", label: "1 year" },
  { value: "never", label: "Never" },
];

type Errors = {
  name?: string;
  projects?: string;
  environments?: string;
  permissions?: string;
  expiresAt?: string;
  form?: string;
};

export function CreateTokenDialog({ onClose }: { onClose(): void }) {
  const [created, setCreated] = useState<CreatedToken>();
  return (
    <Dialog title={created ? "Token created" : "Create API token"} onClose={onClose}>
      {created ? (
        <ShownOnce token={created} onDone={onClose} />
      ) : (
        <TokenForm onClose={onClose} onCreated={setCreated} />
      )}
    </Dialog>
  );
}

function TokenForm({ onClose, onCreated }: { onClose(): void; onCreated(token: CreatedToken): void }) {
  const projects = useAsync((signal) => coffer.projects.list({ signal }), []);
  const [name, setName] = useState("");
  const [allProjects, setAllProjects] = useState(false);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [environments, setEnvironments] = useState("");
  const [permissions, setPermissions] = useState<Set<Permission>>(new Set(["secrets:list"]));
  const [expiry, setExpiry] = useState("30");
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const focusInvalid = useFocusInvalid(formRef);

  const toggle = <T,>(set: Set<T>, item: T, on: boolean): Set<T> => {
    const next = new Set(set);
    if (on) next.add(item);
    else next.delete(item);
    return next;
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const found: Errors = {};
    if (name.trim() === "") found.name = "Token name is required";
    if (!allProjects && chosen.size === 0) found.projects = "Choose at least one project";
    if (permissions.size === 0) found.permissions = "Choose at least one permission";
    setErrors(found);
    if (Object.keys(found).length > 0) return focusInvalid();
    setBusy(true);
    const envs = environments
      .split(",")
      .map((env) => env.trim())
      .filter(Boolean);
    try {
      const token = await coffer.tokens.create({
        name: name.trim(),
        projects: allProjects ? ["*"] : [...chosen],
        ...(envs.length > 0 ? { environments: envs } : {}),
        permissions: [...permissions],
        ...(expiry === "never"
          ? {}
          : { expiresAt: new Date(Date.now() + Number(expiry) * 86_400_000).toISOString() }),
      });
      onCreated(token);
    } catch (error) {
      const { field, message } = formError(error, {
        name: "name",
        projects: "projects",
        environments: "environments",
        permissions: "permissions",
        expiresAt: "expiresAt",
      });
      setErrors(field === undefined ? { form: message } : { [field]: message });
      focusInvalid();
      setBusy(false);
    }
  }

  return (
    <form ref={formRef} noValidate onSubmit={submit}>
      <FormAlert message={errors.form} />
      <Field label="Name" required error={errors.name} hint="Say who uses it, e.g. billing-api CI.">
        {(control) => (
          <input {...control} autoComplete="off" value={name} onChange={(e) => setName(e.target.value)} />
        )}
      </Field>
      <fieldset className="choices" aria-describedby={errors.projects ? "token-projects-error" : undefined}>
        <legend>
          Projects <span className="required-mark">(required)</span>
        </legend>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={allProjects}
            aria-invalid={errors.projects ? true : undefined}
            onChange={(e) => setAllProjects(e.target.checked)}
          />
          All projects, including future ones
        </label>
        {allProjects
          ? null
          : projects.data?.map((project) => (
              <label key={project.id} className="checkbox">
                <input
                  type="checkbox"
                  checked={chosen.has(project.slug)}
                  onChange={(e) => setChosen(toggle(chosen, project.slug, e.target.checked))}
                />
                <span className="mono">{project.slug}</span>
              </label>
            ))}
        {errors.projects ? (
          <p id="token-projects-error" className="field-error">
            {errors.projects}
          </p>
        ) : null}
      </fieldset>
      <Field
        label="Environments"
        note="(optional)"
        error={errors.environments}
        hint="Comma-separated environment slugs, e.g. production. Empty means every environment."
      >
        {(control) => (
          <input
            {...control}
            className="mono"
            value={environments}
            onChange={(e) => setEnvironments(e.target.value)}
          />
        )}
      </Field>
      <fieldset
        className="choices"
        aria-describedby={errors.permissions ? "token-permissions-error" : undefined}
      >
        <legend>
          Permissions <span className="required-mark">(required)</span>
        </legend>
        <div className="choice-grid">
          {PERMISSIONS.map(({ permission, about }, index) => (
            <label key={permission} className="checkbox">
              <input
                type="checkbox"
                checked={permissions.has(permission)}
                aria-invalid={errors.permissions && index === 0 ? true : undefined}
                onChange={(e) => setPermissions(toggle(permissions, permission, e.target.checked))}
              />
              <span>
                <span className="mono">{permission}</span> <span className="muted small">{about}</span>
              </span>
            </label>
          ))}
        </div>
        {errors.permissions ? (
          <p id="token-permissions-error" className="field-error">
            {errors.permissions}
          </p>
        ) : null}
      </fieldset>
      <Field label="Expires" error={errors.expiresAt}>
        {(control) => (
          <select {...control} value={expiry} onChange={(e) => setExpiry(e.target.value)}>
            {EXPIRY_DAYS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onClose}>
          Cancel
        </button>
        <SubmitButton busy={busy} busyLabel="Creating…">
          Create token
        </SubmitButton>
      </div>
    </form>
  );
}

function ShownOnce({ token, onDone }: { token: CreatedToken; onDone(): void }) {
  const announce = useAnnounce();
  const inputRef = useRef<HTMLInputElement>(null);
  const copyRef = useRef<HTMLButtonElement>(null);
  const [copied, setCopied] = useState(false);

  // The form that had focus is gone: focus goes to the one thing to do now.
  useEffect(() => copyRef.current?.focus(), []);

  async function copy() {
    try {
      await navigator.clipboard.writeText(token.token);
    } catch {
      // No clipboard permission (or an insecure origin): select it so Ctrl+C works.
      inputRef.current?.select();
      announce("Press Ctrl+C (or ⌘C) to copy the selected token");
      return;
    }
    setCopied(true);
    announce("Token copied to the clipboard");
  }

  return (
    <div>
      <div className="warning" role="note">
        <strong>Copy this token now: it is shown only once.</strong> Coffer keeps only a hash of it; if it is
        lost, revoke it and create another.
      </div>
      <div className="field">
        <label htmlFor="created-token">
          Token for <strong>{token.name}</strong>
          {token.expiresAt ? `, expires ${formatDate(token.expiresAt)}` : ", never expires"}
        </label>
        <div className="copy-row">
          <input
            ref={inputRef}
            id="created-token"
            className="mono"
            readOnly
            value={token.token}
            onFocus={(e) => e.target.select()}
          />
          <button ref={copyRef} type="button" className="button" onClick={copy}>
            <CopyIcon /> {copied ? "Copied" : "Copy"}
          </button>
        </div>
      </div>
      <div className="dialog-actions">
        <button type="button" className="button button-primary" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}
