"use client";
import { type LoginRequest, Me } from "@crowsnest/protocol";
import { type FormEvent, useEffect, useState } from "react";
import { ThemeToggle } from "../../components/theme-toggle.tsx";
import { errorText, request, safeNext } from "../../lib/api.ts";

export function LoginClient({ next }: { next: string | null }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Until React has hydrated, a click would submit the form natively: keep the button off till then.
  const [ready, setReady] = useState(false);
  useEffect(() => setReady(true), []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const body: LoginRequest = { username, password };
    try {
      await request(Me, "/api/auth/login", { method: "POST", body, noAuthRedirect: true });
      window.location.assign(safeNext(next, window.location.origin));
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  return (
    <main className="login-page">
      <form
        className="card login-card"
        method="post"
        onSubmit={(e) => void submit(e)}
        aria-labelledby="login-title"
      >
        <div className="row spread">
          <h1 id="login-title">Crowsnest</h1>
          <ThemeToggle />
        </div>
        <p className="muted">Sign in to your fleet.</p>
        <label>
          Username
          <input
            name="username"
            autoComplete="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            required
            data-testid="login-username"
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
            data-testid="login-password"
          />
        </label>
        {error && (
          <p className="error" role="alert" data-testid="login-error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy || !ready} data-testid="login-submit">
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
