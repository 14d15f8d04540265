import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe("crowsnest-server configuration", () => {
  it("has the documented defaults", () => {
    const config = loadConfig([], {});
    expect(config).toMatchObject({
      port: 8080,
      host: "0.0.0.0",
      dataDir: resolve("./data"),
      database: { backend: "sqlite", path: resolve("./data/crowsnest.db") },
      publicUrl: null,
      trustedProxies: [],
      heartbeatMs: 15_000,
      commandTimeoutMs: 30_000,
      ingestBacklogRows: 100_000,
      retention: {
        rawMetricsMs: DAY,
        rollupMetricsMs: 30 * DAY,
        logsMs: 7 * DAY,
        logBytesPerHost: 1024 ** 3,
        intervalMs: 60_000,
        batchRows: 2_000,
      },
      live: { bufferedBytesThreshold: 1024 * 1024, stuckMs: 30_000 },
      auth: {
        adminPassword: null,
        sessions: { idleMs: 12 * HOUR, absoluteMs: 7 * DAY },
        enrolmentTtlMs: 24 * HOUR,
      },
    });
  });

  it("reads the environment, and flags win over it", () => {
    const env = {
      CROWSNEST_PORT: "9000",
      CROWSNEST_HOST: "127.0.0.1",
      CROWSNEST_DATA_DIR: "/tmp/crowsnest-env",
      CROWSNEST_PUBLIC_URL: "https://dash.example",
      CROWSNEST_RETENTION_RAW_MS: String(2 * HOUR),
      CROWSNEST_RETENTION_ROLLUP_MS: String(3 * DAY),
      CROWSNEST_RETENTION_LOGS_MS: String(DAY),
      CROWSNEST_RETENTION_LOG_BYTES_PER_HOST: "4096",
      CROWSNEST_SESSION_IDLE_MS: String(HOUR),
      CROWSNEST_ENROLMENT_TTL_MS: String(2 * HOUR),
    };
    const fromEnv = loadConfig([], env);
    expect(fromEnv).toMatchObject({
      port: 9000,
      host: "127.0.0.1",
      dataDir: "/tmp/crowsnest-env",
      publicUrl: "https://dash.example",
      retention: { rawMetricsMs: 2 * HOUR, rollupMetricsMs: 3 * DAY, logsMs: DAY, logBytesPerHost: 4096 },
      auth: { sessions: { idleMs: HOUR }, enrolmentTtlMs: 2 * HOUR },
    });
    const flagged = loadConfig(["--port", "9100", "--data-dir", "/tmp/crowsnest-flag"], env);
    expect(flagged).toMatchObject({ port: 9100, dataDir: "/tmp/crowsnest-flag", host: "127.0.0.1" });
  });

  it("refuses a bad value with a message naming the setting", () => {
    expect(() => loadConfig(["--port", "http"], {})).toThrow(
      '--port="http" is not allowed: a whole number from 0 to 65535',
    );
    expect(() => loadConfig([], { CROWSNEST_RETENTION_RAW_MS: "-5" })).toThrow(
      'CROWSNEST_RETENTION_RAW_MS="-5" is not allowed: a whole number of ms, at least 60000 (1 min)',
    );
    expect(() => loadConfig([], { CROWSNEST_ENROLMENT_TTL_MS: "20000" })).toThrow(
      'CROWSNEST_ENROLMENT_TTL_MS="20000" is not allowed: a whole number of ms, at least 60000 (1 min)',
    );
    // A password is never repeated in the message.
    expect(() => loadConfig([], { CROWSNEST_ADMIN_PASSWORD: "short" })).toThrow(
      "CROWSNEST_ADMIN_PASSWORD=(hidden) is not allowed: 10 to 1024 characters",
    );
    expect(() => loadConfig([], { CROWSNEST_PUBLIC_URL: "dash.example" })).toThrow(
      'CROWSNEST_PUBLIC_URL="dash.example" is not allowed: a URL starting with http:// or https://',
    );
    expect(() => loadConfig([], { CROWSNEST_LOG_LEVEL: "loud" })).toThrow(/CROWSNEST_LOG_LEVEL="loud"/);
    expect(() => loadConfig(["--colour"], {})).toThrow(/colour/);
  });

  it("opens the store the database URL names, and refuses a scheme it has no backend for", () => {
    expect(loadConfig(["--data-dir", "/srv/cn"], {}).database).toEqual({
      backend: "sqlite",
      path: "/srv/cn/crowsnest.db",
    });
    expect(loadConfig([], { CROWSNEST_DATABASE_URL: "sqlite:./store/cn.db" }).database).toEqual({
      backend: "sqlite",
      path: resolve("./store/cn.db"),
    });
    expect(loadConfig(["--database-url", "sqlite:/var/lib/cn.db"], {}).database).toEqual({
      backend: "sqlite",
      path: "/var/lib/cn.db",
    });
    expect(
      loadConfig([], { CROWSNEST_DATABASE_URL: "postgresql://cn:secret@db/crowsnest?pool_size=4" }).database,
    ).toEqual({
      backend: "postgres",
      url: "postgresql://cn:secret@db/crowsnest",
      poolSize: 4,
    });
    expect(loadConfig([], { CROWSNEST_DATABASE_URL: "postgres://db/crowsnest" }).database).toMatchObject({
      poolSize: 10,
    });
    // Never taken for a SQLite file, and the URL (which may hold a password) never repeated.
    for (const url of [
      "postgres://crowsnest:secret@db/crowsnest?pool_size=0",
      "mysql://db/x",
      "./data/crowsnest.db",
      "sqlite:",
    ]) {
      expect(() => loadConfig([], { CROWSNEST_DATABASE_URL: url })).toThrow(
        "CROWSNEST_DATABASE_URL=(hidden) is not allowed: sqlite:FILE (a relative FILE from the working directory)",
      );
    }
  });

  it("joins a cluster only with a NATS URL naming a host, and refuses any other without repeating it", () => {
    expect(loadConfig([], {}).natsUrl).toBeNull();
    expect(loadConfig([], { CROWSNEST_NATS_URL: "nats://127.0.0.1:4222" }).natsUrl).toBe(
      "nats://127.0.0.1:4222",
    );
    expect(loadConfig(["--nats-url", "tls://cn:secret@bus.example"], {}).natsUrl).toBe(
      "tls://cn:secret@bus.example",
    );
    for (const url of ["nats://", "http://bus.example:4222", "bus.example:4222", "nats:bus"]) {
      expect(() => loadConfig([], { CROWSNEST_NATS_URL: url })).toThrow(
        "CROWSNEST_NATS_URL=(hidden) is not allowed: a URL starting with nats:// or tls:// and naming a host, e.g. nats://127.0.0.1:4222",
      );
    }
  });

  it("takes trusted proxies as addresses and CIDR ranges, and refuses anything else by name", () => {
    expect(loadConfig([], { CROWSNEST_TRUSTED_PROXIES: "127.0.0.1, 10.0.0.0/8,::1" }).trustedProxies).toEqual(
      ["127.0.0.1", "10.0.0.0/8", "::1"],
    );
    for (const bad of ["true", "10.0.0.0/33", "proxy.example", "127.0.0.1,", "10.0.0.0/8/1"]) {
      expect(() => loadConfig(["--trusted-proxies", bad], {})).toThrow(
        /^--trusted-proxies=".*" is not allowed: IP addresses or CIDR ranges, separated by commas$/,
      );
    }
  });
});
