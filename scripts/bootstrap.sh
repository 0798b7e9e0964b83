#!/usr/bin/env bash
# Install every build and test dependency (ext/packages.txt) from Debian's
# archive and mount bpffs. Idempotent; run as root on Debian 12.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

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
if ! mountpoint -q /sys/fs/bpf; then
	mount -t bpf bpf /sys/fs/bpf
fi
echo "bootstrap: dependencies installed, bpffs mounted"
