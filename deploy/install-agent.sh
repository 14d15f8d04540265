#!/usr/bin/env bash
# Installs crowsnest-agent as a hardened systemd service on a host with Node.js (run as root):
#   printf '%s\n' <token> | bash deploy/install-agent.sh --server-url wss://<server>/ws/agent
# It creates the system user crowsnest-agent (in the Docker socket's group), its state directory
# /var/lib/crowsnest-agent (mode 700), the environment file /etc/crowsnest-agent/agent.env (mode 600,
# root's: CROWSNEST_SERVER_URL and CROWSNEST_TOKEN), installs deploy/systemd/crowsnest-agent.service
# and starts it. The token is read from stdin (first line) or CROWSNEST_TOKEN, never from argv,
# which every local user sees in `ps`; without one, an existing environment file's is kept.
# It also raises the kernel's inotify instance limit per user to at least 1024, now and in
# /etc/sysctl.d/60-crowsnest-agent.conf: dockerd watches each log the agent follows with one, and
# past the limit (128 by default) it polls each further log every 200 ms, at a CPU cost.
#
# Options:
#   --server-url URL   the server's agent endpoint, ws:// or wss:// (required)
#   --exec "CMD"       how to start the agent (default: crowsnest-agent on the PATH, else this
#                      checkout's pinned Node.js running apps/agent/src/main.ts)
#   --root DIR         write every file under DIR instead of /, and only print the commands that
#                      would change the running system (useradd, chown, sysctl, systemctl): for a test or a look
#   --no-sysctl        leave fs.inotify.max_user_instances as it is
set -euo pipefail

unit_name=crowsnest-agent
user=crowsnest-agent
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
checkout="$(dirname "$here")"
server_url=""
exec_cmd=""
root=""
sysctl_too=yes

die() { printf 'install-agent: %s\n' "$*" >&2; exit 2; }
say() { printf 'install-agent: %s\n' "$*"; }
# Runs a command that changes the running system, or (with --root) prints it.
act() { if [ -n "$root" ]; then printf 'would run: %s\n' "$*"; else "$@"; fi; }

while [ $# -gt 0 ]; do
  case "$1" in
    --server-url) server_url="${2:-}"; shift 2 ;;
    --exec) exec_cmd="${2:-}"; shift 2 ;;
    --root) root="${2:-}"; [ -n "$root" ] || die "--root needs a directory"; shift 2 ;;
    --no-sysctl) sysctl_too=""; shift ;;
    -h | --help) sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option: $1 (--help lists them)" ;;
  esac
done
case "$server_url" in
  ws://?* | wss://?*) ;;
  *) die "--server-url: a URL starting with ws:// or wss:// is required, e.g. wss://crowsnest.example/ws/agent" ;;
esac
[ -n "$root" ] || [ "$(id -u)" -eq 0 ] || die "run it as root (or with --root DIR to write into DIR)"

if [ -z "$exec_cmd" ]; then
  if command -v crowsnest-agent >/dev/null 2>&1; then
    exec_cmd="$(command -v crowsnest-agent)"
  elif [ -x "$checkout/node_modules/node/bin/node" ]; then
    exec_cmd="$checkout/node_modules/node/bin/node $checkout/apps/agent/src/main.ts"
    from_checkout=yes
  else
    die "no crowsnest-agent on the PATH and no npm install in $checkout: install the agent, or pass --exec"
  fi
fi

# The unit runs as $user with PrivateTmp=yes: a checkout under /tmp or /var/tmp is hidden from it,
# and one behind a directory other users cannot enter (/root is mode 700) cannot be read by it.
if [ -n "${from_checkout:-}" ]; then
  unreachable=""
  case "$checkout/" in
    /tmp/* | /var/tmp/*) unreachable="it is under a temporary directory, which the unit's PrivateTmp= hides" ;;
  esac
  dir="$checkout"
  while [ -z "$unreachable" ] && [ "$dir" != "/" ]; do
    [ -n "$(find "$dir" -maxdepth 0 -perm -o=x)" ] ||
      unreachable="other users cannot enter $dir (mode $(stat -c %a "$dir"))"
    dir="$(dirname "$dir")"
  done
  if [ -n "$unreachable" ]; then
    problem="the service's user $user could not start the agent from $checkout: $unreachable; move the checkout (e.g. to /opt/crowsnest), install the crowsnest-agent package, or pass --exec"
    if [ -n "$root" ]; then say "warning: $problem"; else die "$problem"; fi
  fi
fi

token="${CROWSNEST_TOKEN:-}"
if [ -z "$token" ] && [ ! -t 0 ]; then IFS= read -r token || true; fi
token="$(printf '%s' "$token" | tr -d '[:space:]')"

socket="${DOCKER_HOST:-unix:///var/run/docker.sock}"
socket="${socket#unix://}"
docker_group="$(stat -c %G "$socket" 2>/dev/null || echo docker)"

env_dir="$root/etc/crowsnest-agent"
env_file="$env_dir/agent.env"
state_dir="$root/var/lib/crowsnest-agent"
unit_file="$root/etc/systemd/system/$unit_name.service"

if ! id -u "$user" >/dev/null 2>&1 || [ -n "$root" ]; then
  act useradd --system --user-group --home-dir /var/lib/crowsnest-agent --no-create-home \
    --shell /usr/sbin/nologin --comment "Crowsnest agent" "$user"
fi

mkdir -p "$state_dir" "$env_dir" "$(dirname "$unit_file")"
chmod 0700 "$state_dir"
act chown "$user:$user" /var/lib/crowsnest-agent

old_token=""
[ -f "$env_file" ] && old_token="$(sed -n 's/^CROWSNEST_TOKEN=//p' "$env_file")"
[ -n "$token" ] || token="$old_token"
# Written with mode 600 from the start: the token is never readable by anyone but root.
(
  umask 077
  printf '# crowsnest-agent (deploy/install-agent.sh). The token is needed until the first connection.\n' >"$env_file.new"
  printf 'CROWSNEST_SERVER_URL=%s\n' "$server_url" >>"$env_file.new"
  [ -z "$token" ] || printf 'CROWSNEST_TOKEN=%s\n' "$token" >>"$env_file.new"
)
chmod 0600 "$env_file.new"
mv "$env_file.new" "$env_file"

sed -e "s|^ExecStart=.*|ExecStart=$exec_cmd|" -e "s|^SupplementaryGroups=.*|SupplementaryGroups=$docker_group|" \
  "$here/systemd/$unit_name.service" >"$unit_file"
chmod 0644 "$unit_file"

say "wrote $unit_file, $env_file (mode 600) and $state_dir"

# dockerd watches each followed json-file or local log with an inotify instance of its user, and
# past fs.inotify.max_user_instances polls the log file every 200 ms instead (more dockerd CPU).
if [ -n "$sysctl_too" ]; then
  inotify_now="$(cat /proc/sys/fs/inotify/max_user_instances 2>/dev/null || echo 0)"
  inotify_min=1024
  [ "$inotify_now" -ge "$inotify_min" ] && inotify_min="$inotify_now"
  sysctl_file="$root/etc/sysctl.d/60-crowsnest-agent.conf"
  mkdir -p "$(dirname "$sysctl_file")"
  {
    printf '# deploy/install-agent.sh: dockerd watches each log crowsnest-agent follows with an inotify instance.\n'
    printf 'fs.inotify.max_user_instances = %s\n' "$inotify_min"
  } >"$sysctl_file"
  chmod 0644 "$sysctl_file"
  say "wrote $sysctl_file (fs.inotify.max_user_instances = $inotify_min; it was $inotify_now)"
  [ "$inotify_now" -ge "$inotify_min" ] || act sysctl -w "fs.inotify.max_user_instances=$inotify_min"
fi
[ -n "$token" ] || say "no token given (stdin or CROWSNEST_TOKEN): the agent starts with the credential in its state directory"
act systemctl daemon-reload
act systemctl enable --now "$unit_name.service"
[ -n "$root" ] || say "started: systemctl status $unit_name; journalctl -u $unit_name"
