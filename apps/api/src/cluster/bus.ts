import { connect, type NatsConnection } from "@nats-io/transport-node";

/**
 * How often a bus connection pings the NATS server, and how many pings may go unanswered: a dead
 * server is noticed in about 2 × 2 s instead of nats.js's default 2 × 2 min (notes/scale-out.md §2).
 */
const PING_INTERVAL_MS = 2_000;
const MAX_PINGS_OUT = 2;
/** Between reconnect attempts (nats.js adds jitter). */
const RECONNECT_WAIT_MS = 500;
/** How long the first connection may take at start-up before the server refuses to start. */
const FIRST_CONNECT_TIMEOUT_MS = 10_000;

/** One bus connection's state, as /api/health/details shows it. */
export interface BusConnectionState {
  connected: boolean;
  /** When it last connected or lost its connection (epoch ms). */
  since: number;
  /** How many times it reconnected since start-up. */
  reconnects: number;
  /** Messages the server or the client reported dropped for this connection being slow. */
  slowConsumerEvents: number;
}

/**
 * The two NATS connections of a replica: `telemetry` carries the live firehose (and may be cut by
 * the NATS server as a slow consumer under load), `control` carries commands, presence and
 * broadcasts, so a firehose stall never drops a command (notes/scale-out.md §4.5). Both reconnect
 * forever (`maxReconnectAttempts: -1`); neither echoes what it publishes back to itself, since the
 * replica delivers its own traffic in-process.
 */
export class NatsBus {
  readonly telemetry: NatsConnection;
  readonly control: NatsConnection;
  readonly #states: { telemetry: BusConnectionState; control: BusConnectionState };
  readonly #controlBack: (() => void)[] = [];

  private constructor(telemetry: NatsConnection, control: NatsConnection) {
    this.telemetry = telemetry;
    this.control = control;
    this.#states = {
      telemetry: watchState(telemetry, () => {}),
      control: watchState(control, () => {
        for (const listener of this.#controlBack) listener();
      }),
    };
  }

  /** Calls `listener` each time the control connection is back after an outage (subscriptions are restored by then). */
  onControlReconnect(listener: () => void): void {
    this.#controlBack.push(listener);
  }

  /**
   * Connects both connections to `url` (see natsServerOptions), named after the replica for
   * `nats-server` monitoring. Rejects, with the server named and the credentials left out, when
   * NATS cannot be reached or refuses them within FIRST_CONNECT_TIMEOUT_MS: a replica that never
   * joined the cluster would serve a partial view of the fleet.
   */
  static async connect(url: string, replicaId: string): Promise<NatsBus> {
    const { server, auth } = natsServerOptions(url);
    const options = {
      servers: server,
      ...auth,
      maxReconnectAttempts: -1,
      // nats.js stops reconnecting after two refusals of its credentials in a row; a replica keeps
      // trying (the operator may be fixing the server's users), as it does for any other outage.
      ignoreAuthErrorAbort: true,
      reconnectTimeWait: RECONNECT_WAIT_MS,
      pingInterval: PING_INTERVAL_MS,
      maxPingOut: MAX_PINGS_OUT,
      timeout: FIRST_CONNECT_TIMEOUT_MS,
      noEcho: true,
    };
    const opened: NatsConnection[] = [];
    try {
      opened.push(await connect({ ...options, name: `crowsnest-${replicaId}-telemetry` }));
      opened.push(await connect({ ...options, name: `crowsnest-${replicaId}-control` }));
    } catch (err) {
      await Promise.all(opened.map((nc) => nc.close()));
      throw new Error(`cannot join NATS at ${server} (CROWSNEST_NATS_URL): ${(err as Error).message}`, {
        cause: err,
      });
    }
    const [telemetry, control] = opened as [NatsConnection, NatsConnection];
    return new NatsBus(telemetry, control);
  }

  /** Both connections' states. */
  states(): { telemetry: BusConnectionState; control: BusConnectionState } {
    return { telemetry: { ...this.#states.telemetry }, control: { ...this.#states.control } };
  }

  /** Whether the control connection is up: commands and claims to other replicas can be sent. */
  get controlConnected(): boolean {
    return this.#states.control.connected;
  }

  /**
   * Whether the telemetry connection is up. While it is down nats.js would buffer every publish
   * in memory without bound until it reconnects, so live frames are not published then.
   */
  get telemetryConnected(): boolean {
    return this.#states.telemetry.connected;
  }

  /** Sends what is still buffered, then closes both connections. */
  async close(): Promise<void> {
    await Promise.allSettled([this.telemetry.drain(), this.control.drain()]);
  }
}

/** What a bus connection authenticates with, as NATS's connect options take it. */
export type NatsAuth = { user: string; pass: string } | { token: string } | Record<string, never>;

/**
 * The server and credentials of a CROWSNEST_NATS_URL (nats:// or tls://, port 4222 by default):
 * `nats://USER:PASSWORD@HOST:PORT` gives a user and password, `nats://TOKEN@HOST:PORT` a token
 * (NATS's own URL convention), percent-escapes decoded; no credentials: `auth` is empty.
 * `server` never carries them, so it may be logged or shown. Throws on a value that is not a URL
 * (the configuration refused it already).
 */
export function natsServerOptions(url: string): { server: string; auth: NatsAuth } {
  const parsed = new URL(url);
  const server = `${parsed.protocol === "tls:" ? "tls://" : ""}${parsed.hostname}:${parsed.port || "4222"}`;
  const user = decodeURIComponent(parsed.username);
  const pass = decodeURIComponent(parsed.password);
  if (user === "") return { server, auth: {} };
  return { server, auth: pass === "" ? { token: user } : { user, pass } };
}

/** Follows a connection's status events into a state object that is kept up to date; `reconnected` after each reconnect. */
function watchState(nc: NatsConnection, reconnected: () => void): BusConnectionState {
  const state: BusConnectionState = {
    connected: true,
    since: Date.now(),
    reconnects: 0,
    slowConsumerEvents: 0,
  };
  (async () => {
    for await (const status of nc.status()) {
      switch (status.type) {
        case "disconnect":
          state.connected = false;
          state.since = Date.now();
          break;
        case "reconnect":
          state.connected = true;
          state.since = Date.now();
          state.reconnects++;
          reconnected();
          break;
        case "slowConsumer":
          state.slowConsumerEvents++;
          break;
        case "close":
          state.connected = false;
          state.since = Date.now();
          return;
      }
    }
  })().catch(() => {
    // The status iterator ends with the connection; nothing to report.
  });
  return state;
}
