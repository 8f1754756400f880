#!/usr/bin/env bash
# demo.sh — the body of `make demo`: the real pipeline end to end on this
# machine. Expects Kafka and ClickHouse up (make services-up) and
# ./bin/undertone built (make build); the Makefile does both first.
#
#   1. applies the ClickHouse migrations,
#   2. starts `undertone run` (ingest -> enrich -> ClickHouse, API, dashboards),
#   3. generates DEMO_POSTS synthetic posts over DEMO_DAYS days (with the
#      injected emerging fear about the Acme Phone battery) and streams them
#      through posts.raw, showing progress (posts/s stored, lag),
#   4. prints the dashboard URL, the demo token and example queries, and
#      keeps serving until Ctrl-C, which stops everything it started.
#
# Re-runnable: when the demo database already holds the posts, step 3 is
# skipped and the demo serves what is there. `make demo-down` stops the
# services; `DEMO_RESET=1 make demo` drops the demo data first.
#
# Environment (optional): DEMO_POSTS (60000), DEMO_DAYS (42), DEMO_SEED (42),
# DEMO_RESET (0), DEMO_NO_WAIT (0: serve until Ctrl-C; 1: stop after loading,
# for scripted checks).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
BIN=./bin/undertone
CONF=deploy/local/demo.yaml
STATE="${UNDERTONE_LOCAL_DIR:-$ROOT/.local}/demo"
DEMO_POSTS="${DEMO_POSTS:-60000}"
DEMO_DAYS="${DEMO_DAYS:-42}"
DEMO_SEED="${DEMO_SEED:-42}"
DEMO_RESET="${DEMO_RESET:-0}"
DEMO_NO_WAIT="${DEMO_NO_WAIT:-0}"
TOKEN=undertone-demo-token-public-not-secret
URL=http://127.0.0.1:8080
CH_HOST="${CLICKHOUSE_HOST:-127.0.0.1}"
CH_PORT="${CLICKHOUSE_PORT:-9000}"
DB=undertone

export UNDERTONE_KAFKA_BROKERS="${UNDERTONE_KAFKA_BROKERS:-${KAFKA_HOST:-127.0.0.1}:${KAFKA_PORT:-9092}}"
export UNDERTONE_CLICKHOUSE_ADDR="${UNDERTONE_CLICKHOUSE_ADDR:-$CH_HOST:$CH_PORT}"
export UNDERTONE_PRIVACY_PSEUDONYM_KEY="${UNDERTONE_PRIVACY_PSEUDONYM_KEY:?set by the Makefile}"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'demo: error: %s\n' "$*" >&2; exit 1; }
chq() { clickhouse-client --host "$CH_HOST" --port "$CH_PORT" -q "$1"; }

[[ -x $BIN ]] || die "$BIN missing: run make build"
mkdir -p "$STATE"

RUN_PID=""
cleanup() {
	local code=$?
	trap - INT TERM EXIT
	if [[ -n $RUN_PID ]] && kill -0 "$RUN_PID" 2>/dev/null; then
		say "stopping undertone run (pid $RUN_PID)"
		kill -TERM "$RUN_PID" 2>/dev/null || true
		for _ in $(seq 1 40); do kill -0 "$RUN_PID" 2>/dev/null || break; sleep 0.5; done
		kill -KILL "$RUN_PID" 2>/dev/null || true
	fi
	exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ $DEMO_RESET == 1 ]]; then
	say "DEMO_RESET=1: dropping database $DB and the demo's consumer groups' topics"
	chq "DROP DATABASE IF EXISTS $DB"
	rm -f "$STATE/loaded"
fi

say "migrating ClickHouse ($UNDERTONE_CLICKHOUSE_ADDR, database $DB)"
$BIN -c $CONF migrate up

if pid=$(cat "$STATE/run.pid" 2>/dev/null) && kill -0 "$pid" 2>/dev/null; then
	die "another demo is running (pid $pid); stop it first (Ctrl-C in its terminal, or kill $pid)"
fi
say "starting undertone run (log: $STATE/run.log)"
$BIN -c $CONF run >"$STATE/run.log" 2>&1 &
RUN_PID=$!
echo "$RUN_PID" >"$STATE/run.pid"
for _ in $(seq 1 60); do
	curl -fsS -o /dev/null "$URL/healthz" 2>/dev/null && break
	kill -0 "$RUN_PID" 2>/dev/null || { tail -20 "$STATE/run.log" >&2; die "undertone run exited"; }
	sleep 0.5
done
curl -fsS -o /dev/null "$URL/healthz" || { tail -20 "$STATE/run.log" >&2; die "undertone run did not start serving"; }

stored() { chq "SELECT count() FROM $DB.posts" 2>/dev/null || echo 0; }
have=$(stored)
if [[ -f $STATE/loaded && $have -gt 0 ]]; then
	say "demo data already loaded ($have posts in $DB.posts): reusing it (DEMO_RESET=1 to reload)"
else
	say "generating $DEMO_POSTS posts over $DEMO_DAYS days (seed $DEMO_SEED)"
	$BIN generate --posts "$DEMO_POSTS" --days "$DEMO_DAYS" --seed "$DEMO_SEED" -o "$STATE/posts.jsonl"
	say "producing to posts.raw"
	$BIN -c $CONF produce --input "$STATE/posts.jsonl" 2>&1 | tail -2
	target=$((have + DEMO_POSTS))
	say "streaming through ingest -> enrich -> ClickHouse"
	start=$(date +%s.%N) last=$have stall=0
	while :; do
		sleep 2
		n=$(stored)
		now=$(date +%s.%N)
		rate=$(awk -v a="$n" -v b="$have" -v t0="$start" -v t1="$now" 'BEGIN{d=t1-t0; if(d<=0)d=1; printf "%.0f", (a-b)/d}')
		printf '\r    stored %7d / %d posts   %6s posts/s   lag %7d ' "$n" "$target" "$rate" $((target - n))
		[[ $n -ge $target ]] && break
		if [[ $n -eq $last ]]; then stall=$((stall + 2)); else stall=0; fi
		last=$n
		# Rejected records never reach posts: stop waiting once nothing moves.
		if [[ $stall -ge 20 ]]; then printf '\n'; say "no progress for 20s: $((target - n)) records did not arrive (rejected to posts.dlq or still queued)"; break; fi
		kill -0 "$RUN_PID" 2>/dev/null || { printf '\n'; tail -20 "$STATE/run.log" >&2; die "undertone run exited"; }
	done
	printf '\n'
	touch "$STATE/loaded"
fi

n=$(stored)
cat <<TXT

  Undertone is running: $n posts from the last $DEMO_DAYS days, anonymized and enriched.

  Dashboards:  $URL/          (sign in with the demo token below)
  API:         $URL/api/v1/openapi.json
  Demo token:  $TOKEN   (public, local demo only)
  Metrics:     http://127.0.0.1:9464/metrics

  Try, in another terminal:
    ./bin/undertone -c $CONF query themes --topic acme-phone --period 30d
    ./bin/undertone -c $CONF query movers --period 7d
    ./bin/undertone -c $CONF query quotes --topic acme-phone --theme fears --period 7d
    curl -H 'Authorization: Bearer $TOKEN' '$URL/api/v1/themes?topic=acme-phone'

  (the query commands need UNDERTONE_PRIVACY_PSEUDONYM_KEY set, as make does:
   export UNDERTONE_PRIVACY_PSEUDONYM_KEY=$UNDERTONE_PRIVACY_PSEUDONYM_KEY)

  Ctrl-C stops the pipeline; make demo-down stops Kafka and ClickHouse.
TXT
if [[ $DEMO_NO_WAIT == 1 ]]; then
	exit 0
fi
wait "$RUN_PID"
