#!/bin/bash
# sched-slice-watch.sh ROOTPID NS: every 0.5 s, every thread of the web app and the agents under ROOTPID asks for an
# EEVDF slice of NS nanoseconds (0: the default); the shells they start are set back to the default.
root=$1; ns=$2
desc() { local p=$1; for c in $(cat /proc/$p/task/*/children 2>/dev/null); do echo $c; desc $c; done; }
while kill -0 $root 2>/dev/null; do
  for p in $(desc $root); do
    if tr '\0' ' ' < /proc/$p/cmdline 2>/dev/null | grep -q "Workspaces.Web.dll\|WorkspaceAgent"; then
      python3 "$(dirname "$0")/sched-slice.py" $ns $p > /dev/null 2>&1
    elif [ "$(cat /proc/$p/comm 2>/dev/null)" = bash ]; then
      python3 "$(dirname "$0")/sched-slice.py" 0 $p > /dev/null 2>&1
    fi
  done
  sleep 0.5
done
