#!/usr/bin/env bash
# Prints a directory to put on PATH for the language-server tests, installing the real servers from npm once:
# typescript-language-server (with typescript) and pyright (pyright-langserver).
#
#   export PATH="$(scripts/language-servers-for-tests.sh):$PATH"
#
# Cache: ${WORKSPACES_LANGUAGE_SERVERS_CACHE:-/usr/local/share/workspaces/language-servers}/<versions> as root, where
# sandboxed workspaces see it (they see the system toolchain, never the service's home); otherwise under ~/.cache.
set -euo pipefail

# typescript-language-server 6 needs node 22; Debian's node is 20. TypeScript 5.9: the last JavaScript tsserver
# the 5.x server is tested with.
packages=(typescript-language-server@5.3.0 typescript@5.9.3 pyright@1.1.414)
key="$(printf '%s\n' "${packages[@]}" | sha256sum | cut -c1-12)"
if [ "$(id -u)" = 0 ]; then default=/usr/local/share/workspaces/language-servers; else default="${XDG_CACHE_HOME:-$HOME/.cache}/workspaces/language-servers"; fi
cache="${WORKSPACES_LANGUAGE_SERVERS_CACHE:-$default}/$key"

if [ ! -x "$cache/node_modules/.bin/pyright-langserver" ] || [ ! -x "$cache/node_modules/.bin/typescript-language-server" ]; then
  command -v npm >/dev/null || { echo "language-servers-for-tests: npm is needed (apt-get install npm)." >&2; exit 1; }
  echo "language-servers-for-tests: installing ${packages[*]} from npm" >&2
  work="$cache.tmp.$$"
  rm -rf "$work" && mkdir -p "$work"
  (cd "$work" && echo '{"private":true}' > package.json && npm install --silent --no-audit --no-fund "${packages[@]}" >&2)
  rm -rf "$cache" && mv "$work" "$cache"
fi

echo "$cache/node_modules/.bin"
