import WebSocket from "ws";

/**
 * Tries a WebSocket upgrade and reports the HTTP status: 101 when it was accepted (the socket is
 * then closed at once), or the refusal's status. Nothing is sent on an accepted socket.
 */
export function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on("unexpected-response", (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on("open", () => {
      resolve(101);
      ws.close();
    });
    ws.on("error", (err) => reject(err));
  });
}
