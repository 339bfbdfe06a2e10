// The Description and Type fields, shared by the Add and Edit dialogs.
import { useId } from "react";
import { Field } from "../components/field.tsx";

/** Suggestions only: the type is free text the server stores as given (default "generic"). */
const TYPES = ["generic", "api-key", "password", "token", "connection-string", "certificate", "ssh-key"];

type TextFieldProps = { value: string; onChange(value: string): void; error: string | undefined };

export function DescriptionField({ value, onChange, error }: TextFieldProps) {
  return (
    <Field
      label="Description"
      note="(optional)"
      error={error}
      hint="What it is for, and how to get a new value when it has to change."
    >
      {(control) => (
        <textarea {...control} rows={2} value={value} onChange={(event) => onChange(event.target.value)} />
      )}
    </Field>
  );
}

export function TypeField({ value, onChange, error }: TextFieldProps) {
  const listId = useId();
  return (
    <Field label="Type" error={error} hint="Pick one or write your own.">
      {(control) => (
        <>
          <input
            {...control}
            list={listId}
            autoComplete="off"
            value={value}
            onChange={(event) => onChange(event.target.value)}
          />
          <datalist id={listId}>
            {TYPES.map((type) => (
              <option key={type} value={type} />
            ))}
          </datalist>
        </>
      )}
    </Field>
  );
}
