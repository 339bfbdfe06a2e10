// The Edit dialog: the key is read-only, new values are optional (empty keeps the current one), and
// description, type and metadata can change; saving nothing new says "No changes to save".
import type { Secret, SecretChange } from "@coffer/sdk";
import { type FormEvent, useRef, useState } from "react";
import { coffer, formError } from "../api.ts";
import { Dialog } from "../components/dialog.tsx";
import { Field, FormAlert, SubmitButton, useFocusInvalid } from "../components/field.tsx";
import { checkPairs, type Pair, PairsEditor, pairsOf, recordOf } from "../components/pairs-editor.tsx";
import { EnvironmentNote } from "./add-secret.tsx";
import { DescriptionField, TypeField } from "./secret-fields.tsx";

type Errors = {
  value?: string;
  description?: string;
  type?: string;
  metadata?: string;
  metadataRows?: Record<number, string>;
  form?: string;
};

type EditSecretProps = {
  project: string;
  environment: string;
  secret: Secret;
  onClose(): void;
  onSaved(secret: Secret): void;
};

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key])
  );
}

export function EditSecretDialog({ project, environment, secret, onClose, onSaved }: EditSecretProps) {
  const [description, setDescription] = useState(secret.description);
  const [type, setType] = useState(secret.type);
  const [metadata, setMetadata] = useState<Pair[]>(() => pairsOf(secret.metadata));
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const focusInvalid = useFocusInvalid(formRef);
  const valueInputs = useRef(new Map<string, HTMLInputElement>());
  const single = secret.fields.length === 1 && secret.fields[0] === "value";

  /** Only what differs from the secret as loaded; an empty value keeps the current one. */
  function changes(): {
    value: SecretChange;
    attributes: { description?: string; type?: string; metadata?: Record<string, string> };
  } {
    const newValues: Record<string, string> = {};
    for (const field of secret.fields) {
      const text = valueInputs.current.get(field)?.value ?? "";
      if (text !== "") newValues[field] = text;
    }
    const value: SecretChange =
      Object.keys(newValues).length === 0 ? null : single ? (newValues["value"] ?? null) : newValues;
    const attributes: { description?: string; type?: string; metadata?: Record<string, string> } = {};
    if (description.trim() !== secret.description) attributes.description = description.trim();
    if (type.trim() !== secret.type && type.trim() !== "") attributes.type = type.trim();
    const meta = recordOf(metadata);
    if (!sameRecord(meta, secret.metadata)) attributes.metadata = meta;
    return { value, attributes };
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const metadataRows = checkPairs(metadata);
    if (Object.keys(metadataRows).length > 0) {
      setErrors({ metadataRows });
      return focusInvalid();
    }
    const { value, attributes } = changes();
    if (value === null && Object.keys(attributes).length === 0) {
      setErrors({ form: "No changes to save" });
      return;
    }
    setBusy(true);
    try {
      const saved = await coffer.secrets.update(secret.key, value, { project, environment, ...attributes });
      onSaved(saved);
    } catch (error) {
      const { field, message } = formError(error, {
        value: "value",
        fields: "value",
        description: "description",
        type: "type",
        metadata: "metadata",
      });
      setErrors(field === undefined ? { form: message } : { [field]: message });
      focusInvalid();
      setBusy(false);
    }
  }

  return (
    <Dialog
      title="Edit Secret"
      description={<EnvironmentNote project={project} environment={environment} />}
      onClose={onClose}
    >
      <form ref={formRef} noValidate onSubmit={submit}>
        <FormAlert message={errors.form} />
        <Field
          label="Secret Key"
          hint="Keys cannot be changed. To use another key, create a new secret and delete this one."
        >
          {(control) => <input {...control} className="mono" readOnly value={secret.key} />}
        </Field>
        {secret.fields.map((field, index) => (
          <Field
            key={field}
            label={
              single ? (
                "New Value"
              ) : (
                <>
                  New value for <span className="mono">{field}</span>
                </>
              )
            }
            note="(optional)"
            error={index === 0 ? errors.value : undefined}
            hint={
              index === secret.fields.length - 1
                ? "Leave empty to keep the current value. The current value is never shown."
                : undefined
            }
          >
            {(control) => (
              <input
                {...control}
                ref={(input) => {
                  if (input) valueInputs.current.set(field, input);
                  else valueInputs.current.delete(field);
                }}
                type="password"
                autoComplete="new-password"
                spellCheck={false}
                data-autofocus={index === 0 ? true : undefined}
              />
            )}
          </Field>
        ))}
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
          <SubmitButton busy={busy} busyLabel="Saving…">
            Update Secret
          </SubmitButton>
        </div>
      </form>
    </Dialog>
  );
}
