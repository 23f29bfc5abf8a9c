#!/usr/bin/env bash
# A streaming read replica of the local PostgreSQL on port 5433 (a second cluster, `replica`), made afresh:
# pg_createcluster, then its data directory replaced by a pg_basebackup of the primary with -R (standby.signal and
# primary_conninfo), then started. Prints the URL base of the replica. Needs root (it runs the tools as postgres).
# `pg_dropcluster --stop <version> replica` removes it; then `ALTER SYSTEM RESET wal_keep_size` on the primary.
set -euo pipefail

PRIMARY_PORT="${PRIMARY_PORT:-5432}"
REPLICA_PORT="${REPLICA_PORT:-5433}"
VERSION="$(ls /etc/postgresql | sort -n | tail -1)"
HBA="/etc/postgresql/$VERSION/main/pg_hba.conf"
DATA="/var/lib/postgresql/$VERSION/replica"

# The primary must accept replication connections from this host (wal_level is `replica` by default).
if ! grep -Eq '^host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$HBA"; then
  echo "host replication all 127.0.0.1/32 trust" >> "$HBA"
  psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -qAtc "SELECT pg_reload_conf()" >/dev/null
fi

# Afresh every time: an old standby may need WAL the primary no longer keeps.
if pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$VERSION replica"; then
  pg_dropcluster --stop "$VERSION" replica
fi
pg_createcluster "$VERSION" replica --port "$REPLICA_PORT" >/dev/null
# The same client authentication as the primary (the replica's own default asks local TCP clients for a password).
cp "$HBA" "/etc/postgresql/$VERSION/replica/pg_hba.conf"
rm -rf "$DATA"
install -d -o postgres -g postgres -m 700 "$DATA"
# The primary keeps WAL for the copy and the standby while this step runs: with other databases of the cluster being
# written, the stream otherwise asks for a segment already recycled. `.ci/run` resets it with the cluster's removal.
psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -qAt -c "ALTER SYSTEM SET wal_keep_size = '4GB'" \
  -c "SELECT pg_reload_conf()" >/dev/null
su postgres -c "pg_basebackup -h 127.0.0.1 -p $PRIMARY_PORT -U postgres -D $DATA -R -X stream"
pg_ctlcluster --skip-systemctl-redirect "$VERSION" replica start

for _ in $(seq 60); do
  pg_isready -h 127.0.0.1 -p "$REPLICA_PORT" -q && break
  sleep 0.5
done
test "$(psql -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -qAtc 'SELECT pg_is_in_recovery()')" = "t"
echo "postgres://postgres@127.0.0.1:$REPLICA_PORT"
