# Sourced by .ci/run (and by anyone who wants the PostgreSQL suite locally, as root):
#   source .ci/postgres.sh
# Installs Debian's PostgreSQL if missing, starts a cluster of its own ("leeway") that listens on
# 127.0.0.1 only, makes a role and a database for the tests, and exports TEST_DATABASE_URL.
# Idempotent: a second run finds the cluster, starts it if it is down, and changes nothing else.

LEEWAY_PG_PORT="${LEEWAY_PG_PORT:-5433}"
LEEWAY_PG_CLUSTER=leeway

if ! command -v pg_createcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "== apt-get install postgresql"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi

# The newest installed major version; Debian 12 ships 15.
LEEWAY_PG_VERSION="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"

# PostgreSQL refuses to run as root: every server-side command runs as the postgres user, from a
# directory it can read.
leeway_as_postgres() { (cd / && runuser -u postgres -- "$@"); }

# pg_lsclusters -h: "version cluster port status owner datadir logfile", one line per cluster.
leeway_pg_status() {
  pg_lsclusters -h | awk -v v="$LEEWAY_PG_VERSION" -v c="$LEEWAY_PG_CLUSTER" '$1 == v && $2 == c { print $4 }'
}

if [ -z "$(leeway_pg_status)" ]; then
  echo "== pg_createcluster $LEEWAY_PG_VERSION $LEEWAY_PG_CLUSTER (127.0.0.1:$LEEWAY_PG_PORT)"
  pg_createcluster "$LEEWAY_PG_VERSION" "$LEEWAY_PG_CLUSTER" --port "$LEEWAY_PG_PORT" \
    --start-conf manual >/dev/null
fi
# Loopback only, whatever the cluster was made with: conf.d is read after postgresql.conf.
LEEWAY_PG_CONF="/etc/postgresql/$LEEWAY_PG_VERSION/$LEEWAY_PG_CLUSTER/conf.d/leeway.conf"
if [ ! -f "$LEEWAY_PG_CONF" ]; then
  printf "listen_addresses = '127.0.0.1'\n" >"$LEEWAY_PG_CONF"
  chown postgres:postgres "$LEEWAY_PG_CONF"
  # A cluster already running picks the address up only on restart.
  pg_ctlcluster "$LEEWAY_PG_VERSION" "$LEEWAY_PG_CLUSTER" stop >/dev/null 2>&1 || true
fi
if [ "$(leeway_pg_status)" != "online" ]; then
  echo "== pg_ctlcluster $LEEWAY_PG_VERSION $LEEWAY_PG_CLUSTER start"
  pg_ctlcluster "$LEEWAY_PG_VERSION" "$LEEWAY_PG_CLUSTER" start
fi

# The test role may create databases: the suite makes a fresh one per run and drops it after.
leeway_as_postgres psql -q -v ON_ERROR_STOP=1 -p "$LEEWAY_PG_PORT" -d postgres <<'SQL'
SELECT 'CREATE ROLE leeway_test LOGIN CREATEDB PASSWORD ''leeway_test'''
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'leeway_test') \gexec
SELECT 'CREATE DATABASE leeway_test OWNER leeway_test'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'leeway_test') \gexec
SQL

export TEST_DATABASE_URL="postgres://leeway_test:leeway_test@127.0.0.1:$LEEWAY_PG_PORT/leeway_test"
echo "== PostgreSQL $LEEWAY_PG_VERSION ready: TEST_DATABASE_URL=$TEST_DATABASE_URL"
