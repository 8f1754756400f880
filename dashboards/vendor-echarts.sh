#!/usr/bin/env bash
# Refresh the vendored Apache ECharts build from the npm registry.
#
#   dashboards/vendor-echarts.sh [VERSION]     (make vendor-echarts)
#
# Copies dist/echarts.min.js with its LICENSE, NOTICE and bundled third-party
# licences into dashboards/static/vendor/echarts/, which go:embed ships inside
# the binary: nothing is fetched from a CDN at run time.
set -euo pipefail

version="${1:-${ECHARTS_VERSION:-6.1.0}}"
here="$(cd "$(dirname "$0")" && pwd)"
dest="$here/static/vendor/echarts"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "echarts@$version" >/dev/null)
tar -xzf "$tmp"/echarts-*.tgz -C "$tmp"
pkg="$tmp/package"

mkdir -p "$dest"
rm -f "$dest"/*
cp "$pkg/dist/echarts.min.js" "$dest/echarts.min.js"
cp "$pkg/LICENSE" "$dest/LICENSE"
cp "$pkg/NOTICE" "$dest/NOTICE"
for f in "$pkg"/licenses/*; do
  cp "$f" "$dest/$(basename "$f")"
done
echo "$version" >"$dest/VERSION"
echo "vendored echarts $version into ${dest#"$PWD"/}"
