"use client";
import { Me } from "@crowsnest/protocol";
import { createContext, type ReactNode, useContext, useEffect, useState } from "react";
import { errorText, HttpError, redirectToLogin, request } from "../lib/api.ts";
import { LiveClient, type LiveStatus, liveUrl } from "../lib/live.ts";

interface Session {
  me: Me | null;
  live: LiveClient | null;
  liveStatus: LiveStatus;
}

const SessionContext = createContext<Session>({ me: null, live: null, liveStatus: "connecting" });

export function useSession(): Session {
  return useContext(SessionContext);
}

/** Whether /api/me says the session is gone; any other failure is not taken for that. */
async function sessionEnded(): Promise<boolean> {
  try {
    await request(Me, "/api/me", { noAuthRedirect: true });
    return false;
  } catch (err) {
    return err instanceof HttpError && err.status === 401;
  }
}

/** Loads /api/me (sending the user to log in if there is no session) and opens the live socket. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState<LiveClient | null>(null);
  const [liveStatus, setLiveStatus] = useState<LiveStatus>("connecting");

  useEffect(() => {
    const ac = new AbortController();
    request(Me, "/api/me", { signal: ac.signal }).then(setMe, (err: unknown) => {
      if (ac.signal.aborted) return;
      if (!(err instanceof HttpError && err.status === 401)) setError(errorText(err));
    });
    return () => ac.abort();
  }, []);

  useEffect(() => {
    if (!me) return;
    // The live socket outlives a session that expires while idle: check when the user comes back.
    const recheck = () => {
      if (document.visibilityState === "visible")
        void sessionEnded().then((ended) => ended && redirectToLogin());
    };
    document.addEventListener("visibilitychange", recheck);
    return () => document.removeEventListener("visibilitychange", recheck);
  }, [me]);

  useEffect(() => {
    if (!me) return;
    const client = new LiveClient(liveUrl(window.location));
    // Closed for auth reasons (or refused at the upgrade): if /api/me agrees, go log in again.
    client.onUnauthorized = () => void sessionEnded().then((ended) => ended && redirectToLogin());
    const off = client.onStatus(setLiveStatus);
    client.start();
    setLive(client);
    return () => {
      off();
      client.stop();
      setLive(null);
    };
  }, [me]);

  if (error) {
    return (
      <div className="page">
        <div className="state state-error" role="alert" data-testid="session-error">
          Could not load your session: {error}
        </div>
      </div>
    );
  }
  if (!me) {
    return (
      <div className="page">
        <div className="state" data-testid="session-loading">
          Loading…
        </div>
      </div>
    );
  }
  return <SessionContext.Provider value={{ me, live, liveStatus }}>{children}</SessionContext.Provider>;
}
