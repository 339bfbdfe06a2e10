// Who is signed in: picks up an existing session on load, signs in and out, and notices when a session ends.
import type { Credentials, User } from "@coffer/sdk";
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { coffer, setCsrfToken, setUnauthorizedListener } from "./api.ts";

export type SessionState =
  | { status: "loading" }
  | { status: "signed-out"; notice: string | undefined }
  | { status: "signed-in"; user: User };

type SessionContextValue = {
  session: SessionState;
  signIn(credentials: Credentials): Promise<void>;
  signOut(): Promise<void>;
};

const SessionContext = createContext<SessionContextValue | undefined>(undefined);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<SessionState>({ status: "loading" });

  useEffect(() => {
    setUnauthorizedListener(() => {
      setCsrfToken(undefined);
      setSession((current) =>
        current.status === "signed-in"
          ? { status: "signed-out", notice: "Your session has ended. Sign in again to continue." }
          : current,
      );
    });
    const controller = new AbortController();
    coffer.auth
      .me({ signal: controller.signal })
      .then((me) => {
        if (me.user === null) {
          setSession({ status: "signed-out", notice: undefined });
          return;
        }
        setCsrfToken(me.csrfToken ?? undefined);
        setSession({ status: "signed-in", user: me.user });
      })
      .catch(() => {
        if (!controller.signal.aborted) setSession({ status: "signed-out", notice: undefined });
      });
    return () => controller.abort();
  }, []);

  const signIn = useCallback(async (credentials: Credentials) => {
    const result = await coffer.auth.login(credentials);
    setCsrfToken(result.csrfToken);
    setSession({ status: "signed-in", user: result.user });
  }, []);

  const signOut = useCallback(async () => {
    try {
      await coffer.auth.logout();
    } finally {
      setCsrfToken(undefined);
      setSession({ status: "signed-out", notice: "You have signed out." });
    }
  }, []);

  const value = useMemo(() => ({ session, signIn, signOut }), [session, signIn, signOut]);
  return <SessionContext value={value}>{children}</SessionContext>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (value === undefined) throw new Error("useSession needs a SessionProvider");
  return value;
}

/** The signed-in person; only for pages rendered behind the sign-in gate. */
export function useUser(): User {
  const { session } = useSession();
  if (session.status !== "signed-in") throw new Error("useUser needs a signed-in session");
  return session.user;
}
