#!/usr/bin/env bash
# Resolves the base images of deploy/docker/*.Dockerfile to the digests of their multi-platform manifest lists today
# and writes them to deploy/docker/base-images.env (NAME=sha256:...), the build arguments every Dockerfile requires:
#   scripts/pin-base-images.sh && docker buildx build $(sed 's/^/--build-arg /' deploy/docker/base-images.env) ...
# Needs docker buildx and access to the registries; review and commit the file it writes (renovate/dependabot can
# keep it current). The Dockerfiles have no default digests: without this file a build fails instead of floating.
set -euo pipefail
cd "$(dirname "$0")/.."
declare -A images=(
  [DOTNET_SDK_DIGEST]=mcr.microsoft.com/dotnet/sdk:10.0
  [DOTNET_SDK_ALPINE_DIGEST]=mcr.microsoft.com/dotnet/sdk:10.0-alpine
  [DOTNET_ASPNET_DIGEST]=mcr.microsoft.com/dotnet/aspnet:10.0
  [DEBIAN_DIGEST]=debian:bookworm-slim
  [DEBIAN_TRIXIE_DIGEST]=debian:trixie
)
out=deploy/docker/base-images.env
: > "$out.tmp"
for name in $(printf '%s\n' "${!images[@]}" | sort); do
  digest="$(docker buildx imagetools inspect "${images[$name]}" --format '{{.Manifest.Digest}}')"
  case "$digest" in sha256:*) ;; *) echo "no digest for ${images[$name]}: $digest" >&2; exit 1 ;; esac
  platforms="$(docker buildx imagetools inspect "${images[$name]}" --format '{{range .Manifest.Manifests}}{{.Platform.OS}}/{{.Platform.Architecture}} {{end}}')"
  for want in linux/amd64 linux/arm64; do
    case " $platforms " in *" $want "*) ;; *) echo "${images[$name]} has no $want image" >&2; exit 1 ;; esac
  done
  echo "$name=$digest" >> "$out.tmp"
done
mv "$out.tmp" "$out"
echo "wrote $out" >&2
