// A labelled form field with its hint and its error (client check or server answer) tied to the control.
import { type ReactNode, type RefObject, useCallback, useEffect, useId, useState } from "react";

/** What the control inside a Field spreads onto itself. */
export type ControlProps = {
  id: string;
  "aria-describedby": string | undefined;
  "aria-invalid": true | undefined;
  "aria-required": true | undefined;
};

type FieldProps = {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | undefined;
  required?: boolean;
  /** Shown after the label, e.g. "(optional)". */
  note?: string;
  className?: string;
  children(control: ControlProps): ReactNode;
};

export function Field({ label, hint, error, required, note, className, children }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [error ? errorId : undefined, hint ? hintId : undefined].filter(Boolean).join(" ");
  return (
    <div className={`field${error ? " field-invalid" : ""}${className ? ` ${className}` : ""}`}>
      <label htmlFor={id}>
        {label}
        {required ? <span className="required-mark"> (required)</span> : null}
        {note ? <span className="field-note"> {note}</span> : null}
      </label>
      {children({
        id,
        "aria-describedby": describedBy || undefined,
        "aria-invalid": error ? true : undefined,
        "aria-required": required ? true : undefined,
      })}
      {error ? (
        <p id={errorId} className="field-error">
          {error}
        </p>
      ) : null}
      {hint ? (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** An error about the whole form (or one no field of the form can show), announced when it appears. */
export function FormAlert({ message }: { message: string | undefined }) {
  if (!message) return null;
  return (
    <div className="form-alert" role="alert">
      {message}
    </div>
  );
}

/**
 * Returns a function that moves focus to the form's first control marked invalid, once React has
 * rendered the errors set alongside it (an effect, so it runs after that render's commit).
 */
export function useFocusInvalid(form: RefObject<HTMLFormElement | null>): () => void {
  const [requests, setRequests] = useState(0);
  useEffect(() => {
    if (requests > 0) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [requests, form]);
  return useCallback(() => setRequests((count) => count + 1), []);
}

/**
 * A form's submit button. While the request runs it is aria-disabled rather than disabled, so a
 * keyboard user's focus stays on it; the form's submit handler ignores submits while busy.
 */
export function SubmitButton({
  busy,
  busyLabel,
  variant = "primary",
  children,
}: {
  busy: boolean;
  busyLabel: string;
  variant?: "primary" | "danger";
  children: ReactNode;
}) {
  return (
    <button type="submit" className={`button button-${variant}`} aria-disabled={busy || undefined}>
      {busy ? busyLabel : children}
    </button>
  );
}
