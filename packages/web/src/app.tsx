// The application shell: sign-in gate, top bar with navigation, and the page for the current address.
import { type ReactNode, useEffect } from "react";
import { AnnouncerProvider } from "./announcer.tsx";
import { LockIcon } from "./components/icons.tsx";
import { Loading } from "./components/status.tsx";
import { AuditPage } from "./pages/audit.tsx";
import { MembersPage } from "./pages/members.tsx";
import { NotFoundPage } from "./pages/not-found.tsx";
import { ProjectPage } from "./pages/project.tsx";
import { ProjectsPage } from "./pages/projects.tsx";
import { SetupPage } from "./pages/setup.tsx";
import { SignInPage } from "./pages/sign-in.tsx";
import { TokensPage } from "./pages/tokens.tsx";
import { Link, matchPath, navigate, useLocation } from "./router.tsx";
import { SessionProvider, useSession, useUser } from "./session.tsx";

export function App() {
  return (
    <AnnouncerProvider>
      <SessionProvider>
        <Gate />
      </SessionProvider>
    </AnnouncerProvider>
  );
}

function Gate() {
  const { session } = useSession();
  const { path } = useLocation();
  if (path === "/setup") return <SetupPage />;
  if (session.status === "loading") {
    return (
      <main id="main" className="auth-page">
        <Loading />
      </main>
    );
  }
  // Any address works signed out: the sign-in form shows there, and the page follows sign-in.
  if (session.status === "signed-out") return <SignInPage notice={session.notice} />;
  return (
    <Shell>
      <Routes />
    </Shell>
  );
}

function Routes() {
  const { path } = useLocation();
  if (path === "/") return <ProjectsPage />;
  if (path === "/tokens") return <TokensPage />;
  if (path === "/audit") return <AuditPage />;
  let params = matchPath("/projects/:project", path);
  if (params) return <ProjectPage project={params["project"]!} environment={undefined} />;
  params = matchPath("/projects/:project/env/:env", path);
  if (params) return <ProjectPage project={params["project"]!} environment={params["env"]!} />;
  params = matchPath("/projects/:project/members", path);
  if (params) return <MembersPage project={params["project"]!} />;
  return <NotFoundPage />;
}

const NAV = [
  { href: "/", label: "Projects", current: (path: string) => path === "/" || path.startsWith("/projects/") },
  { href: "/tokens", label: "API tokens", current: (path: string) => path === "/tokens" },
  { href: "/audit", label: "Audit log", current: (path: string) => path === "/audit" },
];

function Shell({ children }: { children: ReactNode }) {
  const user = useUser();
  const { signOut } = useSession();
  const { path } = useLocation();

  // A new page moves focus to its heading, as a full page load would, so screen readers announce it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the path is the trigger, not an input.
  useEffect(() => {
    document.querySelector<HTMLElement>("main h1")?.focus({ preventScroll: true });
  }, [path]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link className="brand" href="/">
          <LockIcon /> Coffer
        </Link>
        <nav aria-label="Main" className="main-nav">
          {NAV.map((item) => (
            <Link key={item.href} href={item.href} aria-current={item.current(path) ? "page" : undefined}>
              {item.label}
            </Link>
          ))}
        </nav>
        <div className="account">
          <span className="account-name" title={user.email}>
            {user.name || user.email}
          </span>
          <button
            type="button"
            className="button button-small"
            onClick={() => {
              void signOut().finally(() => navigate("/"));
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
