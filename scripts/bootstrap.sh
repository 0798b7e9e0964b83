#!/usr/bin/env bash
# Install every build and test dependency (ext/packages.txt) from Debian's
# archive and mount bpffs. Idempotent; run as root on Debian 12.
#   scripts/bootstrap.sh [--no-mount]   (--no-mount: package builds in containers)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
mount_bpffs=1
[ "${1:-}" = "--no-mount" ] && mount_bpffs=0

if [ "$(id -u)" -ne 0 ]; then
	echo "bootstrap: run as root" >&2
	exit 77
fi
mapfile -t pkgs < <(grep -vE '^\s*(#|$)' "$top/ext/packages.txt")
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "bootstrap: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ $mount_bpffs -eq 1 ] && ! mountpoint -q /sys/fs/bpf; then
	mount -t bpf bpf /sys/fs/bpf
fi
echo "bootstrap: dependencies installed$([ $mount_bpffs -eq 1 ] && echo ', bpffs mounted')"
