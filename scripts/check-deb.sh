#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Debian packages that make deb built (OUTDIR/*.deb) are clean and install:
#   1. lintian: no error, no warning (overrides in debian/*.lintian-overrides say why);
#   2. the packages' version is FPQ_VERSION; libfpq0 has libfpq.so.0 and a symbols file
#      with the FPQ_0 version; fpq-dkms has the DKMS source with the product build's
#      files only, the udev rule and /etc/modprobe.d/fpq.conf; libfpq-dev's pkg-config file
#      points to Debian's multiarch directory;
#   3. installed on this machine (dpkg -i, serialized by a lock): DKMS builds fpq.ko for
#      the kernels its postinst names (every installed one when the running kernel is
#      not installed, as in a container), examples/quickstart.c builds with
#      pkg-config against the installed packages and runs, fpq-info runs; the module is
#      not loaded (this machine has no card);
#   4. dpkg --purge of all four leaves nothing behind (no file of theirs, no DKMS state,
#      no module under /lib/modules, and the DKMS signing key only if it was there).
#   scripts/check-deb.sh OUTDIR FPQ_VERSION
set -uo pipefail
out=$(cd "$1" && pwd)
version=$2
repo=$(cd "$(dirname "$0")/.." && pwd)
packages=(fpq-dkms libfpq0 libfpq-dev fpq-tools)
. "$(dirname "${BASH_SOURCE[0]}")/result.sh"
deb() { ls "$out/$1"_*.deb 2>/dev/null | head -n 1; }

for p in "${packages[@]}"; do
	[ -n "$(deb "$p")" ] || bad "no $p package in $out (make deb)"
done
[ "$failed" -eq 0 ] || finish
(cd "$out" && ls -s --block-size=K ./*.deb | sed 's/^/  /')

# 1. lintian, on the binary packages (with their .changes).
lint=$(lintian --tag-display-limit 0 --fail-on none "$out"/*.changes 2>&1)
echo "$lint" | sed 's/^/  lintian: /'
if grep -q '^E: ' <<<"$lint"; then
	bad "lintian reports errors"
elif grep -q '^W: ' <<<"$lint"; then
	bad "lintian reports warnings (fix them or override them with a reason)"
else
	ok "lintian: no errors, no warnings"
fi

# 2. the packages' contents.
contents() { dpkg-deb -c "$(deb "$1")" | awk '{ print $6 }' | sed 's|^\./|/|'; }
for p in "${packages[@]}"; do
	v=$(dpkg-deb -f "$(deb "$p")" Version)
	[ "${v%%-*}" = "$version" ] || bad "$p is version $v, FPQ_VERSION is $version"
done
ok "every package is version $version (FPQ_VERSION, debian/changelog)"
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
# The symbols file lists every function of the public headers, at FPQ_0.
declared=$(cd "$repo" && tools/gen-symbols.sh --list lib/include/*.h)
symbols=$(dpkg-deb --ctrl-tarfile "$(deb libfpq0)" | tar -xOf - ./symbols 2>/dev/null |
	sed -n 's/^ \(fpq_[a-z0-9_]*\)@FPQ_0 .*/\1/p' | sort)
if contents libfpq0 | grep -qx "/usr/lib/$multiarch/libfpq.so.0" && [ -n "$declared" ] &&
	[ "$declared" = "$symbols" ]; then
	ok "libfpq0: /usr/lib/$multiarch/libfpq.so.0, a symbols file with the $(wc -w <<<"$declared") functions at FPQ_0"
else
	diff <(echo "$declared") <(echo "$symbols") | head -n 10 | sed 's/^/  /'
	bad "libfpq0: no libfpq.so.0 in the multiarch directory, or its symbols file differs from the headers"
fi
src=/usr/src/fpq-$version
dkms_files=$(contents fpq-dkms)
if grep -qx "$src/dkms.conf" <<<"$dkms_files" && grep -qx "$src/driver/fpq_drv.c" <<<"$dkms_files" &&
	! grep -q "^$src/driver/tests/" <<<"$dkms_files" &&
	grep -qx /usr/lib/udev/rules.d/70-fpq.rules <<<"$dkms_files" &&
	grep -qx /etc/modprobe.d/fpq.conf <<<"$dkms_files"; then
	ok "fpq-dkms: $src (dkms.conf, driver/, no KUnit tests), the udev rule, /etc/modprobe.d/fpq.conf"
else
	echo "$dkms_files" | sed 's/^/  /'
	bad "fpq-dkms's contents"
fi
pc=$(dpkg-deb --fsys-tarfile "$(deb libfpq-dev)" | tar -xOf - "./usr/lib/$multiarch/pkgconfig/fpq.pc")
if grep -qx "libdir=/usr/lib/$multiarch" <<<"$pc" && grep -q '^Requires.private:.*libdrm' <<<"$pc"; then
	ok "libfpq-dev: fpq.pc with libdir /usr/lib/$multiarch and libdrm in Requires.private"
else
	echo "$pc" | sed 's/^/  /'
	bad "libfpq-dev's fpq.pc"
fi

# 3. install, use, 4. purge: one worktree at a time on this machine.
if [ "$(id -u)" -ne 0 ]; then
	skip "the install test: needs root"
	finish
fi
exec 9>/var/lock/fpq-check-deb.lock
flock 9
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${packages[@]}" 2>/dev/null | grep -c ' installed$')
if [ "$installed" -ne 0 ]; then
	bad "fpq packages are already installed on this machine: not touching them"
	finish
fi
# (A container may have no /proc/modules: then nothing can be loaded from here either.)
loaded() { [ -r /proc/modules ] && grep -q '^fpq ' /proc/modules; }
if loaded; then
	bad "fpq.ko is loaded on this machine before the test"
	finish
fi

# What could be left behind: the packages' paths, DKMS's state, the kernels' module trees
# (only names with "fpq": other worktrees may install packages meanwhile).
watched=(/usr/src /usr/include /usr/bin /usr/lib/"$multiarch" /usr/share/man /usr/share/doc
	/usr/lib/udev/rules.d /etc/modprobe.d /var/lib/dkms /lib/modules)
snapshot() { find "${watched[@]}" -xdev \( -type f -o -type l \) 2>/dev/null | grep -i fpq | sort; }
had_mok=0
[ -e /var/lib/dkms/mok.key ] && had_mok=1
before=$(snapshot)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$SECONDS
if dpkg -i "$(deb fpq-dkms)" "$(deb libfpq0)" "$(deb libfpq-dev)" "$(deb fpq-tools)" \
	>"$work/install.log" 2>&1 && [ -z "$(dpkg --audit 2>&1)" ]; then
	ok "dpkg -i of the four packages ($((SECONDS - start)) s, DKMS builds included)"
else
	cat "$work/install.log"
	bad "dpkg -i"
fi
# The kernels the postinst builds for: the running one and the newest, or every
# installed one when the running kernel is not installed (a container, as here).
# ("Building for A, B and C"; a kernel without headers is skipped by DKMS, and here.)
kernels=$(sed -n 's/^Building for //p' "$work/install.log" | sed 's/,/ /g; s/ and / /g')
[ -n "$kernels" ] || bad "the fpq-dkms postinst built for no kernel"
for k in $kernels; do
	[ -e "/lib/modules/$k/build" ] || continue
	if ls /lib/modules/"$k"/updates/dkms/fpq.ko* >/dev/null 2>&1 &&
		dkms status -m fpq -v "$version" -k "$k" | grep -q ": installed"; then
		ok "DKMS installed fpq.ko for $k ($(modinfo -F signer /lib/modules/"$k"/updates/dkms/fpq.ko* 2>/dev/null | sed 's/^/signer: /'))"
	else
		sed 's/^/  /' "$work/install.log" | tail -n 20
		bad "no DKMS module for $k"
	fi
done
if flags=$(pkg-config --cflags --libs fpq) &&
	gcc -std=c11 -Wall -Wextra -Werror "$repo/examples/quickstart.c" $flags -lm -o "$work/quickstart" &&
	"$work/quickstart" >"$work/quickstart.log" 2>&1 &&
	ldd "$work/quickstart" | grep -Eq "libfpq.so.0 => (/usr)?/lib/$multiarch/libfpq.so.0"; then
	ok "examples/quickstart.c builds with pkg-config ($flags) against the packages and runs"
else
	cat "$work/quickstart.log" 2>/dev/null
	ldd "$work/quickstart" 2>&1 | sed 's/^/  /'
	bad "quickstart against the installed packages"
fi
if /usr/bin/fpq-info >"$work/info.log" 2>&1 && grep -q '^libfpq ' "$work/info.log"; then
	ok "fpq-info runs ($(grep -c . "$work/info.log") lines: $(grep '^cards:' "$work/info.log"))"
else
	cat "$work/info.log"
	bad "fpq-info"
fi
if loaded; then
	bad "installing loaded fpq.ko on this machine (it has no card)"
	rmmod fpq
fi

owned=$(dpkg -L "${packages[@]}" 2>/dev/null | sort -u)
start=$SECONDS
if dpkg --purge fpq-tools libfpq-dev libfpq0 fpq-dkms >"$work/purge.log" 2>&1; then
	ok "dpkg --purge of the four packages ($((SECONDS - start)) s)"
else
	cat "$work/purge.log"
	bad "dpkg --purge"
fi
# DKMS's own signing key, made on first use, is no package's file: gone if it was not here.
[ "$had_mok" = 1 ] || rm -f /var/lib/dkms/mok.key /var/lib/dkms/mok.pub
left=$(dpkg-query -W -f='${Package} ${Status}\n' "${packages[@]}" 2>/dev/null | grep -v 'not-installed$')
after=$(snapshot)
new=$(comm -13 <(echo "$before") <(echo "$after"))
gone=$(comm -23 <(echo "$before") <(echo "$after"))
kept=$(while IFS= read -r f; do [ -f "$f" ] && echo "$f"; done <<<"$owned")
if [ -z "$left" ] && [ -z "$new" ] && [ -z "$gone" ] && [ -z "$kept" ] && [ ! -e /var/lib/dkms/fpq ]; then
	ok "nothing left behind ($(wc -l <<<"$owned") packaged paths gone, ${#watched[@]} trees compared, dpkg knows no fpq package)"
else
	[ -z "$left" ] || echo "$left" | sed 's/^/  dpkg: /'
	[ -z "$new" ] || echo "$new" | sed 's/^/  left: /'
	[ -z "$gone" ] || echo "$gone" | sed 's/^/  removed: /'
	[ -z "$kept" ] || echo "$kept" | sed 's/^/  kept: /'
	bad "the machine differs after purge"
fi
finish
