/**
 * `docker run --label` arguments a user writes to mean "protected" that are not the canonical
 * `com.docker.dashboard.protected=true`: other cases, spaces, other truthy words, the key alone.
 * Each must protect (issue 22, finding 7); the tests of the server and the agent share them.
 */
export const HOSTILE_PROTECTED_LABELS: readonly string[] = [
  "com.docker.dashboard.protected=TRUE",
  "com.docker.dashboard.protected= true",
  "com.docker.dashboard.protected=1",
  "com.docker.dashboard.protected=yes",
  "com.docker.dashboard.Protected=true",
  "com.docker.dashboard.protected",
];
