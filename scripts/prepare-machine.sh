#!/usr/bin/env bash
# Prepares a Linux machine for BpfDotnet's kernel tests. Idempotent: safe to run again.
#  - installs the tools the cross-checks use (bpftool, clang-14/llvm-14, gcc and the kernel UAPI headers for the netlink layout check), and Debian's
#    python3, whose USDT probes the USDT tests attach to;
#  - mounts tracefs at /sys/kernel/tracing and bpffs at /sys/fs/bpf when they are not mounted.
# Needs root. Building BpfDotnet itself needs none of this: only the .NET SDK.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
    echo "prepare-machine.sh: must run as root (try: sudo $0)" >&2
    exit 1
fi

packages=(bpftool clang-14 llvm-14 gcc linux-libc-dev python3)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ "${#missing[@]}" -gt 0 ]; then
    echo "prepare-machine.sh: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # A transient problem with one package list is not fatal; a failed install is.
    if ! apt-get -o DPkg::Lock::Timeout=600 update; then
        echo "prepare-machine.sh: warning: apt-get update reported a problem; trying the install anyway" >&2
    fi
    apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}"
else
    echo "prepare-machine.sh: packages already installed: ${packages[*]}"
fi

mount_if_needed() {
    local type=$1 source=$2 target=$3
    if mountpoint -q "$target"; then
        echo "prepare-machine.sh: $target already mounted"
        return
    fi
    mkdir -p "$target"
    mount -t "$type" "$source" "$target"
    echo "prepare-machine.sh: mounted $type at $target"
}

mount_if_needed tracefs nodev /sys/kernel/tracing
mount_if_needed bpf bpf /sys/fs/bpf
# cgroup programs attach to a cgroup v2 directory: mount the unified hierarchy where the machine has none.
if ! grep -q " cgroup2 " /proc/self/mounts; then mount_if_needed cgroup2 none /run/bpfdotnet-cgroup2; fi
