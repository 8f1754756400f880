#!/bin/bash
# Run once by the ClickHouse image's entrypoint on an empty data volume:
# creates the read-only user the query path and Grafana use.
set -euo pipefail
clickhouse client --user "$CLICKHOUSE_USER" --password "$CLICKHOUSE_PASSWORD" --multiquery <<EOSQL
CREATE USER IF NOT EXISTS reader IDENTIFIED WITH sha256_password BY '${CLICKHOUSE_READONLY_PASSWORD}' SETTINGS readonly = 1;
GRANT SELECT ON ${CLICKHOUSE_DB}.* TO reader;
EOSQL
