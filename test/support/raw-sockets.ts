import WebSocket from "ws";

export interface Opened {
  socket: WebSocket;
  messages: unknown[];
  closed: Promise<{ code: number; reason: string }>;
}

/** Outcome of a WebSocket upgrade: the socket, or the HTTP status the server refused it with. */
export type UpgradeOutcome = { ok: true; opened: Opened } | { ok: false; status: number };

/** Opens a raw WebSocket, as a hostile or broken peer would, and records everything it receives. */
export function openSocket(url: string, headers: Record<string, string>): Promise<UpgradeOutcome> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { headers, maxPayload: 64 * 1024 * 1024 });
    const messages: unknown[] = [];
    const closed = new Promise<{ code: number; reason: string }>((r) =>
      socket.once("close", (code, reason) => r({ code, reason: reason.toString() })),
    );
    socket.on("message", (data) => messages.push(JSON.parse(data.toString())));
    socket.once("open", () => resolve({ ok: true, opened: { socket, messages, closed } }));
    socket.once("unexpected-response", (_req, res) => {
      resolve({ ok: false, status: res.statusCode ?? 0 });
      res.resume();
      socket.terminate();
    });
    socket.once("error", () => resolve({ ok: false, status: 0 }));
  });
}

export async function expectOpen(url: string, headers: Record<string, string>): Promise<Opened> {
  const outcome = await openSocket(url, headers);
  if (!outcome.ok) throw new Error(`upgrade to ${url} refused with ${outcome.status}`);
  return outcome.opened;
}

export function send(opened: Opened, message: unknown): void {
  opened.socket.send(typeof message === "string" ? message : JSON.stringify(message));
}

/** Waits until a received message matches, or fails after the deadline. */
export async function nextMatching(
  opened: Opened,
  match: (m: unknown) => boolean,
  timeoutMs = 10_000,
): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = opened.messages.find(match);
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `no matching message within ${timeoutMs} ms; got ${JSON.stringify(opened.messages).slice(0, 500)}`,
  );
}
