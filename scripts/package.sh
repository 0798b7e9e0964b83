#!/usr/bin/env bash
# Build the Debian packages (ecbpf, libecbpf0, libecbpf-dev) with
# dpkg-buildpackage from a copy of the tree, then run lintian on them.
#   scripts/package.sh [OUTDIR]        (default: dist/)
# Environment:
#   ECBPF_COMPONENTS    components to build (default: all)
#   ECBPF_PKG_VERSION   package version instead of debian/changelog's (adds an entry
#                       to the copy's changelog; the system test builds upgrades so)
#   DEB_BUILD_OPTIONS   passed on; "nocheck" is added unless ECBPF_PKG_CHECK=1
#   ECBPF_LINTIAN=0     skip lintian
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$top/dist}" && cd "${1:-$top/dist}" && pwd)
src=$out/ecbpf-src

# A copy, so that the build never writes into the tree (debian/ build files, obj-*).
rm -rf "$src"
mkdir -p "$src"
tar -C "$top" --exclude='./build*' --exclude=./.git --exclude=./dist --exclude='./obj-*' \
	--exclude='./debian/.debhelper' --exclude='./debian/tmp' -cf - . | tar -C "$src" -xf -
if [ -n "${ECBPF_PKG_VERSION:-}" ]; then
	{
		printf 'ecbpf (%s) unstable; urgency=medium\n\n' "$ECBPF_PKG_VERSION"
		printf '  * Rebuild as %s.\n\n' "$ECBPF_PKG_VERSION"
		printf ' -- ecbpf maintainers <ecbpf@example.org>  %s\n\n' "$(date -R)"
		cat "$top/debian/changelog"
	} > "$src/debian/changelog"
fi
if [ "${ECBPF_PKG_CHECK:-0}" != 1 ]; then
	export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-} nocheck"
fi
export ECBPF_COMPONENTS="${ECBPF_COMPONENTS:-root;printk;filter;fw;sampler;bypass;systemd}"
# Without the sampler there is no decoder to package.
case ";$ECBPF_COMPONENTS;" in
*";sampler;"*) ;;
*) export DEB_BUILD_PROFILES="${DEB_BUILD_PROFILES:-} pkg.ecbpf.nosampler" ;;
esac
version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
rm -f "$out"/*_"$version"_*.deb "$out"/*_"$version"_*.ddeb "$out"/ecbpf_"$version"_*.changes

echo "package: building ecbpf $version ($arch) with components '$ECBPF_COMPONENTS'"
(cd "$src" && dpkg-buildpackage -b -uc -us -j"$(nproc)") >"$out/build-$version.log" 2>&1 || {
	tail -40 "$out/build-$version.log"
	echo "package: dpkg-buildpackage failed (log: $out/build-$version.log)" >&2
	exit 1
}
rm -rf "$src"
ls "$out"/*_"$version"_"$arch".deb
if [ "${ECBPF_LINTIAN:-1}" != 0 ]; then
	# 0 errors is the bar; every warning is fixed or overridden with a reason.
	lintian --fail-on error,warning --info "$out/ecbpf_${version}_${arch}.changes"
	echo "package: lintian clean"
fi
