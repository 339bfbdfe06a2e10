// First-run setup: the one-time link printed by `coffer serve` creates the first administrator.
import { type FormEvent, useEffect, useRef, useState } from "react";
import { coffer, formError } from "../api.ts";
import { Field, FormAlert, SubmitButton, useFocusInvalid } from "../components/field.tsx";
import { LockIcon } from "../components/icons.tsx";
import { usePageTitle } from "../page-title.ts";
import { navigate } from "../router.tsx";
import { useSession } from "../session.tsx";

type Errors = { name?: string; email?: string; password?: string; confirm?: string; form?: string };

/** Read once: the token then leaves the address bar (and the browser history). */
function takeSetupToken(): string {
  const token = new URLSearchParams(window.location.search).get("token") ?? "";
  if (token !== "") window.history.replaceState(null, "", "/setup");
  return token;
}

export function SetupPage() {
  usePageTitle("Set up Coffer");
  const { session, signIn } = useSession();
  const [token] = useState(takeSetupToken);
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const focusInvalid = useFocusInvalid(formRef);
  const passwordRef = useRef<HTMLInputElement>(null);
  const confirmRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (session.status === "signed-in") navigate("/", { replace: true });
  }, [session.status]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const password = passwordRef.current?.value ?? "";
    const confirm = confirmRef.current?.value ?? "";
    const found: Errors = {};
    if (email.trim() === "") found.email = "Email is required";
    if (password === "") found.password = "Password is required";
    else if (confirm !== password) found.confirm = "The passwords do not match";
    setErrors(found);
    if (Object.keys(found).length > 0) return focusInvalid();
    setBusy(true);
    try {
      await coffer.auth.setup({
        token,
        email: email.trim(),
        password,
        ...(name.trim() ? { name: name.trim() } : {}),
      });
      await signIn({ email: email.trim(), password });
      navigate("/", { replace: true });
    } catch (error) {
      const { field, message } = formError(error, { email: "email", password: "password", name: "name" });
      setErrors(field === undefined ? { form: message } : { [field]: message });
      focusInvalid();
      setBusy(false);
    }
  }

  return (
    <main id="main" className="auth-page">
      <div className="auth-card">
        <p className="brand brand-large">
          <LockIcon /> Coffer
        </p>
        <h1 tabIndex={-1}>Set up Coffer</h1>
        <p className="notice">
          Create the first administrator. This link works once and for 15 minutes after the server started.
        </p>
        {token === "" ? (
          <div className="form-alert" role="alert">
            This page needs the setup link that <code>coffer serve</code> printed when it started.
          </div>
        ) : (
          <form ref={formRef} noValidate onSubmit={submit}>
            <FormAlert message={errors.form} />
            <Field label="Name" note="(optional)" error={errors.name}>
              {(control) => (
                <input
                  {...control}
                  autoComplete="name"
                  value={name}
                  onChange={(e) => setName(e.target.value)}
                />
              )}
            </Field>
            <Field label="Email" error={errors.email} required>
              {(control) => (
                <input
                  {...control}
                  type="email"
                  autoComplete="username"
                  value={email}
                  onChange={(e) => setEmail(e.target.value)}
                />
              )}
            </Field>
            <Field label="Password" hint="At least 12 characters." error={errors.password} required>
              {(control) => (
                <input {...control} ref={passwordRef} type="password" autoComplete="new-password" />
              )}
            </Field>
            <Field label="Confirm password" error={errors.confirm} required>
              {(control) => (
                <input {...control} ref={confirmRef} type="password" autoComplete="new-password" />
              )}
            </Field>
            <SubmitButton busy={busy} busyLabel="Creating…">
              Create administrator
            </SubmitButton>
          </form>
        )}
      </div>
    </main>
  );
}
