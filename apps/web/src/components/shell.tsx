"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { type ReactNode, useEffect, useRef, useState } from "react";
import { errorText, request, signOut } from "../lib/api.ts";
import { NoContent } from "../lib/schemas.ts";
import { SessionProvider, useSession } from "./session.tsx";
import { ThemeToggle } from "./theme-toggle.tsx";

export function Shell({ children }: { children: ReactNode }) {
  return (
    <SessionProvider>
      <Header />
      <main className="page">{children}</main>
    </SessionProvider>
  );
}

function Header() {
  const { me, liveStatus } = useSession();
  const pathname = usePathname();
  const isAdmin = me?.role === "ADMIN";
  const links: { href: string; label: string; admin: boolean }[] = [
    { href: "/fleet", label: "Fleet", admin: false },
    { href: "/admin/hosts", label: "Hosts", admin: true },
    { href: "/admin/users", label: "Users", admin: true },
    { href: "/audit", label: "Audit", admin: true },
  ];
  return (
    <header className="topbar">
      <Link href="/fleet" className="brand" data-testid="brand">
        Crowsnest
      </Link>
      <nav aria-label="Main" className="nav">
        {links
          .filter((l) => !l.admin || isAdmin)
          .map((l) => (
            <Link
              key={l.href}
              href={l.href}
              className={pathname.startsWith(l.href) ? "active" : undefined}
              data-testid={`nav-${l.label.toLowerCase()}`}
            >
              {l.label}
            </Link>
          ))}
      </nav>
      <span
        className={`live-dot live-${liveStatus}`}
        data-testid="live-status"
        title={`Live updates: ${liveStatus}`}
      >
        {liveStatus === "open" ? "live" : liveStatus}
      </span>
      <ThemeToggle />
      {me && <UserMenu username={me.username} role={me.role} />}
    </header>
  );
}

/** A sign-out the server has not answered in this long shows an error, and the user can try again. */
const SIGN_OUT_TIMEOUT_MS = 10_000;

function UserMenu({ username, role }: { username: string; role: string }) {
  const [error, setError] = useState<string | null>(null);
  const menu = useRef<HTMLDetailsElement | null>(null);
  // A menu closes when one clicks elsewhere or presses Escape; <details> alone does neither.
  useEffect(() => {
    const close = (e: Event) => {
      const el = menu.current;
      if (!el?.open) return;
      if (e instanceof KeyboardEvent ? e.key === "Escape" : !el.contains(e.target as Node)) el.open = false;
    };
    document.addEventListener("pointerdown", close);
    document.addEventListener("keydown", close);
    return () => {
      document.removeEventListener("pointerdown", close);
      document.removeEventListener("keydown", close);
    };
  }, []);
  const [signingOut, setSigningOut] = useState(false);
  /** `everywhere`: every session of this user ends (other browsers too), else only this one. */
  const logout = async (everywhere: boolean) => {
    const path = everywhere ? "/api/auth/logout-everywhere" : "/api/auth/logout";
    setSigningOut(true);
    setError(null);
    try {
      const signal = AbortSignal.timeout(SIGN_OUT_TIMEOUT_MS);
      await signOut(() => request(NoContent, path, { method: "POST", noAuthRedirect: true, signal }));
    } catch (err) {
      setError(errorText(err));
      setSigningOut(false);
    }
  };
  return (
    <details ref={menu} className="user-menu" data-testid="user-menu">
      <summary aria-label={`User menu for ${username}`}>
        <span data-testid="user-name">{username}</span>{" "}
        <span className="badge" data-testid="user-role">
          {role}
        </span>
      </summary>
      <div className="menu-pop">
        <p>
          Signed in as <strong>{username}</strong> ({role})
        </p>
        <div className="menu-actions">
          <button type="button" onClick={() => void logout(false)} disabled={signingOut} data-testid="logout">
            Log out
          </button>
          <button
            type="button"
            onClick={() => void logout(true)}
            disabled={signingOut}
            title="Ends your sessions in every browser and closes their live updates"
            data-testid="logout-everywhere"
          >
            Log out everywhere
          </button>
        </div>
        {error && <p className="error">{error}</p>}
      </div>
    </details>
  );
}
