import Link from "next/link";

export default function NotFound() {
  return (
    <main className="page">
      <div className="state" data-testid="not-found">
        <h1>Not found</h1>
        <p>
          There is nothing at this address. <Link href="/fleet">Back to the fleet</Link>
        </p>
      </div>
    </main>
  );
}
