#!/usr/bin/env bash
# Prints the path of s3rver's command (an S3-compatible server in Node.js, from npm) for the tests of prebuild archives
# in an object store, installing it once into a cache directory. It checks the access key of requests and presigned
# URLs, not the V4 signature itself.
#
#   export WORKSPACES_TEST_S3RVER="$(scripts/s3rver-for-tests.sh)"
#
# MinIO, which docker-compose.dev.yml and the chart offer, is neither a Debian nor an npm package.
# Cache: ${WORKSPACES_S3RVER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/workspaces/s3rver}/<version>
set -euo pipefail

version="${WORKSPACES_S3RVER_VERSION:-3.7.1}"
cache="${WORKSPACES_S3RVER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/workspaces/s3rver}/$version"
binary="$cache/node_modules/s3rver/bin/s3rver.js"

if [ ! -f "$binary" ]; then
  command -v npm >/dev/null || { echo "s3rver-for-tests: npm is needed (apt-get install npm)." >&2; exit 1; }
  mkdir -p "$cache"
  echo "s3rver-for-tests: installing s3rver@$version from npm" >&2
  (cd "$cache" && npm install --silent --no-audit --no-fund --prefix "$cache" "s3rver@$version" >/dev/null)
fi

[ -f "$binary" ] || { echo "s3rver-for-tests: $binary is missing after the install." >&2; exit 1; }
echo "$binary"
