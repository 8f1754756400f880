#!/usr/bin/env bash
# vulndb.sh: print the Go vulnerability database URL for govulncheck -db.
#
# govulncheck reads https://vuln.go.dev by default. Machines that reach the
# Go module proxy but not vuln.go.dev (ours) can still check: the database's
# source, golang.org/x/vulndb, is an ordinary Go module whose data/osv folder
# holds every report as OSV JSON. This script downloads that module through
# the module proxy (GOPROXY, as for any dependency), indexes it with the
# module's own cmd/indexdb into .local/vulndb/<version>/, and prints a
# file:// URL. The index is cached per vulndb version, so later runs only ask
# the proxy which version is the latest.
#
#   deploy/local/vulndb.sh            # URL on stdout, progress on stderr
#   VULNDB_VERSION=v0.0.0-2026...     # pin a vulndb version instead of @latest
#   VULNDB_REMOTE=0                   # never try vuln.go.dev
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
go="${GO:-go}"
log() { echo "vulndb.sh: $*" >&2; }

if [[ "${VULNDB_REMOTE:-1}" != 0 ]] && command -v curl >/dev/null &&
	curl -sf --max-time 10 -o /dev/null https://vuln.go.dev/index/db.json.gz; then
	log "using https://vuln.go.dev"
	echo "https://vuln.go.dev"
	exit 0
fi

version="${VULNDB_VERSION:-latest}"
log "vuln.go.dev unreachable; building a local database from golang.org/x/vulndb@$version (Go module proxy)"
info="$(cd "$(mktemp -d)" && GOFLAGS=-mod=mod "$go" mod download -json "golang.org/x/vulndb@$version")"
dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$info")"
ver="$(sed -n 's/^[[:space:]]*"Version": "\(.*\)",$/\1/p' <<<"$info")"
if [[ -z "$dir" || -z "$ver" || ! -d "$dir/data/osv" ]]; then
	log "go mod download golang.org/x/vulndb@$version gave no data/osv folder:"
	echo "$info" >&2
	exit 1
fi

out="$root/.local/vulndb/$ver"
if [[ ! -f "$out/index/db.json" ]]; then
	rm -rf "$out.tmp"
	mkdir -p "$(dirname "$out")"
	log "indexing $(find "$dir/data/osv" -name '*.json' | wc -l) reports into $out"
	(cd "$(mktemp -d)" && "$go" run "golang.org/x/vulndb/cmd/indexdb@$ver" -vulns "$dir/data/osv" -out "$out.tmp")
	mv "$out.tmp" "$out"
fi
# indexdb leaves "modified" empty; the pseudo-version carries the commit time.
stamp="$(sed -n 's/^v0\.0\.0-\([0-9]\{8\}\).*/\1/p' <<<"$ver")"
newest="$(find "$out/ID" -name "*.json" -printf "%f\n" | sed 's/\.json.*//' | sort -V | tail -1)"
log "local database golang.org/x/vulndb@$ver (committed ${stamp:-?}): $(find "$out/ID" -name '*.json' | wc -l) reports, newest $newest"
echo "file://$out"
