/**
 * The oldest Node.js major version the agent runs on: the `engines` field of its package.json says
 * the same (test/deploy/agent-bundle.test.ts checks they agree). Older ones lack APIs the agent
 * uses (`Promise.withResolvers`, `process.execve`) and would fail later with a cryptic error.
 */
export const MIN_NODE_MAJOR = 24;

/**
 * Null when `version` (as `process.versions.node`: "24.21.0") is new enough, else the one line that
 * says what is needed, for standard error.
 */
export function nodeTooOld(version: string): string | null {
  const major = Number.parseInt(version, 10);
  if (major >= MIN_NODE_MAJOR) return null;
  return `crowsnest-agent needs Node.js ${MIN_NODE_MAJOR} or newer; this is Node.js ${version} (${process.execPath})`;
}
