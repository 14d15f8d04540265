/**
 * The agent's public parts for programs that simulate many agents at the protocol level (the
 * fault suite's reconnect storm, the server benchmark): they reuse the real connection,
 * backoff and credential handling instead of re-implementing them.
 */
export { Connection, type ConnectionHandlers, type Session } from "./connection/connection.ts";
export { createLogger, type Logger } from "./logger.ts";
export { CredentialStore } from "./state/credential-store.ts";
