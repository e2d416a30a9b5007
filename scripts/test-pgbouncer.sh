#!/usr/bin/env bash
# The isolation, subscription and story suites with the API connected through PgBouncer in transaction pooling mode
# (issue 19, item 4): tenancy, row-level security and live updates must hold behind a transaction pooler.
#
#   DATABASE_URL=postgres://peer_ci_owner@127.0.0.1:5432/peer_test REDIS_URL=redis://127.0.0.1:6379 npm run test:pgbouncer
#
# DATABASE_URL is the direct connection; the suites' DATABASE_URL becomes the same database through a PgBouncer
# started here on a free port, with its configuration in a temporary directory, and stopped by its PID at the end.
# Everything goes through it, migrations included (they hold a transaction-level lock); only the webhook dispatcher's
# LISTEN session goes around it (DATABASE_LISTEN_URL), as the README says. Debian's pgbouncer 1.18 has no
# `max_prepared_statements` (1.21+): DB_PREPARED_STATEMENTS=false. At the end, PgBouncer's own count of the
# transactions it pooled shows that the traffic went through it.
# Needs `pgbouncer` on the PATH or in /usr/sbin (`apt-get install pgbouncer`; .ci/run installs it). Builds dist/ first
# (the multi-instance tests start `node dist/src/main.js`) unless SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/.."

direct="${DATABASE_URL:?set DATABASE_URL to the direct postgres:// URL of the test database}"
bin=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
[ -x "$bin" ] || { echo "pgbouncer not found: apt-get install pgbouncer" >&2; exit 1; }

# host, port, user and database of the direct URL (postgres://user[:password]@host[:port]/database[?…]).
read -r user host port db < <(node -e '
  const u = new URL(process.argv[1]);
  console.log(decodeURIComponent(u.username) || "postgres", u.hostname, u.port || "5432", u.pathname.slice(1));
' "$direct")
bouncer_port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')

dir=$(mktemp -d)
chmod 755 "$dir"
cat >"$dir/pgbouncer.ini" <<EOF
[databases]
$db = host=$host port=$port dbname=$db

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 20
reserve_pool_size = 5
server_lifetime = 3600
ignore_startup_parameters = extra_float_digits
admin_users = $user
EOF
echo "\"$user\" \"\"" >"$dir/userlist.txt"
chmod 644 "$dir"/*

# PgBouncer refuses to run as root: switch to an unprivileged user then.
as_user=()
[ "$(id -u)" = 0 ] && as_user=(-u nobody)
"$bin" "${as_user[@]}" "$dir/pgbouncer.ini" >"$dir/pgbouncer.log" 2>&1 &
bouncer=$!
stop() {
  kill -INT "$bouncer" 2>/dev/null || true
  wait "$bouncer" 2>/dev/null || true
  rm -rf "$dir"
}
trap stop EXIT
for _ in $(seq 1 50); do pg_isready -h 127.0.0.1 -p "$bouncer_port" -q && break; sleep 0.2; done
pg_isready -h 127.0.0.1 -p "$bouncer_port" -q || { cat "$dir/pgbouncer.log" >&2; exit 1; }
echo "PgBouncer $("$bin" --version | head -1 | cut -d' ' -f2) on 127.0.0.1:$bouncer_port (transaction pooling) → $host:$port/$db"

[ "${SKIP_BUILD:-}" = 1 ] || npm run --silent build
through="postgres://$user@127.0.0.1:$bouncer_port/$db"
status=0
DATABASE_URL="$through" DATABASE_LISTEN_URL="$direct" DB_PREPARED_STATEMENTS=false \
  node --experimental-vm-modules node_modules/jest/bin/jest.js test/isolation test/subscriptions test/story "$@" || status=$?
psql -h 127.0.0.1 -p "$bouncer_port" -U "$user" -d pgbouncer -AtF ' ' -c 'SHOW STATS' |
  awk -v db="$db" '$1 == db { print "Through PgBouncer: " $2 " transactions, " $3 " statements" }'
exit "$status"
