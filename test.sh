#!/usr/bin/env bash
# The one test command: installs or starts what the tests need, then runs every test in the solution.
#   ./test.sh                 all tests
#   ./test.sh --filter X      passed on to dotnet test (e.g. --filter "FullyQualifiedName~Browser")
set -euo pipefail
cd "$(dirname "$0")"

say() { printf '\n== %s\n' "$*"; }
is_root() { [ "$(id -u)" = 0 ]; }
apt_updated=""
apt_install() {
  if ! is_root; then
    echo "Missing: $*. Install it with: sudo apt-get install -y $*" >&2
    exit 1
  fi
  if [ -z "$apt_updated" ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

command -v dotnet >/dev/null || { echo "Missing: the .NET SDK (see global.json for the version)." >&2; exit 1; }
command -v git >/dev/null || apt_install git
# The agent and the CLI are Native AOT: the .NET native compiler links them with the system's C toolchain and zlib.
{ command -v clang >/dev/null || command -v gcc >/dev/null; } && [ -e /usr/include/zlib.h ] || apt_install clang zlib1g-dev
command -v setsid >/dev/null || apt_install util-linux
command -v vi >/dev/null || apt_install vim-tiny   # the full-screen terminal test runs vi
command -v objdump >/dev/null || apt_install binutils   # the agent's glibc floor is read with objdump -T
command -v unzip >/dev/null || apt_install unzip   # helm comes out of an npm package's zip (scripts/helm-for-tests.sh)
command -v npm >/dev/null || apt_install npm
# The SSH tests: Debian's OpenSSH client (ssh, scp, sftp) through the CLI, its server in the workspaces, tmux as the terminal.
command -v ssh >/dev/null || apt_install openssh-client
[ -x /usr/sbin/sshd ] || apt_install openssh-server
command -v tmux >/dev/null || apt_install tmux
# Local workspaces run sandboxed: bubblewrap (mount, PID, user namespaces) and pasta (their own network namespace).
command -v bwrap >/dev/null || apt_install bubblewrap
command -v pasta >/dev/null || apt_install passt
# The prebuild tests' copy-on-write path runs on a loop-mounted XFS (scripts/reflink-fs-for-tests.sh).
command -v mkfs.xfs >/dev/null || apt_install xfsprogs
[ -x /usr/bin/chromium ] || { say "Installing Debian's chromium for the browser tests"; apt_install chromium; }

say "Starting a throwaway PostgreSQL"
WORKSPACES_TEST_POSTGRES="$(scripts/postgres-for-tests.sh start)"
export WORKSPACES_TEST_POSTGRES
trap 'scripts/postgres-for-tests.sh stop >/dev/null 2>&1 || true' EXIT

say "Mounting a small XFS filesystem for the prebuild tests' copy-on-write path"
# A machine that refuses loop mounts fails only the one test that needs it (it says why), not the whole run.
WORKSPACES_TEST_REFLINK_DIRECTORY="$(scripts/reflink-fs-for-tests.sh start)" \
    || say "No loop-mounted XFS here: the copy-on-write prebuild test will fail and say what it needs"
export WORKSPACES_TEST_REFLINK_DIRECTORY
trap 'scripts/postgres-for-tests.sh stop >/dev/null 2>&1 || true; scripts/reflink-fs-for-tests.sh stop >/dev/null 2>&1 || true' EXIT

say "Fetching helm for the chart tests (cached)"
WORKSPACES_TEST_HELM="$(scripts/helm-for-tests.sh)"
export WORKSPACES_TEST_HELM

say "Installing s3rver for the object-store prebuild tests (cached)"
WORKSPACES_TEST_S3RVER="$(scripts/s3rver-for-tests.sh)"
export WORKSPACES_TEST_S3RVER

say "Installing the language servers for the language tests (cached)"
PATH="$(scripts/language-servers-for-tests.sh):$PATH"
export PATH

export WORKSPACES_TEST_CHROMIUM=/usr/bin/chromium
# Terminal tests start real login shells with this machine's dotfiles. pyenv's rehash in ~/.bashrc waits up to a
# minute for a lock that a shell killed mid-start leaves behind; don't let that stall a test.
export PYENV_REHASH_TIMEOUT="${PYENV_REHASH_TIMEOUT:-1}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

say "Building"
dotnet build Workspaces.sln -c Debug -warnaserror -nologo -v quiet

# The browser code (src/Web/ClientApp) is JavaScript type-checked through its JSDoc. A fresh clone carries the built
# bundle in wwwroot/dist, so the build may skip npm entirely: install the locked packages (typescript among them) here
# when they are missing. A type error fails the run here, before any test.
say "Type-checking the browser code"
(cd src/Web/ClientApp && { [ -x node_modules/.bin/tsc ] || npm ci --no-audit --no-fund --loglevel=error; } && npx --no-install tsc -p .)

say "Testing"
log="$(mktemp)"
set +e
dotnet test Workspaces.sln -c Debug --no-build --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One closing line for every project together, in the form CI reads.
awk '/(Passed|Failed)!/ {
  for (i = 1; i <= NF; i++) {
    if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1)
  }
} END { gsub(",", "", f); printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
