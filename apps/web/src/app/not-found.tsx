import Link from "next/link";
import { pageTitle } from "../lib/format.ts";

export default function NotFound() {
  return (
    <main className="page">
      <title>{pageTitle("Not found")}</title>
      <div className="state" data-testid="not-found">
        <h1>Not found</h1>
        <p>
          There is nothing at this address. <Link href="/fleet">Back to the fleet</Link>
        </p>
      </div>
    </main>
  );
}
