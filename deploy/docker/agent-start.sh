#!/bin/sh
# The workspace container's entry process: runs the agent build that this toolchain image's C library can load.
# Copied with the agent into every workspace pod (/opt/workspaces/bin/start); needs only /bin/sh and getconf.
#   glibc >= GLIBC_FLOOR      -> glibc/ build (Debian 12+, Ubuntu 22.04+, RHEL/Fedora 9+/35+)
#   musl (Alpine)             -> musl/ build with the system's musl loader
#   older glibc, or neither   -> musl/ build with the musl loader shipped beside it (musl/ld-musl-ARCH.so.1)
# GLIBC_FLOOR is the newest GLIBC_x.y symbol version the glibc build needs (objdump -T; the agent image's build and
# tests/WorkspaceAgent.Tests check it).
GLIBC_FLOOR=2.34
dir="$(dirname "$0")"
case "$(uname -m)" in
  x86_64|amd64) musl_arch=x86_64 ;;
  aarch64|arm64) musl_arch=aarch64 ;;
  *) echo "workspace agent: no build for $(uname -m); the agent image has linux amd64 and arm64 builds" >&2; exit 1 ;;
esac

glibc_new_enough() {
  version="$(getconf GNU_LIBC_VERSION 2>/dev/null)" || return 1
  case "$version" in "glibc "*) version="${version#glibc }" ;; *) return 1 ;; esac
  major="${version%%.*}"; minor="${version#*.}"; minor="${minor%%.*}"
  floor_major="${GLIBC_FLOOR%%.*}"; floor_minor="${GLIBC_FLOOR#*.}"
  case "$major$minor" in *[!0-9]*|'') return 1 ;; esac
  [ "$major" -gt "$floor_major" ] || { [ "$major" -eq "$floor_major" ] && [ "$minor" -ge "$floor_minor" ]; }
}

if glibc_new_enough; then
  exec "$dir/glibc/Workspaces.WorkspaceAgent" "$@"
fi
if [ -e "/lib/ld-musl-$musl_arch.so.1" ]; then
  exec "$dir/musl/Workspaces.WorkspaceAgent" "$@"
fi
echo "workspace agent: glibc older than $GLIBC_FLOOR (or none): running the musl build with its own loader" >&2
exec "$dir/musl/ld-musl-$musl_arch.so.1" --library-path "$dir/musl" "$dir/musl/Workspaces.WorkspaceAgent" "$@"
