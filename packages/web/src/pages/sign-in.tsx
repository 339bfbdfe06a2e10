// The sign-in form: email and password; the session itself lives in an HttpOnly cookie.
import { type FormEvent, useRef, useState } from "react";
import { formError } from "../api.ts";
import { Field, FormAlert, SubmitButton, useFocusInvalid } from "../components/field.tsx";
import { LockIcon } from "../components/icons.tsx";
import { usePageTitle } from "../page-title.ts";
import { useSession } from "../session.tsx";

type Errors = { email?: string; password?: string; form?: string };

export function SignInPage({ notice }: { notice: string | undefined }) {
  usePageTitle("Sign in");
  const { signIn } = useSession();
  const [email, setEmail] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const focusInvalid = useFocusInvalid(formRef);
  const passwordRef = useRef<HTMLInputElement>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const password = passwordRef.current?.value ?? "";
    const found: Errors = {};
    if (email.trim() === "") found.email = "Email is required";
    if (password === "") found.password = "Password is required";
    setErrors(found);
    if (found.email || found.password) return focusInvalid();
    setBusy(true);
    try {
      await signIn({ email: email.trim(), password });
    } catch (error) {
      const { field, message } = formError(error, { email: "email", password: "password" });
      setErrors(field === undefined ? { form: message } : { [field]: message });
      if (passwordRef.current) passwordRef.current.value = "";
      focusInvalid();
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="auth-page">
      <div className="auth-card">
        <p className="brand brand-large">
          <LockIcon /> Coffer
        </p>
        <h1 tabIndex={-1}>Sign in</h1>
        {notice ? <p className="notice">{notice}</p> : null}
        <form ref={formRef} noValidate onSubmit={submit}>
          <FormAlert message={errors.form} />
          <Field label="Email" error={errors.email} required>
            {(control) => (
              <input
                {...control}
                type="email"
                autoComplete="username"
                value={email}
                onChange={(event) => setEmail(event.target.value)}
              />
            )}
          </Field>
          <Field label="Password" error={errors.password} required>
            {(control) => (
              <input {...control} ref={passwordRef} type="password" autoComplete="current-password" />
            )}
          </Field>
          <SubmitButton busy={busy} busyLabel="Signing in…">
            Sign in
          </SubmitButton>
        </form>
      </div>
    </main>
  );
}
