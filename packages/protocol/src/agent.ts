/**
 * What crowsnest-agent imports of the protocol (`@crowsnest/protocol/agent`): the messages it sends
 * and receives and the rules it applies to them, without the modules only the server and the
 * browser use (the REST API's, the live socket's, log search's…), whose zod schemas the one-file
 * agent would otherwise build at every start for nothing (BENCHMARKS.md, "Agent footprint"). It only
 * re-exports: each rule stays written once, in its module.
 */
export * from "./agent-messages.ts";
export * from "./backoff.ts";
export * from "./close-codes.ts";
export * from "./commands.ts";
export * from "./container.ts";
export * from "./container-metadata.ts";
export * from "./decode.ts";
export * from "./host.ts";
export * from "./host-lifecycle.ts";
export * from "./ids.ts";
export * from "./limits.ts";
export * from "./protection.ts";
export * from "./telemetry.ts";
export * from "./version.ts";
