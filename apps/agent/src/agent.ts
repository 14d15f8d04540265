import { mkdir, readFile } from "node:fs/promises";
import tls from "node:tls";
import {
  type AgentMessage,
  Backoff,
  type HostInfo,
  LIMITS,
  PROTOCOL_VERSION,
} from "@crowsnest/protocol/agent";
import packageJson from "../package.json" with { type: "json" };
import { rejectBadCommand } from "./commands/bad-command.ts";
import { CommandExecutor } from "./commands/executor.ts";
import { runCommand } from "./commands/run-command.ts";
import { type AgentConfig, ConfigError } from "./config.ts";
import { Connection, type Session } from "./connection/connection.ts";
import { parseDockerHost } from "./docker/docker-host.ts";
import type { DockerEngine } from "./docker/engine.ts";
import { fetchHostInfo } from "./docker/host-info.ts";
import { SocketEngine } from "./docker/socket-engine.ts";
import { Inventory } from "./inventory/inventory.ts";
import type { Logger } from "./logger.ts";
import { inotifyInstanceLimit, warnIfInotifyShort } from "./logs/inotify-limit.ts";
import { LogManager } from "./logs/log-manager.ts";
import { Sampler } from "./metrics/sampler.ts";
import { selectCollector } from "./metrics/select-collector.ts";
import { Outbox } from "./outbox/outbox.ts";
import { OutboxStore } from "./outbox/outbox-store.ts";
import { wireText } from "./outbox/wire-text.ts";
import { sleep } from "./sleep.ts";
import { CredentialStore } from "./state/credential-store.ts";

interface AgentParts {
  stop: AbortController;
  engine: DockerEngine;
  outbox: Outbox;
  logs: LogManager;
  sampler: Sampler;
  connection: Connection;
  inventoryDone: Promise<void>;
}

/** The running agent: Docker watchers feeding the outbox, and the connection draining it. */
export class Agent {
  readonly #parts: AgentParts;

  private constructor(parts: AgentParts) {
    this.#parts = parts;
  }

  static async start(config: AgentConfig, log: Logger): Promise<Agent> {
    const stop = new AbortController();
    await mkdir(config.stateDir, { recursive: true, mode: 0o700 });
    const credentials = new CredentialStore(config.stateDir, config.token);
    if ((await credentials.current()) === null) {
      throw new ConfigError(
        "no credential: set CROWSNEST_TOKEN (or --token-file FILE), or keep the credential file in --state-dir",
      );
    }
    const engine = new SocketEngine(parseDockerHost(config.dockerHost));
    const outbox = await Outbox.open(
      new OutboxStore(config.stateDir),
      config.outboxBytes,
      log.child({ part: "outbox" }),
    );
    const host = await waitForDocker(engine, log, stop.signal);
    const collector = await selectCollector(config.statsSource, engine, log.child({ part: "metrics" }));

    let session: Session | null = null;
    const logs = new LogManager({
      engine,
      sink: {
        line: (line, position) => outbox.addLine(line, position),
        dropped: (drop, position) => outbox.addDrop(drop, position),
        // Live status only: not kept for a server that is not connected (see LogLagReport).
        lag: (containerId, behindMs) =>
          session?.send({ type: "log_lag", time: Date.now(), lags: [{ containerId, behindMs }] }),
        forget: (id) => outbox.forgetResume(id),
      },
      resume: outbox.resumePositions,
      ratePerSecond: config.logRatePerSecond,
      current: (id) => inventory.get(id),
      log: log.child({ part: "logs" }),
    });
    const inventory: Inventory = new Inventory(
      engine,
      {
        event: (event, position) => outbox.addEvent(event, position),
        changed: (id, container, preexisting) => logs.update(id, container, preexisting),
        resynced: () => session?.send(inventorySnapshot()),
      },
      log.child({ part: "inventory" }),
      outbox.eventsPosition,
    );
    const inventorySnapshot = (): AgentMessage => ({
      type: "inventory",
      time: Date.now(),
      containers: inventory.snapshot().slice(0, LIMITS.containersPerHost),
    });
    const inventoryDone = inventory.run(stop.signal);
    await Promise.race([inventory.ready, inventoryDone]);
    warnIfInotifyShort(logs.following, await inotifyInstanceLimit(), log.child({ part: "logs" }));

    const sampler = new Sampler(
      collector,
      () => inventory.measured(),
      (samples) => outbox.addSamples(samples),
      log.child({ part: "metrics" }),
    );
    sampler.start(config.intervalSeconds);

    const executor = new CommandExecutor(engine);
    const commandLog = log.child({ part: "commands" });
    const connection = new Connection({
      url: config.serverUrl,
      ca: config.caFile === null ? undefined : await trustedCas(config.caFile),
      credentials,
      log: log.child({ part: "connection" }),
      handlers: {
        hello: () => ({
          type: "hello",
          protocolVersion: PROTOCOL_VERSION,
          agentVersion: packageJson.version,
          host,
          incarnation: outbox.incarnation,
          time: Date.now(),
        }),
        ready: (live, welcome) => {
          session = live;
          outbox.continueAbove(welcome.lastStoredSeq ?? null);
          live.send(inventorySnapshot());
          const metricsColumns = welcome.metricsColumns === true;
          outbox.attach((text) => live.sendText(wireText(text, metricsColumns)));
        },
        message: (message, live) => {
          if (message.type === "ack") outbox.ack(message.seq);
          else if (message.type === "error") log.warn("server reported an error", { ...message });
          else
            void runCommand((command) => executor.execute(command), message.command, commandLog).then(
              (outcome) => live.send({ type: "command_result", commandId: message.command.id, outcome }),
            );
        },
        badFrame: (frame, reason, live) => {
          const answer = rejectBadCommand(frame, reason);
          if (answer !== null) live.send(answer);
        },
        closed: () => {
          session = null;
          outbox.detach();
        },
      },
    });
    connection.start();
    return new Agent({ stop, engine, outbox, logs, sampler, connection, inventoryDone });
  }

  /** Stops watching, writes what is pending to disk, then says goodbye to the server. */
  async stop(): Promise<void> {
    const { stop, engine, outbox, logs, sampler, connection, inventoryDone } = this.#parts;
    stop.abort();
    sampler.stop();
    logs.stop();
    await inventoryDone;
    await outbox.close();
    await connection.stop();
    engine.close();
  }
}

/** The extra CA is trusted in addition to the system's roots, not instead of them. */
async function trustedCas(caFile: string): Promise<string[]> {
  let pem: string;
  try {
    pem = await readFile(caFile, "utf8");
  } catch (err) {
    throw new ConfigError(`--ca-file: cannot read ${caFile}: ${(err as Error).message}`);
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----"))
    throw new ConfigError(`--ca-file: ${caFile} holds no PEM certificate`);
  return [...tls.rootCertificates, pem];
}

/** The agent is useless without Docker, so it waits (with backoff) rather than exiting. */
async function waitForDocker(engine: DockerEngine, log: Logger, signal: AbortSignal): Promise<HostInfo> {
  const backoff = new Backoff(500, 10_000);
  for (;;) {
    try {
      return await fetchHostInfo(engine);
    } catch (err) {
      if (signal.aborted) throw err;
      const delay = backoff.next();
      log.warn("Docker Engine not reachable yet", { err: err as Error, retryInMs: delay });
      await sleep(delay, signal);
    }
  }
}
