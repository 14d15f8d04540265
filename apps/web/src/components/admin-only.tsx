"use client";
import type { ReactNode } from "react";
import { useSession } from "./session.tsx";

/** Admin pages: other roles see why they cannot use them (the server refuses them anyway). */
export function AdminOnly({ children }: { children: ReactNode }) {
  const { me } = useSession();
  if (me?.role !== "ADMIN") {
    return (
      <div className="state state-error" role="alert" data-testid="admin-only">
        This page is for administrators. Your role is {me?.role ?? "unknown"}.
      </div>
    );
  }
  return <>{children}</>;
}
