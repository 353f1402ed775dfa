#!/bin/sh
# The workspace container's entry process: runs the agent build that this toolchain image's C library can load.
# Copied with the agent into every workspace pod (/opt/workspaces/bin/start); needs only /bin/sh.
dir="$(dirname "$0")"
case "$(uname -m)" in
  x86_64|amd64) ;;
  *) echo "workspace agent: no build for $(uname -m); the agent image has linux-x64 builds only" >&2; exit 1 ;;
esac
if [ -e /lib/ld-musl-x86_64.so.1 ]; then
  exec "$dir/musl/Workspaces.WorkspaceAgent" "$@"
fi
exec "$dir/glibc/Workspaces.WorkspaceAgent" "$@"
