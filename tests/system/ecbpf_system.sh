#!/usr/bin/env bash
# System test: the built .deb in a booted Debian bookworm container.
#
# 1. A minbase bookworm root made with debootstrap, cached in $BUILD/system-cache
#    (reused while present); each run works on an overlay above it.
# 2. scripts/package.sh builds the packages (lintian clean), then dpkg -i in the
#    root without systemd running (the maintainer scripts must cope), plus
#    apt-get -f install for dependencies.
# 3. systemd-nspawn boots it with a private bpffs and one end of a veth pair.
# 4. Inside: config, systemctl start, status, traffic from the host end of the
#    veth (only to the container's address), a drop rule, fw reload under
#    traffic, root restart under traffic, a broken config, an upgrade to a
#    rebuilt package under traffic, and dpkg --purge leaving nothing behind.
# Everything (container, veth, mounts, files) is torn down on exit, even on failure.
set -uo pipefail
: "${BUILD:?}" "${SRC:?}"
cache=$BUILD/system-cache/bookworm
pkgdir=$BUILD/pkg
run=$(mktemp -d /tmp/ecbpf-system.XXXXXX)
name=ecbpfsys$$
vh=ecs${$}h vc=ecs${$}c
net=198.18.$(($$ % 250)).
hip=${net}1 cip=${net}2
root=$run/root bpffs=$run/bpffs
nspawn_pid= cpid=
pass=0 fail=0

log() { printf '== %s\n' "$*"; }
ok() { pass=$((pass + 1)); printf 'ok   %s\n' "$1"; }
bad() { fail=$((fail + 1)); printf 'FAIL %s\n' "$1"; }
check() {	# DESCRIPTION COMMAND...: pass if the command succeeds
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; return 1; fi
}
expect_eq() {	# DESCRIPTION EXPECTED ACTUAL
	if [ "$2" == "$3" ]; then ok "$1"; else bad "$1 (expected '$2', got '$3')"; fi
}
die() { bad "$*"; exit 1; }

teardown() {
	if [ "$fail" -gt 0 ] && [ -n "$cpid" ] && kill -0 "$cpid" 2>/dev/null; then
		echo "== journal of the ecbpf units (last 60 lines)"
		nsenter -t "$cpid" -a journalctl --no-pager -o short-monotonic -u 'ecbpf-*' | tail -60
	fi
	if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
		kill -TERM "$nspawn_pid" 2>/dev/null
		for _ in $(seq 1 100); do
			kill -0 "$nspawn_pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$nspawn_pid" 2>/dev/null
		wait "$nspawn_pid" 2>/dev/null
	fi
	ip link del "$vh" 2>/dev/null
	mountpoint -q "$root" && umount -l "$root"
	mountpoint -q "$bpffs" && umount -l "$bpffs"
	rm -rf "$run"
	echo "$pass passed, $fail failed"
}
trap teardown EXIT
trap 'exit 1' INT TERM

for t in debootstrap systemd-nspawn dpkg-buildpackage lintian nsenter; do
	command -v "$t" >/dev/null || die "$t is not installed (scripts/bootstrap.sh)"
done

# ---- 1. the cached bookworm root ------------------------------------------
mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/*.sources \
	2>/dev/null | grep -m1 -v security)
mirror=${mirror:-$(sed -n 's/^deb[[:space:]]\+\(http[^[:space:]]*\).*/\1/p' \
	/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -1)}
# The libraries ecbpf links are included so that a run needs no download.
deps=systemd,systemd-sysv,dbus,iproute2,libbpf1,libjansson4,libelf1,zlib1g,libzmq5,libpcap0.8,libmicrohttpd12
if [ ! -e "$cache/.complete" ]; then
	log "debootstrap bookworm into $cache (from $mirror)"
	rm -rf "$cache"
	mkdir -p "$cache"
	debootstrap --variant=minbase --include="$deps" bookworm "$cache" "$mirror" \
		>"$run/debootstrap.log" 2>&1 || { tail -20 "$run/debootstrap.log"; die "debootstrap"; }
	touch "$cache/.complete"
fi
mkdir -p "$root" "$run/upper" "$run/work" "$bpffs"
mount -t overlay overlay -o "lowerdir=$cache,upperdir=$run/upper,workdir=$run/work" "$root" ||
	die "overlay mount"

# ---- 2. packages, installed without systemd running ------------------------
comps=${ECBPF_COMPONENTS:-$(sed -n "s/^ECBPF_COMPONENTS:STRING=//p" "$BUILD/CMakeCache.txt")}
log "package ($comps)"
ECBPF_COMPONENTS=$comps "$SRC/scripts/package.sh" "$pkgdir" >"$run/package.log" 2>&1 ||
	{ tail -30 "$run/package.log"; die "scripts/package.sh (build or lintian)"; }
ok "package built and lintian clean"
version=$(dpkg-parsechangelog -l "$SRC/debian/changelog" -S Version)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
debs=("$pkgdir/ecbpf_${version}_$arch.deb" "$pkgdir/libecbpf0_${version}_$arch.deb")

# The upgrade: the same build repacked as a newer version.
mkdir -p "$run/debs" "$run/up"
cp "${debs[@]}" "$run/debs/"
upver=$version+systest1
for d in "${debs[@]}"; do
	p=$(dpkg-deb -f "$d" Package)
	rm -rf "$run/up/x"
	dpkg-deb -R "$d" "$run/up/x"
	sed -i "s/^Version: .*/Version: $upver/; s/libecbpf0 (>= [^)]*)/libecbpf0 (>= $upver)/" \
		"$run/up/x/DEBIAN/control"
	dpkg-deb -b --root-owner-group "$run/up/x" "$run/debs/up_${p}_${upver}_$arch.deb" >/dev/null ||
		die "repack $p"
done

inroot() { systemd-nspawn -q -D "$root" --register=no --keep-unit --pipe -E PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
mkdir -p "$root/opt/debs" && cp "$run/debs/"*.deb "$root/opt/debs/"
log "dpkg -i in the root (no systemd running)"
inroot sh -c "dpkg -i /opt/debs/ecbpf_${version}_$arch.deb /opt/debs/libecbpf0_${version}_$arch.deb" \
	>"$run/dpkg.log" 2>&1
if ! inroot dpkg-query -W -f='${Status}' ecbpf 2>/dev/null | grep -q 'install ok installed'; then
	inroot sh -c 'apt-get update -qq && apt-get -f install -y -qq' >>"$run/dpkg.log" 2>&1
fi
inroot dpkg-query -W -f='${Status}' ecbpf | grep -q 'install ok installed' ||
	{ cat "$run/dpkg.log"; die "dpkg -i ecbpf in the chroot"; }
ok "dpkg -i works without systemd (chroot)"

# ---- 3. boot (a private network; one end of a veth pair is moved in) ---------
ip link add "$vh" type veth peer name "$vc" || die "veth"
ip addr add "${hip}/30" dev "$vh"
ip link set "$vh" up
mount -t bpf bpf "$bpffs" || die "private bpffs"
log "boot $name"
systemd-nspawn -q -D "$root" -M "$name" --boot --register=no --keep-unit --capability=all \
	--system-call-filter='bpf perf_event_open' --bind="$bpffs:/sys/fs/bpf" \
	--private-network >"$run/boot.log" 2>&1 &
nspawn_pid=$!
for _ in $(seq 1 100); do
	for p in $(pgrep -P "$nspawn_pid") $(pgrep -P "$(pgrep -P "$nspawn_pid" | head -1)" 2>/dev/null); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = systemd ] && cpid=$p
	done
	[ -n "$cpid" ] && break
	sleep 0.2
done
[ -n "$cpid" ] || { cat "$run/boot.log"; die "container did not start"; }
c() { nsenter -t "$cpid" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
# Until the container's systemd has its bus, systemctl fails at once with no
# state ("Failed to connect to bus"): ask again until it answers, then wait.
state=
for _ in $(seq 1 300); do
	state=$(timeout 60 nsenter -t "$cpid" -a systemctl is-system-running --wait 2>/dev/null)
	[ -n "$state" ] && break
	sleep 0.2
done
case $state in
running | degraded) log "container booted: $state" ;;
*) cat "$run/boot.log"; die "container did not finish booting (state '$state')" ;;
esac
# Moved in after boot: nspawn's --network-interface waits for udev, which this host lacks.
ip link set "$vc" netns "$cpid" || die "move $vc into the container"
c ip addr add "${cip}/30" dev "$vc"
c ip link set "$vc" up
for _ in $(seq 1 50); do ping -q -c1 -W1 "$cip" >/dev/null 2>&1 && break; sleep 0.2; done
check "host reaches the container before ecbpf" ping -q -c1 -W1 "$cip"

# ---- 4. inside --------------------------------------------------------------
has() { [ -e "$root/lib/systemd/system/ecbpf-$1.service" ]; }
# State of a unit once its jobs are done (restarts propagate to the bound units).
settled() {
	local st
	for _ in $(seq 1 50); do
		st=$(c systemctl is-active "$1")
		case $st in activating | deactivating | reloading) sleep 0.2 ;; *) break ;; esac
	done
	echo "$st"
}
units=(ecbpf-root)
for u in filter fw sampler exporter; do has "$u" && units+=("ecbpf-$u"); done
log "units: ${units[*]}"

write_config() {	# FILTER_DROP_FILE FW_RULES
	cat >"$root/etc/ecbpf/ecbpf.conf" <<EOF
{
	"interfaces": ["$vc"],
	"xdp_mode": "native",
	"root": { "enabled": true },
	"filter": { "enabled": $(has filter && echo true || echo false), "frags_drop": true,
		    "drop_file": "/etc/ecbpf/drop.txt" },
	"fw": { "enabled": $(has fw && echo true || echo false), "rules": "/etc/ecbpf/fw.rules" },
	"sampler": { "enabled": $(has sampler && echo true || echo false), "rate": 1,
		     "write": "/var/lib/ecbpf/samples.pcapng" },
	"exporter": { "enabled": $(has exporter && echo true || echo false),
		      "listen": "127.0.0.1:9771" }
}
EOF
}
: >"$root/etc/ecbpf/drop.txt"
printf '# drop UDP to port 9999\nip from any to any udp dport { 9999 } name "udp9999"\n' \
	>"$root/etc/ecbpf/fw.rules"
write_config
check "handler check accepts the config" c ecbpf_service_handler check

check "systemctl start ${units[*]}" c systemctl start "${units[@]}"
for u in "${units[@]}"; do
	expect_eq "$u is active" active "$(settled "$u")"
done
root_json() { c xdp_root_loader --status --json --interface "$vc"; }
# Facts from xdp_root_loader --status --json (parsed on the host).
status_get() {	# PYTHON-EXPRESSION over d (the interface object)
	root_json | /usr/bin/python3 -c "import json,sys
d=json.load(sys.stdin)['interfaces'][0]
slot=lambda n: ([x for x in d.get('slots', []) if x['slot'] == n] or [None])[0]
print($1)" 2>/dev/null
}
slot_prog() { status_get "(slot($1) or {}).get('program') and slot($1)['program']['name'] or ''"; }
root_id() { status_get "(d.get('root') or {}).get('id', 0)"; }
slot_count() { status_get "slot($1)['actions']['$2']['packets'] if slot($1) else 0"; }
c xdp_root_loader --status --interface "$vc" >"$run/status.txt" 2>&1
check "xdp_root_loader --status shows the root on $vc" grep -q "$vc" "$run/status.txt"
root_json >"$run/status.json" 2>&1
check "xdp_root_loader --status --json parses" /usr/bin/python3 -c "import json; json.load(open('$run/status.json'))"
rid=$(root_id)
check "root attached (prog id $rid)" test "${rid:-0}" -gt 0 || cat "$run/status.txt" "$run/status.json"
if has filter; then
	check "xdp_filter --status" c xdp_filter --status --interface "$vc"
	c xdp_filter --status --interface "$vc" >"$run/filter.txt" 2>&1
	check "filter status shows frags_drop from the config" grep -q 'frags_drop? true' "$run/filter.txt"
	expect_eq "filter in slot 2" xdp_filter_prog "$(slot_prog 2)"
fi
has fw && expect_eq "fw in slot 5" xdp_fw "$(slot_prog 5)"

check "ping passes the stack" ping -q -c3 -i0.2 -W1 "$cip"

# A source drop rule from the config file, applied by reload.
if has filter; then
	echo "$hip host-side" >"$root/etc/ecbpf/drop.txt"
	check "systemctl reload ecbpf-filter (drop host)" c systemctl reload ecbpf-filter
	check "ping is dropped by the filter" bash -c "! ping -q -c2 -i0.2 -W1 '$cip' >/dev/null"
	d=$(slot_count 2 XDP_DROP)
	check "filter DROP counter counts the pings ($d)" test "${d:-0}" -ge 2
	: >"$root/etc/ecbpf/drop.txt"
	check "systemctl reload ecbpf-filter (removal)" c systemctl reload ecbpf-filter
	check "ping passes again" ping -q -c2 -i0.2 -W1 "$cip"
fi

# Send UDP datagrams to port 9999 while ACTION runs. Every one must get the
# guard slot's DROP (the fw rule, or the filter's drop list when there is no
# fw), and none may reach the container's stack: its Udp NoPorts counter
# (nothing listens on 9999) counts the ones that passed unfiltered.
guard=
has filter && guard=2
has fw && guard=5
udp_noports() { c cat /proc/net/snmp | awk '/^Udp: [0-9]/ { print $3 }'; }
udp_during() {	# DESCRIPTION COMMAND...
	local what=$1 before after sent np_before np_after
	shift
	before=$(slot_count "$guard" XDP_DROP)
	np_before=$(udp_noports)
	(
		i=0
		while [ ! -e "$run/stop" ]; do
			echo "x" >"/dev/udp/$cip/9999"
			i=$((i + 1))
			sleep 0.005
		done
		echo "$i" >"$run/sent"
	) &
	local sender=$!
	sleep 0.5
	"$@" >"$run/action.log" 2>&1 || bad "$what: command failed: $(tail -3 "$run/action.log")"
	sleep 0.5
	touch "$run/stop"
	wait "$sender"
	rm -f "$run/stop"
	sent=$(cat "$run/sent")
	sleep 0.3
	after=$(slot_count "$guard" XDP_DROP)
	np_after=$(udp_noports)
	if [ -n "${expect_gap:-}" ]; then
		check "$what: $((np_after - np_before)) of $sent reached the stack unfiltered: the check sees a gap" \
			test "$((np_after - np_before))" -gt 0
	else
		expect_eq "$what: none of $sent UDP/9999 datagrams reached the stack" 0 \
			"$((np_after - np_before))"
		expect_eq "$what: all $sent dropped in slot $guard" "$sent" "$((after - before))"
	fi
}
guarded() {	# DESCRIPTION COMMAND...: under traffic when a guard slot exists
	if [ -n "$guard" ]; then
		udp_during "$@"
	else
		shift
		"$@" >"$run/action.log" 2>&1 || bad "$*: $(tail -3 "$run/action.log")"
	fi
}
if [ "$guard" = 2 ]; then
	echo "$hip host-side" >"$root/etc/ecbpf/drop.txt"
	check "drop the host's traffic as the guard" c systemctl reload ecbpf-filter
fi

if has fw; then
	printf 'ip from any to any udp dport { 9999 } name "udp9999"\nip from any to any udp dport { 9998 } name "udp9998"\n' \
		>"$root/etc/ecbpf/fw.rules"
	udp_during "reload ecbpf-fw with a new rule set" c systemctl reload ecbpf-fw
	c xdp_fw --stats --interface "$vc" >"$run/fw.txt" 2>&1
	check "fw stats list the new rule" grep -q udp9998 "$run/fw.txt"
fi
guarded "restart ecbpf-root" c systemctl restart ecbpf-root
for u in "${units[@]}"; do
	expect_eq "$u active after root restart" active "$(settled "$u")"
done
rid2=$(root_id)
check "root replaced in place (id $rid -> $rid2)" test "${rid2:-0}" -gt 0 -a "${rid2:-0}" != "$rid"
has filter && expect_eq "filter still in slot 2 after restart" xdp_filter_prog "$(slot_prog 2)"
c journalctl -u ecbpf-root --no-pager -o cat >"$run/journal-root.txt" 2>&1
check "restart skipped the detach" grep -q "restart: leaving it attached" "$run/journal-root.txt"

# A broken config: start fails with the handler's message; nothing changes.
victim=
has filter && victim=filter
has fw && victim=fw
cp "$root/etc/ecbpf/ecbpf.conf" "$run/good.conf"
if [ -n "$victim" ]; then
	vslot=$([ "$victim" = fw ] && echo 5 || echo 2)
	c systemctl stop "ecbpf-$victim"
	expect_eq "$victim slot empty after stop" "" "$(slot_prog "$vslot")"
fi
rid3=$(root_id)
sed -i 's/"enabled": true }/"enabled": "yes" }/' "$root/etc/ecbpf/ecbpf.conf"
if [ -n "$victim" ]; then
	check "systemctl start ecbpf-$victim with a broken config fails" \
		bash -c "! nsenter -t $cpid -a systemctl start ecbpf-$victim 2>/dev/null"
	c journalctl -u "ecbpf-$victim" --no-pager -o cat >"$run/journal-bad.txt" 2>&1
	check "journal has the handler's message" \
		grep -q "^/etc/ecbpf/ecbpf.conf: root.enabled: expected true or false" "$run/journal-bad.txt"
	expect_eq "$victim slot still empty" "" "$(slot_prog "$vslot")"
fi
check "reload ecbpf-root with a broken config fails" \
	bash -c "! nsenter -t $cpid -a systemctl reload ecbpf-root 2>/dev/null"
expect_eq "root untouched by the broken config" "$rid3" "$(root_id)"
expect_eq "ecbpf-root still active" active "$(settled ecbpf-root)"
has filter && [ "$victim" != filter ] &&
	expect_eq "filter untouched by the broken config" xdp_filter_prog "$(slot_prog 2)"
cp "$run/good.conf" "$root/etc/ecbpf/ecbpf.conf"
[ -n "$victim" ] && check "start ecbpf-$victim again" c systemctl start "ecbpf-$victim"
[ "$victim" = filter ] && expect_eq "filter back in slot 2" xdp_filter_prog "$(slot_prog 2)"
if has exporter; then
	metrics() {
		c bash -c 'exec 3<>/dev/tcp/127.0.0.1/9771 && printf "GET /metrics HTTP/1.0\r\n\r\n" >&3 && cat <&3'
	}
	for _ in $(seq 1 25); do metrics >"$run/metrics.txt" 2>/dev/null && break; sleep 0.2; done
	check "exporter serves ecbpf_root_attached for $vc" \
		grep -q "^ecbpf_root_attached{.*interface=\"$vc\".*} 1" "$run/metrics.txt"
fi
if has sampler; then
	ping -q -c3 -i0.2 -W1 "$cip" >/dev/null
	check "sampler writes /var/lib/ecbpf/samples.pcapng" test -s "$root/var/lib/ecbpf/samples.pcapng"
fi

# Upgrade to the rebuilt package while traffic flows.
upgrade() {
	c dpkg -i "/opt/debs/up_libecbpf0_${upver}_$arch.deb" "/opt/debs/up_ecbpf_${upver}_$arch.deb"
}
guarded "upgrade to $upver" upgrade
expect_eq "upgraded version" "$upver" "$(c dpkg-query -W -f='${Version}' ecbpf)"
for u in "${units[@]}"; do
	expect_eq "$u active after upgrade" active "$(settled "$u")"
done
check "root still attached after upgrade" test "$(root_id)" -gt 0

# The control: a stop and a start (what a naive restart does) leaves a gap,
# and the guard must see it, or the checks above prove nothing.
if [ -n "$guard" ]; then
	expect_gap=1 udp_during "stop + start" c sh -c "systemctl stop ecbpf-root && systemctl start ${units[*]}"
	expect_eq "guard slot back after start" "$([ "$guard" = 5 ] && echo xdp_fw || echo xdp_filter_prog)" \
		"$(slot_prog "$guard")"
fi

# Purge: nothing left.
rm -f "$root/etc/ecbpf/drop.txt" "$root/etc/ecbpf/fw.rules"
check "dpkg --purge" c dpkg --purge ecbpf libecbpf0
link=$(c ip -d link show dev "$vc")
check "no XDP program left on $vc" bash -c "! grep -q 'prog/xdp' <<<'$link'"
# maps.debug and progs.debug are the kernel's own iterators in every bpffs.
left=$(find "$bpffs" -mindepth 1 ! -name maps.debug ! -name progs.debug 2>/dev/null | head -5)
expect_eq "no pins left" "" "$left"
expect_eq "no unit files left" "" "$(ls "$root"/lib/systemd/system/ecbpf-* 2>/dev/null)"
expect_eq "no units loaded" "" "$(c systemctl list-units --all --no-legend 'ecbpf-*' 2>/dev/null)"
expect_eq "config purged" "no" "$([ -e "$root/etc/ecbpf/ecbpf.conf" ] && echo yes || echo no)"
check "host still reaches the container" ping -q -c1 -W1 "$cip"
[ "$fail" -eq 0 ]
