#!/usr/bin/env bash
# A small XFS filesystem with reflinks (copy-on-write clones) for the prebuild tests' clone path, on a loop device.
#
#   export WORKSPACES_TEST_REFLINK_DIRECTORY="$(scripts/reflink-fs-for-tests.sh start)"
#   scripts/reflink-fs-for-tests.sh stop
#
# start  mounts it (or finds it mounted from this checkout) and prints its mount point on stdout.
# stop   unmounts it and deletes its image. Does nothing if it is not mounted.
# Mounting needs root (and xfsprogs, which root installs); anyone else is told what to run.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state_dir="$repo_root/.test/reflink"
image="$state_dir/xfs.img"
mount_point="$state_dir/mnt"
log() { printf 'reflink-fs-for-tests: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

start() {
    if mountpoint -q "$mount_point" 2>/dev/null; then
        echo "$mount_point"
        return 0
    fi
    [[ "$(id -u)" -eq 0 ]] || die "mounting a loop filesystem needs root: run this script as root (it installs xfsprogs and mounts $image)."
    if ! command -v mkfs.xfs >/dev/null 2>&1; then
        log "installing xfsprogs"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xfsprogs >/dev/null
    fi
    mkdir -p "$mount_point"
    rm -f "$image"
    truncate -s 2G "$image"
    mkfs.xfs -q -m reflink=1 "$image"
    mount -o loop "$image" "$mount_point"
    chmod 0755 "$mount_point"
    echo "$mount_point"
}

stop() {
    if mountpoint -q "$mount_point" 2>/dev/null; then
        umount "$mount_point"
    fi
    rm -f "$image"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) die "usage: $0 start|stop" ;;
esac
