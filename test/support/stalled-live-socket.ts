import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";

/**
 * A browser that upgrades to /ws/live, subscribes, and then never reads another byte: the
 * slowest consumer there is. Written against raw TCP so that nothing reads on its behalf.
 */
export async function stalledLiveSocket(
  port: number,
  cookie: string,
  origin: string,
  subscribe: unknown,
): Promise<Socket> {
  const socket = connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  socket.write(
    [
      "GET /ws/live HTTP/1.1",
      `Host: 127.0.0.1:${port}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}`,
      "Sec-WebSocket-Version: 13",
      `Origin: ${origin}`,
      `Cookie: ${cookie}`,
      "",
      "",
    ].join("\r\n"),
  );
  const head = await new Promise<string>((resolve, reject) => {
    socket.once("data", (chunk) => resolve(chunk.toString("latin1")));
    socket.once("error", reject);
  });
  if (!head.startsWith("HTTP/1.1 101")) throw new Error(`upgrade refused: ${head.split("\r\n")[0]}`);
  socket.write(maskedTextFrame(JSON.stringify(subscribe)));
  socket.pause();
  socket.on("error", () => undefined); // the server closing a stalled socket is the expected end
  return socket;
}

/** A client-to-server text frame (clients must mask), for payloads under 64 KiB. */
function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text, "utf8");
  if (payload.length >= 65_536) throw new Error("frame too large for this helper");
  const mask = randomBytes(4);
  const header =
    payload.length < 126
      ? Buffer.from([0x81, 0x80 | payload.length])
      : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const masked = Buffer.alloc(payload.length);
  for (let i = 0; i < payload.length; i++) masked[i] = (payload[i] as number) ^ (mask[i % 4] as number);
  return Buffer.concat([header, mask, masked]);
}
