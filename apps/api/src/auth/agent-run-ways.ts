import type { AgentRunWays } from "@crowsnest/protocol";

/** The agent image's name, as deploy/agent.Dockerfile and compose.yaml build it. */
export const AGENT_IMAGE = "crowsnest-agent:latest";
/** The agent's state directory in its image, its systemd unit and the install script. */
export const AGENT_STATE_DIR = "/var/lib/crowsnest-agent";

/**
 * The ways to run a host's agent, each with the server URL and the token filled in, as POST
 * /api/hosts answers and the CLI prints them: `npm` (a checkout of this repository, see
 * agentCommand), `docker` (one `docker run` of the agent image), `compose` (a compose file) and
 * `systemd` (deploy/install-agent.sh, which writes the unit and its environment file). The token
 * always travels in an environment variable or on stdin, never in a process's argv, which every
 * local user can read in `ps`. A base64url token and a URL need no shell quoting.
 */
export function agentRunWays(agentUrl: string, token: string): AgentRunWays {
  return {
    npm: agentCommand(agentUrl, token),
    docker: [
      `CROWSNEST_SERVER_URL=${agentUrl} CROWSNEST_TOKEN=${token} \\`,
      "docker run -d --name crowsnest-agent --restart unless-stopped --network host \\",
      '  -v /var/run/docker.sock:/var/run/docker.sock --group-add "$(stat -c %g /var/run/docker.sock)" \\',
      `  -v crowsnest-agent:${AGENT_STATE_DIR} -e CROWSNEST_SERVER_URL -e CROWSNEST_TOKEN \\`,
      `  ${AGENT_IMAGE}`,
    ].join("\n"),
    compose: [
      "# compose.yaml on the host; start it with (docker-compose with the older tool):",
      "#   DOCKER_GID=$(stat -c %g /var/run/docker.sock) docker compose up -d",
      "# (the token is needed on the first start only: the agent keeps a credential in its volume)",
      "services:",
      "  crowsnest-agent:",
      `    image: ${AGENT_IMAGE}`,
      "    restart: unless-stopped",
      "    network_mode: host",
      "    group_add:",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's own variable, read on the host
      '      - "${DOCKER_GID:?set DOCKER_GID to the Docker socket\'s group: stat -c %g /var/run/docker.sock}"',
      "    environment:",
      `      CROWSNEST_SERVER_URL: ${agentUrl}`,
      `      CROWSNEST_TOKEN: ${token}`,
      "    volumes:",
      "      - /var/run/docker.sock:/var/run/docker.sock",
      `      - crowsnest-agent:${AGENT_STATE_DIR}`,
      "volumes:",
      "  crowsnest-agent:",
    ].join("\n"),
    systemd: [
      "# as root on the host, in a checkout of Crowsnest after `npm install` (or with crowsnest-agent on the PATH):",
      `printf '%s\\n' ${token} | bash deploy/install-agent.sh --server-url ${agentUrl}`,
      "# it creates the user crowsnest-agent and its state directory, writes /etc/crowsnest-agent/agent.env",
      "# (mode 600: CROWSNEST_SERVER_URL and CROWSNEST_TOKEN), installs /etc/systemd/system/crowsnest-agent.service",
      "# and starts it; then: systemctl status crowsnest-agent",
    ].join("\n"),
  };
}

/**
 * The command to run in a checkout of this repository on the host, e.g.
 * `CROWSNEST_TOKEN=<token> npm run agent -- --server-url ws://…/ws/agent --state-dir ./data/agent`.
 * The token goes in the agent's environment, never its argv: any local user can read another's
 * command line (`ps`, /proc/<pid>/cmdline), not its environment. `npm run` puts the pinned
 * Node.js 24 first on the PATH, which a bare `node` (often an older system one) would not.
 */
function agentCommand(agentUrl: string, token: string): string {
  return `CROWSNEST_TOKEN=${token} npm run agent -- --server-url ${agentUrl} --state-dir ./data/agent`;
}
