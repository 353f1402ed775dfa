#!/usr/bin/env bash
# The sandbox's cost (issue 19): workspace start, terminal echo and throughput, and preview throughput, each measured with
# the product's default (sandboxed: bubblewrap + pasta) and with Workspaces:Isolation=None, one after the other in one run.
#
#   bench/sandbox-cost.sh [output directory]      (about 15 minutes on an idle 2-core machine)
#
# Reports land in the output directory (default: a new temporary one), one Markdown file per harness and setting.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-$(mktemp -d -t sandbox-cost-XXXXXX)}"
mkdir -p "$out"

dotnet build src/Web -c Release -nologo -v quiet
for project in StartLatency TerminalLatency PreviewProxy; do
  dotnet build "bench/$project" -c Release -nologo -v quiet
done

run() { echo "== $1" >&2; shift; "$@"; }
for setting in Sandbox None; do
  run "start, $setting" dotnet run -c Release --no-build --project bench/StartLatency -- \
    --runs 5 --web-arg "--Workspaces:Isolation=$setting" --output "$out/start-$setting.md"
  run "terminal, $setting" dotnet run -c Release --no-build --project bench/TerminalLatency -- \
    --keystrokes 800 --blocks 8 --output-mb 100 --rounds 3 --terminals 20 \
    --server-env "Workspaces__Isolation=$setting" --output "$out/terminal-$setting.md"
  run "preview, $setting" dotnet run -c Release --no-build --project bench/PreviewProxy -- \
    --seconds 5 --rounds 2 --isolation "$setting" --output "$out/preview-$setting.md"
done
echo "Reports: $out" >&2
