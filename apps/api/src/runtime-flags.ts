/**
 * The Node.js flags crowsnest-server runs with, whichever way it is started: `npm start`, its `bin`,
 * `node` on the bundle (scripts/build-server.ts) or the container image. main.ts applies them by
 * re-executing the process (execWithNodeFlags, which says where it cannot), so they are defined
 * here and nowhere else. Measured under figure 3's ingest: BENCHMARKS.md, "The server's memory".
 */
export const NODE_FLAGS: readonly string[] = [
  // The main thread decodes every agent batch, and nearly all it allocates dies young. V8 let its
  // young generation grow to 128 MiB of new space under that load, most of the server's resident
  // memory beyond its idle size; capped at 8 MiB semi-spaces (16 MiB of new space) scavenges come
  // more often and each is smaller. The flag is the whole process's: the telemetry writer's thread
  // gets the same 16 MiB of new space, what its own limit (WRITER_YOUNG_GENERATION_MB) gives it
  // where the flag does not apply.
  "--max-semi-space-size=8",
];
