// The page for an address the UI does not know.
import { usePageTitle } from "../page-title.ts";
import { Link } from "../router.tsx";

export function NotFoundPage() {
  usePageTitle("Not found");
  return (
    <section className="page">
      <h1 tabIndex={-1}>Page not found</h1>
      <p>
        There is nothing at this address. <Link href="/">Go to your projects</Link>.
      </p>
    </section>
  );
}
