#!/usr/bin/env bash
# The kernel matrix: boot Debian's own kernels under qemu and run ecbpf's
# tests inside each one, against the programs built on this machine.
#
#   scripts/vmtest.sh [OPTIONS] KERNEL... [-- COMMAND...]
#
# KERNEL is a series (5.10 = bullseye, 6.1 = bookworm, 6.12 = trixie,
# 6.12-bpo = bookworm-backports: the newest linux-image-amd64 of that suite,
# security updates included), a package name (linux-image-6.1.0-50-amd64),
# a kernel .deb, or "host" (no VM: the command runs on this machine).
# COMMAND runs with bash in the repository, as root, in a chroot of this
# machine's root (shared read-only over virtio-9p); the default is
# tests/vm/guest.sh: the unit and BPF tiers plus a veth smoke test.
#
#   -b DIR      build directory the guest uses (default: build-vm; it is
#               configured and built first unless --no-build)
#   --no-build  use the build directory as it is
#   -o DIR      results: DIR/<kernel>/console.log and whatever the command
#               writes to $VMTEST_OUT (default: /tmp/ecbpf-vmtest)
#   -t SECS     time limit per kernel, boot included (default: 1500)
#   -m MIB      guest memory (default: 2048)
#   -c CPUS     guest CPUs (default: this machine's, at most 4)
#   -M MODS     more kernel modules to load in the guest (comma-separated)
#   -e VAR=VAL  set a variable for the command (repeatable)
#
# Kernel packages are fetched with apt-get download through a private sources
# list and apt state under $ECBPF_VMTEST_CACHE (/var/cache/ecbpf-vmtest), from
# the mirror in this machine's apt sources ($ECBPF_VMTEST_MIRROR overrides);
# the machine's own packages and apt state are never touched. There is no KVM
# here: qemu runs in TCG mode. Exit status: 0 when the command passed on every
# kernel, else the first failure's (124: time limit; 125: the guest gave no
# exit status, see its console.log).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
me=vmtest

build=$top/build-vm
do_build=1
out=/tmp/ecbpf-vmtest
limit=1500
mem=2048
cpus=$(nproc)
[ "$cpus" -gt 4 ] && cpus=4
extra_mods=()
envs=()
kernels=()
cache=${ECBPF_VMTEST_CACHE:-/var/cache/ecbpf-vmtest}

usage() { sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "$me: $*" >&2; exit 125; }
need_arg() { [ $# -ge 2 ] || { echo "$me: $1 needs a value" >&2; exit 64; }; }

while [ $# -gt 0 ]; do
	case $1 in
	-b) need_arg "$@"; build=$(realpath -m "$2"); shift 2 ;;
	--no-build) do_build=0; shift ;;
	-o) need_arg "$@"; out=$(realpath -m "$2"); shift 2 ;;
	-t) need_arg "$@"; limit=$2; shift 2 ;;
	-m) need_arg "$@"; mem=$2; shift 2 ;;
	-c) need_arg "$@"; cpus=$2; shift 2 ;;
	-M) need_arg "$@"; IFS=, read -ra more <<<"$2"; extra_mods+=("${more[@]}"); shift 2 ;;
	-e) need_arg "$@"; [[ $2 == [A-Za-z_]*=* ]] || { echo "$me: -e wants VAR=VALUE, not '$2'" >&2; exit 64; }
		envs+=("$2"); shift 2 ;;
	-h|--help) usage; exit 0 ;;
	--) shift; break ;;
	-*) echo "$me: unknown option $1 (see --help)" >&2; exit 64 ;;
	*) kernels+=("$1"); shift ;;
	esac
done
for n in "$limit" "$mem" "$cpus"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "$me: '$n' is not a positive number" >&2; exit 64; }
done
[ ${#kernels[@]} -gt 0 ] || { echo "$me: name at least one kernel: 5.10, 6.1, 6.12, 6.12-bpo, host, a package or a .deb" >&2; exit 64; }
if [ $# -gt 0 ]; then cmd=("$@"); else cmd=(tests/vm/guest.sh); fi
[ "$(id -u)" -eq 0 ] || { echo "$me: run as root (the guest reads every file of this machine's root)" >&2; exit 77; }

# ---- fetching a kernel -----------------------------------------------------

# The mirrors of this machine's apt sources: "MAIN SECURITY".
host_mirrors() {
	local main=${ECBPF_VMTEST_MIRROR:-} sec=${ECBPF_VMTEST_SECURITY_MIRROR:-} line uri suite
	while read -r uri suite; do
		case $suite in
		*-security) [ -n "$sec" ] || sec=$uri ;;
		*-*) ;;
		*) [ -n "$main" ] || main=$uri ;;
		esac
	done < <(
		# deb822 (.sources) and one-line (.list) formats.
		awk '/^URIs:/ { u = $2 } /^Suites:/ { for (i = 2; i <= NF; i++) print u, $i }' \
			/etc/apt/sources.list.d/*.sources 2>/dev/null
		for line in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -f "$line" ] && sed -nE 's/^deb +(\[[^]]*\] +)?([^ ]+) +([^ ]+).*/\2 \3/p' "$line"
		done)
	echo "${main:-http://deb.debian.org/debian} ${sec:-http://deb.debian.org/debian-security}"
}

apt_opts=()
apt_ready=0
# A private apt: its own sources list, state, lists and archive cache.
apt_setup() {
	[ $apt_ready -eq 1 ] && return 0
	local main sec keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	read -r main sec < <(host_mirrors)
	[ -r "$keyring" ] || die "no $keyring (apt-get install debian-archive-keyring)"
	mkdir -p "$cache"/apt/{lists/partial,archives/partial,etc} || die "cannot create $cache"
	{
		for s in bullseye bookworm trixie; do
			echo "deb [signed-by=$keyring] $main $s main"
			echo "deb [signed-by=$keyring] $sec $s-security main"
		done
		echo "deb [signed-by=$keyring] $main bookworm-backports main"
	} >"$cache/apt/etc/sources.list"
	: >"$cache/apt/status"
	apt_opts=(-o "Dir::Etc::SourceList=$cache/apt/etc/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State=$cache/apt" -o "Dir::State::Lists=$cache/apt/lists"
		-o "Dir::State::status=$cache/apt/status" -o "Dir::Cache=$cache/apt"
		-o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
		-o APT::Architecture=amd64 -o APT::Architectures::=amd64 -o Debug::NoLocking=1)
	# Lists at most a day old: a new point release brings a new kernel.
	if [ -z "$(find "$cache/apt/lists" -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
		echo "$me: updating the kernel package lists (mirror $main)" >&2
		apt-get "${apt_opts[@]}" -qq update >"$cache/apt/update.log" 2>&1 ||
			die "apt-get update failed: $(grep -m1 -E '^(E|W):' "$cache/apt/update.log")"
	fi
	apt_ready=1
}

# The newest linux-image-amd64 of SUITE (or SUITE-security): print the kernel package it depends on.
series_package() { # SUITE
	local suite=$1 ver meta
	ver=$(apt-cache "${apt_opts[@]}" madison linux-image-amd64 |
		awk -F' *[|] *' -v s="$1" '$3 ~ (" " s "/main") || $3 ~ (" " s "-security/main") { print $2 }' |
		sort -V | tail -1)
	[ -n "$ver" ] || die "no linux-image-amd64 in $suite on the mirror"
	meta=$(apt-cache "${apt_opts[@]}" show "linux-image-amd64=$ver" 2>/dev/null |
		sed -nE 's/^Depends: *(linux-image-[^ ,]+).*/\1/p' | head -1)
	[ -n "$meta" ] || die "cannot tell which kernel linux-image-amd64 $ver ($suite) depends on"
	echo "$meta"
}

# Resolve KERNEL to a .deb on disk; print its path.
kernel_deb() { # KERNEL
	local k=$1 pkg suite
	case $k in
	*.deb) [ -f "$k" ] || die "no such file: $k"; realpath "$k"; return ;;
	5.10) suite=bullseye ;;
	6.1) suite=bookworm ;;
	6.12) suite=trixie ;;
	6.12-bpo) suite=bookworm-backports ;;
	linux-image-*) pkg=$k ;;
	*) echo "$me: unknown kernel '$k': use 5.10, 6.1, 6.12, 6.12-bpo, host, linux-image-NAME or a .deb" >&2; return 64 ;;
	esac
	apt_setup
	[ -n "${pkg:-}" ] || pkg=$(series_package "$suite") || return 125
	local dir=$cache/debs
	mkdir -p "$dir"
	local have
	have=$(find "$dir" -maxdepth 1 -name "${pkg}_*_amd64.deb" | sort -V | tail -1)
	local want
	want=$(apt-cache "${apt_opts[@]}" madison "$pkg" | awk -F' *[|] *' '{ print $2 }' | sort -V | tail -1)
	[ -n "$want" ] || die "package $pkg is not on the mirror"
	if [ -z "$have" ] || [[ $have != *"_${want//:/%3a}_amd64.deb" ]]; then
		echo "$me: downloading $pkg $want" >&2
		(cd "$dir" && apt-get "${apt_opts[@]}" -qq download "$pkg=$want" >/dev/null 2>"$dir/download.err") ||
			die "apt-get download $pkg=$want failed: $(head -1 "$dir/download.err")"
		have=$(find "$dir" -maxdepth 1 -name "${pkg}_*_amd64.deb" | sort -V | tail -1)
	fi
	echo "$have"
}

# Unpack a kernel .deb once; print the tree.
kernel_tree() { # DEB
	local deb=$1 tree
	tree=$cache/trees/$(basename "$deb" .deb)
	if [ ! -e "$tree/.done" ]; then
		rm -rf "$tree"
		mkdir -p "$tree"
		dpkg-deb -x "$deb" "$tree" || die "cannot unpack $deb"
		# The package's postinst would run depmod: modules.dep is not in it.
		local kver
		kver=$(find "$tree/boot" -maxdepth 1 -name 'vmlinuz-*' | head -1)
		kver=${kver##*/vmlinuz-}
		[ -n "$kver" ] || die "no vmlinuz in $deb"
		depmod -b "$tree" "$kver" 2>/dev/null || depmod -b "$tree/usr" "$kver" ||
			die "depmod failed for $kver"
		touch "$tree/.done"
	fi
	echo "$tree"
}

# ---- the initramfs ---------------------------------------------------------

# Modules the guest needs: 9p for the host's root, veth for the tests' lab,
# af_packet for tcpdump, virtio-rng so nothing waits for entropy.
base_mods=(virtio_pci virtio_rng 9pnet_virtio 9p veth af_packet "${extra_mods[@]}")

# make_initrd TREE KVER RUNDIR SHARE...: write RUNDIR/initrd. A SHARE is "TAG ro|rw PATH".
make_initrd() {
	local tree=$1 kver=$2 run=$3
	shift 3
	local moddir=$tree/lib/modules/$kver
	[ -d "$moddir" ] || moddir=$tree/usr/lib/modules/$kver
	[ -f "$moddir/modules.dep" ] || die "no modules.dep for $kver in the package"
	local st=$run/initramfs
	rm -rf "$st"
	mkdir -p "$st"/{bin,sbin,proc,sys,dev,tmp,newroot,vm,lib/modules}
	cp /bin/busybox "$st/bin/busybox" || die "no /bin/busybox (apt-get install busybox-static)"
	local a
	for a in sh mount insmod mkdir cat grep sleep sync poweroff chroot hostname echo; do
		ln -s busybox "$st/bin/$a"
	done
	cp "$top/tests/vm/init" "$st/init"
	chmod 755 "$st/init"

	# Each wanted module after its dependencies (modules.dep lists them
	# nearest first), decompressed: busybox insmod reads plain ELF only.
	declare -A seen=()
	local order=()
	add_mod() { # PATH-IN-MODULES.DEP
		local rel=$1 line dep
		[ -n "${seen[$rel]:-}" ] && return
		seen[$rel]=1
		line=$(grep -m1 "^$rel:" "$moddir/modules.dep")
		for dep in $(echo "${line#*:}" | tr ' ' '\n' | tac); do add_mod "$dep"; done
		order+=("$rel")
	}
	local m rel
	for m in "${base_mods[@]}"; do
		rel=$(grep -m1 -E "(^|/)(${m}|${m//_/-})\.ko(\.xz|\.zst|\.gz)?:" "$moddir/modules.dep" | cut -d: -f1)
		if [ -z "$rel" ]; then
			grep -qE "(^|/)(${m}|${m//_/-})\.ko$" "$moddir/modules.builtin" 2>/dev/null ||
				echo "$me: module $m is neither a module nor built into $kver" >&2
			continue
		fi
		add_mod "$rel"
	done
	: >"$st/vm/modules"
	for rel in "${order[@]}"; do
		local plain=${rel%.xz}
		plain=${plain%.zst}
		plain=${plain%.gz}
		mkdir -p "$st/lib/modules/$(dirname "$plain")"
		case $rel in
		*.xz) xz -dc "$moddir/$rel" ;;
		*.zst) zstd -qdc "$moddir/$rel" ;;
		*.gz) gzip -dc "$moddir/$rel" ;;
		*) cat "$moddir/$rel" ;;
		esac >"$st/lib/modules/$plain" || die "cannot decompress $rel"
		echo "$plain" >>"$st/vm/modules"
	done

	local share
	: >"$st/vm/shares"
	for share in "$@"; do
		echo "$share" >>"$st/vm/shares"
	done
	echo "$run/guest-run.sh" >"$st/vm/run-path"
	(cd "$st" && find . | cpio -o -H newc --quiet | gzip -1) >"$run/initrd" || die "cannot write the initramfs"
	rm -rf "$st"
}

# The script the guest runs in the chroot: the environment, the command, the exit status.
write_run_script() { # RUNDIR LABEL
	local run=$1 label=$2 e
	{
		echo '#!/bin/bash'
		echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
		echo "export HOME=/tmp LANG=C.UTF-8 TERM=dumb"
		printf 'export VMTEST_KERNEL=%q VMTEST_OUT=%q BUILD=%q SRC=%q\n' "$label" "$run" "$build" "$top"
		for e in "${envs[@]}"; do printf 'export %q\n' "$e"; done
		printf 'cd %q || exit 1\n' "$top"
		echo "echo \"vmtest: \$(uname -r) up in \$(cut -d' ' -f1 /proc/uptime) s (guest time)\""
		# The words joined with spaces, like ssh does.
		printf 'bash -c %q vmtest\n' "${cmd[*]}"
		echo 'echo $? >"$VMTEST_OUT/rc"'
	} >"$run/guest-run.sh"
	chmod 755 "$run/guest-run.sh"
}

# ---- one kernel ------------------------------------------------------------

run_host() {
	local run=$out/host
	rm -rf "$run"
	mkdir -p "$run"
	(
		export VMTEST_KERNEL=host VMTEST_OUT=$run BUILD=$build SRC=$top
		for e in "${envs[@]}"; do export "${e?}"; done
		cd "$top" && bash -c "${cmd[*]}" vmtest
	) 2>&1 | tee "$run/console.log"
	return "${PIPESTATUS[0]}"
}

# Run in a subshell (a harness failure ends only this kernel's leg); the
# kernel's release goes to $out/.kver.
run_kernel() { # KERNEL
	local k=$1 deb tree vmlinuz run rc KVER
	deb=$(kernel_deb "$k") || return $?
	tree=$(kernel_tree "$deb") || return 125
	vmlinuz=$(find "$tree/boot" -maxdepth 1 -name 'vmlinuz-*' | head -1)
	[ -n "$vmlinuz" ] || die "no vmlinuz in $deb"
	KVER=${vmlinuz##*/vmlinuz-}
	echo "$KVER" >"$out/.kver"
	run=$out/$k
	[[ $k == *.deb ]] && run=$out/$KVER
	rm -rf "$run"
	mkdir -p "$run" || die "cannot create $run"
	# The repository (read-only: it may be under /tmp, which the guest
	# covers with a tmpfs), then the build and the results (read-write), in
	# that order, so a share inside another is mounted on top of it.
	local shares=("ro0 ro $top") path i=0
	for path in "$build" "$run"; do
		[ -d "$path" ] && shares+=("rw$i rw $path")
		i=$((i + 1))
	done
	make_initrd "$tree" "$KVER" "$run" "${shares[@]}"
	write_run_script "$run" "$k"

	# shellcheck disable=SC2054 # qemu option values hold commas
	local qemu=(qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp "$cpus" -m "$mem"
		-nographic -no-reboot -nodefaults -serial stdio -net none
		-device virtio-rng-pci
		-kernel "$vmlinuz" -initrd "$run/initrd"
		-append "console=ttyS0 panic=-1 oops=panic quiet loglevel=4 rdinit=/init"
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap)
	local s tag mode
	for s in "${shares[@]}"; do
		read -r tag mode path <<<"$s"
		qemu+=(-virtfs "local,path=$path,mount_tag=$tag,security_model=none,multidevs=remap$(
			[ "$mode" = ro ] && echo ,readonly=on)")
	done
	echo "$me: booting $KVER ($(basename "$deb")), ${cpus} CPUs, ${mem} MiB, TCG"
	# SeaBIOS clears the screen on the serial line: keep the log plain text.
	timeout -k 10 "$limit" "${qemu[@]}" </dev/null 2>&1 |
		sed -u -e 's/\r$//' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1bc//g' | tee "$run/console.log"
	rc=${PIPESTATUS[0]}
	if [ "$rc" -eq 124 ]; then
		echo "$me: $KVER: over the time limit of $limit s" >&2
		return 124
	fi
	if [ ! -s "$run/rc" ]; then
		echo "$me: $KVER: the guest gave no exit status (qemu exit $rc); see $run/console.log" >&2
		return 125
	fi
	return "$(cat "$run/rc")"
}

# ---- main --------------------------------------------------------------------

"$top/scripts/bootstrap.sh" >/dev/null || exit 1
for t in qemu-system-x86_64 cpio xz zstd dpkg-deb; do
	command -v $t >/dev/null || die "$t is missing (scripts/bootstrap.sh installs it)"
done
if [ $do_build -eq 1 ]; then
	echo "$me: building into $build"
	cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 1
	cmake --build "$build" -j"$(nproc)" >"$build.log" 2>&1 || { tail -40 "$build.log"; exit 1; }
fi
mkdir -p "$out" || die "cannot create $out"

status=0
summary=()
for k in "${kernels[@]}"; do
	start=$(date +%s)
	if [ "$k" = host ]; then
		run_host
		rc=$?
		KVER=$(uname -r)
	else
		rm -f "$out/.kver"
		(run_kernel "$k")
		rc=$?
		KVER=$(cat "$out/.kver" 2>/dev/null)
		rm -f "$out/.kver"
	fi
	secs=$(($(date +%s) - start))
	case $rc in
	0) verdict=passed ;;
	124) verdict="over the time limit" ;;
	125) verdict="no result (boot or harness failure)" ;;
	64) verdict="not run (bad kernel name)" ;;
	*) verdict="FAILED (exit $rc)" ;;
	esac
	summary+=("$(printf '%-9s %-28s %-34s %5d s' "$k" "${KVER:--}" "$verdict" "$secs")")
	[ "$rc" -ne 0 ] && [ $status -eq 0 ] && status=$rc
done
echo
echo "$me: kernel matrix (wall time per leg, TCG)"
printf '%s\n' "${summary[@]}"
exit $status
