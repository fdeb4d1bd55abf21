#!/usr/bin/env bash
# Runs a command with a real, temporary PostgreSQL server:
#   scripts/with-postgres.sh cargo test -p hardship-store-postgres
# Installs Debian's postgresql package when it is missing, starts a throw-away cluster as the `postgres`
# user (PostgreSQL refuses to run as root) on a free loopback port, exports
#   HARDSHIP_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:PORT/postgres
# runs the command, and always stops the server and removes its data directory afterwards.
set -euo pipefail

find_bin() {
  local name=$1 dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/$name" ] && { echo "$dir/$name"; return 0; }
  done
  command -v "$name" 2>/dev/null || return 1
}

if ! find_bin initdb >/dev/null; then
  echo "with-postgres: installing PostgreSQL from the distribution's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get install -y -q postgresql >/dev/null 2>&1 || {
    $sudo_cmd apt-get update -q >/dev/null
    $sudo_cmd apt-get install -y -q postgresql >/dev/null
  }
fi
initdb=$(find_bin initdb)
pg_ctl=$(find_bin pg_ctl)
bindir=$(dirname "$initdb")

# As root, run the server as `postgres`; as any other user, run it as that user.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

datadir=$(mktemp -d /tmp/hardship-pg.XXXXXX)
[ "$(id -u)" -eq 0 ] && chown postgres: "$datadir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

cleanup() {
  as_pg "$pg_ctl" -D "$datadir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$datadir"
}
trap cleanup EXIT

as_pg "$initdb" -D "$datadir/data" -U postgres --auth=trust --no-sync -E UTF8 >/dev/null
# fsync stays on: the crash and durability tests mean what they say.
as_pg "$pg_ctl" -D "$datadir/data" -w -t 60 -l "$datadir/server.log" \
  -o "-h 127.0.0.1 -p $port -k $datadir -c max_connections=200 -c shared_buffers=128MB" start >/dev/null || {
  echo "with-postgres: PostgreSQL did not start; its log:" >&2
  cat "$datadir/server.log" >&2
  exit 1
}
export HARDSHIP_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
# For the fault tests, which must stop a server without disturbing the tests running beside them:
#   $HARDSHIP_TEST_POSTGRES_CTL create DIR   starts a private cluster in DIR and prints its URL
#   $HARDSHIP_TEST_POSTGRES_CTL stop DIR     stops it at once (as a crash would)
#   $HARDSHIP_TEST_POSTGRES_CTL start DIR    starts it again on the same port
ctl="$datadir/ctl.sh"
cat > "$ctl" <<CTL
#!/usr/bin/env bash
set -euo pipefail
as_pg() { if [ "\$(id -u)" -eq 0 ]; then runuser -u postgres -- "\$@"; else "\$@"; fi; }
dir=\${2:?usage: \$0 create|stop|start DIR}
start() {
  as_pg "$pg_ctl" -D "\$dir/data" -w -t 60 -l "\$dir/server.log" \\
    -o "-h 127.0.0.1 -p \$(cat "\$dir/port") -k \$dir -c max_connections=50" start >/dev/null
}
case "\$1" in
  create)
    [ "\$(id -u)" -eq 0 ] && chown postgres: "\$dir"
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' > "\$dir/port"
    as_pg "$initdb" -D "\$dir/data" -U postgres --auth=trust --no-sync -E UTF8 >/dev/null
    start
    echo "postgres://postgres@127.0.0.1:\$(cat "\$dir/port")/postgres" ;;
  stop) as_pg "$pg_ctl" -D "\$dir/data" -m immediate -w stop >/dev/null ;;
  start) start ;;
  *) echo "usage: \$0 create|stop|start DIR" >&2; exit 2 ;;
esac
CTL
chmod +x "$ctl"
export HARDSHIP_TEST_POSTGRES_CTL="$ctl"
export PATH="$bindir:$PATH"
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
"$@"
