/** Where the Engine API listens: a unix socket (the default) or a plain TCP address. */
export type DockerEndpoint =
  | { kind: "unix"; socketPath: string }
  | { kind: "tcp"; host: string; port: number };

export function parseDockerHost(value: string): DockerEndpoint {
  if (value.startsWith("unix://")) {
    const socketPath = value.slice("unix://".length);
    if (socketPath === "") throw new Error(`DOCKER_HOST has no socket path: ${value}`);
    return { kind: "unix", socketPath };
  }
  if (value.startsWith("tcp://")) {
    const url = new URL(value.replace(/^tcp:/, "http:"));
    return { kind: "tcp", host: url.hostname, port: url.port === "" ? 2375 : Number(url.port) };
  }
  throw new Error(`DOCKER_HOST must be unix:///path or tcp://host:port, got ${value}`);
}
