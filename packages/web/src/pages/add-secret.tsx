// The Add Secret dialog: key, value (or named fields), description, type and metadata, checked before sending.
import type { Secret } from "@coffer/sdk";
import { type FormEvent, useRef, useState } from "react";
import { coffer, formError } from "../api.ts";
import { Dialog } from "../components/dialog.tsx";
import { Field, FormAlert, SubmitButton, useFocusInvalid } from "../components/field.tsx";
import { CloseIcon, PlusIcon } from "../components/icons.tsx";
import { checkPairs, type Pair, PairsEditor, recordOf } from "../components/pairs-editor.tsx";
import { DescriptionField, TypeField } from "./secret-fields.tsx";

type ValueRow = { id: number; name: string };

type Errors = {
  key?: string;
  /** Per value row: its name and its value. */
  rows?: Record<number, { name?: string; value?: string }>;
  fields?: string;
  description?: string;
  type?: string;
  metadata?: string;
  metadataRows?: Record<number, string>;
  form?: string;
};

type AddSecretProps = {
  project: string;
  environment: string;
  /** Prefills the key (from the overview's "missing" cell). */
  initialKey?: string;
  onClose(): void;
  onCreated(secret: Secret): void;
};

let nextRowId = 1;

export function AddSecretDialog({
  project,
  environment,
  initialKey = "",
  onClose,
  onCreated,
}: AddSecretProps) {
  const [key, setKey] = useState(initialKey);
  // One unnamed row is a plain secret (`value`); "Add field" turns the rows into named fields.
  const [named, setNamed] = useState(false);
  const [rows, setRows] = useState<ValueRow[]>(() => [{ id: nextRowId++, name: "" }]);
  const [description, setDescription] = useState("");
  const [type, setType] = useState("generic");
  const [metadata, setMetadata] = useState<Pair[]>([]);
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const focusInvalid = useFocusInvalid(formRef);
  // Values stay in the password inputs (uncontrolled), never in React state or the DOM's attributes.
  const valueInputs = useRef(new Map<number, HTMLInputElement>());

  const rowValue = (row: ValueRow) => valueInputs.current.get(row.id)?.value ?? "";

  function check(): Errors {
    const found: Errors = {};
    if (key.trim() === "") found.key = "Secret key is required";
    const rowErrors: Record<number, { name?: string; value?: string }> = {};
    const names = new Set<string>();
    for (const row of rows) {
      const rowError: { name?: string; value?: string } = {};
      const name = row.name.trim();
      if (named && name === "") rowError.name = "Field name is required";
      else if (named && names.has(name)) rowError.name = `Field name "${name}" is used twice`;
      names.add(name);
      if (rowValue(row) === "") rowError.value = "Secret value is required";
      if (rowError.name || rowError.value) rowErrors[row.id] = rowError;
    }
    if (Object.keys(rowErrors).length > 0) found.rows = rowErrors;
    const metadataErrors = checkPairs(metadata);
    if (Object.keys(metadataErrors).length > 0) found.metadataRows = metadataErrors;
    return found;
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const found = check();
    setErrors(found);
    if (Object.keys(found).length > 0) return focusInvalid();
    setBusy(true);
    try {
      const value = named
        ? Object.fromEntries(rows.map((row) => [row.name.trim(), rowValue(row)]))
        : rowValue(rows[0]!);
      const meta = recordOf(metadata);
      const secret = await coffer.secrets.create(key.trim(), value, {
        project,
        environment,
        type: type.trim(),
        ...(description.trim() ? { description: description.trim() } : {}),
        ...(Object.keys(meta).length > 0 ? { metadata: meta } : {}),
      });
      onCreated(secret);
    } catch (error) {
      const firstRow = rows[0]!.id;
      const { field, message } = formError(error, {
        key: "key",
        value: "value",
        fields: "fields",
        description: "description",
        type: "type",
        metadata: "metadata",
      });
      if (field === "value") setErrors({ rows: { [firstRow]: { value: message } } });
      else if (field === "fields" && !named) setErrors({ rows: { [firstRow]: { value: message } } });
      else setErrors(field === undefined ? { form: message } : { [field]: message });
      focusInvalid();
      setBusy(false);
    }
  }

  const addField = () => {
    setNamed(true);
    setRows((current) => [...current, { id: nextRowId++, name: "" }]);
  };

  return (
    <Dialog
      title="Add Secret"
      description={<EnvironmentNote project={project} environment={environment} />}
      onClose={onClose}
    >
      <form ref={formRef} noValidate onSubmit={submit}>
        <FormAlert message={errors.form} />
        <Field
          label="Secret Key"
          required
          error={errors.key}
          hint="e.g. DATABASE_URL. Letters, digits, '_' and '-'; '/' separates segments. Cannot be changed later."
        >
          {(control) => (
            <input
              {...control}
              className="mono"
              autoComplete="off"
              spellCheck={false}
              data-autofocus={initialKey === "" ? true : undefined}
              value={key}
              onChange={(event) => setKey(event.target.value)}
            />
          )}
        </Field>
        <fieldset className="value-rows">
          <legend className={named ? undefined : "visually-hidden"}>Secret fields</legend>
          {rows.map((row, index) => (
            <div key={row.id} className={named ? "value-row value-row-named" : "value-row"}>
              {named ? (
                <Field label={`Field ${index + 1} name`} required error={errors.rows?.[row.id]?.name}>
                  {(control) => (
                    <input
                      {...control}
                      className="mono"
                      autoComplete="off"
                      spellCheck={false}
                      placeholder="e.g. username"
                      value={row.name}
                      onChange={(event) =>
                        setRows((current) =>
                          current.map((other) =>
                            other.id === row.id ? { ...other, name: event.target.value } : other,
                          ),
                        )
                      }
                    />
                  )}
                </Field>
              ) : null}
              <Field
                label={named ? `Field ${index + 1} value` : "Secret Value"}
                required
                error={errors.rows?.[row.id]?.value}
                hint={named ? undefined : "Stored encrypted. It is never shown again, only replaced."}
              >
                {(control) => (
                  <input
                    {...control}
                    ref={(input) => {
                      if (input) valueInputs.current.set(row.id, input);
                      else valueInputs.current.delete(row.id);
                    }}
                    type="password"
                    autoComplete="new-password"
                    spellCheck={false}
                    data-autofocus={index === 0 && initialKey !== "" ? true : undefined}
                  />
                )}
              </Field>
              {named && rows.length > 1 ? (
                <button
                  type="button"
                  className="icon-button value-row-remove"
                  aria-label={`Remove field ${index + 1}`}
                  title="Remove field"
                  onClick={() => setRows((current) => current.filter((other) => other.id !== row.id))}
                >
                  <CloseIcon />
                </button>
              ) : null}
            </div>
          ))}
          {errors.fields ? <p className="field-error">{errors.fields}</p> : null}
          <button type="button" className="button button-small" onClick={addField}>
            <PlusIcon /> Add field
          </button>
          {named ? null : (
            <p className="field-hint">For credentials made of several parts (host, username, password…).</p>
          )}
        </fieldset>
        <DescriptionField value={description} onChange={setDescription} error={errors.description} />
        <TypeField value={type} onChange={setType} error={errors.type} />
        <PairsEditor
          legend="Metadata"
          pairs={metadata}
          onChange={setMetadata}
          rowErrors={errors.metadataRows ?? {}}
          error={errors.metadata}
        />
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <SubmitButton busy={busy} busyLabel="Creating…">
            Create Secret
          </SubmitButton>
        </div>
      </form>
    </Dialog>
  );
}

export function EnvironmentNote({ project, environment }: { project: string; environment: string }) {
  return (
    <p>
      In <span className="mono">{project}</span> / <span className="mono">{environment}</span>
    </p>
  );
}
