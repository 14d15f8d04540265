import { isIPv6 } from "node:net";
import { type NetworkInterfaceInfo, networkInterfaces } from "node:os";

/** What a person is told at start: the URL to open here, and the lines saying where the server listens. */
export interface ListenNotice {
  /** The dashboard's URL from this machine. */
  url: string;
  /** The address that reaches the server from this machine (a client's, not a browser's). */
  localAddress: string;
  /** The agent endpoint at that address, for a local agent. */
  localAgentUrl: string;
  lines: string[];
}

const WILDCARDS = new Set(["0.0.0.0", "::", ""]);

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

function hostPort(host: string, port: number): string {
  return `${isIPv6(host) ? `[${host}]` : host}:${port}`;
}

function httpUrl(host: string, port: number): string {
  return `http://${hostPort(host, port)}`;
}

/**
 * Where the server really listens (`host` and `port` as bound), and — unless only this machine can
 * reach it — that it speaks plain HTTP and how to put TLS in front. Printed by the server at start
 * and by `npm start`.
 */
export function listenNotice(
  host: string,
  port: number,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): ListenNotice {
  const localAddress = host === "::" ? "::1" : WILDCARDS.has(host) ? "127.0.0.1" : host;
  const local = { localAddress, localAgentUrl: `ws://${hostPort(localAddress, port)}/ws/agent` };
  if (isLoopback(host)) {
    const url = httpUrl(host, port);
    return { url, ...local, lines: [`listening on ${url} (this machine only)`] };
  }
  const lines: string[] = [];
  let url: string;
  if (WILDCARDS.has(host)) {
    url = `http://localhost:${port}`;
    const others = Object.values(interfaces)
      .flatMap((list) => list ?? [])
      .filter((i) => !i.internal && (host === "::" || i.family === "IPv4"))
      .map((i) => httpUrl(i.address, port));
    lines.push(
      `listening on every interface (${host || "::"}), port ${port}: ${url} from this machine` +
        (others.length > 0 ? `, ${others.join(", ")} from others` : ""),
    );
  } else {
    url = httpUrl(host, port);
    lines.push(`listening on ${url}`);
  }
  lines.push(
    "this is plain HTTP: passwords, session cookies and agent tokens cross the network unencrypted.",
    "To reach it from other machines, put a TLS reverse proxy in front (Caddy, nginx, HAProxy), let the",
    "server listen on loopback only (CROWSNEST_HOST=127.0.0.1) and set CROWSNEST_PUBLIC_URL=https://<name>",
    "and CROWSNEST_TRUSTED_PROXIES=127.0.0.1; agents then connect to wss://<name>/ws/agent.",
  );
  return { url, ...local, lines };
}
