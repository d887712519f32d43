#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The installed library works for a user: make install into a staging DESTDIR, build
# examples/quickstart.c with pkg-config against it and run it; the shared library
# and the static library export exactly the public headers' functions; the man pages are
# current and lint clean;
# make uninstall leaves no file behind.
#   scripts/check-install.sh BUILD_DIR
set -uo pipefail
out=$1
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
prefix=/usr/local
passed=0 failed=0

ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }

if make --no-print-directory -s install DESTDIR="$stage" PREFIX="$prefix" >"$stage.log" 2>&1; then
	ok "make install into a staging directory"
else
	cat "$stage.log"
	bad "make install"
fi
rm -f "$stage.log"

export PKG_CONFIG_PATH="$stage$prefix/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$stage"
if flags=$(pkg-config --cflags --libs fpq) &&
	gcc -std=c11 -Wall -Wextra -Werror examples/quickstart.c $flags -lm -o "$stage/quickstart" &&
	LD_LIBRARY_PATH="$stage$prefix/lib" "$stage/quickstart"; then
	ok "examples/quickstart.c builds with pkg-config and runs against the shared library"
else
	bad "quickstart against the installed library"
fi
# (ldd's output is captured first: grep -q closing the pipe early would fail it.)
deps=$(LD_LIBRARY_PATH="$stage$prefix/lib" ldd "$stage/quickstart" 2>&1)
if grep -q "libfpq.so.0 => $stage" <<<"$deps"; then
	ok "the example links libfpq.so.0 (soname) from the installed tree"
else
	echo "$deps" | sed 's/^/  /'
	bad "the example does not use the installed libfpq.so.0"
fi

headers=$(ls lib/include/*.h)
declared=$(tools/gen-symbols.sh --list $headers)
exported=$(nm -D --defined-only "$stage$prefix/lib/libfpq.so" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' |
	sort -u)
if [ "$declared" = "$exported" ]; then
	ok "libfpq.so exports exactly the $(wc -w <<<"$declared") functions of $(echo $headers)"
else
	diff <(echo "$declared") <(echo "$exported") | sed 's/^/  /'
	bad "exported symbols differ from the headers (< declared only, > exported only)"
fi
# The static library too: a program linking it sees only fpq.h's functions, so none of
# libfpq's internal names (card_open, cpu_avx512_pack_a, ...) can clash with its own.
global=$(nm -g --defined-only "$stage$prefix/lib/libfpq.a" | awk 'NF == 3 { print $3 }' | sort -u)
if [ "$declared" = "$global" ]; then
	ok "libfpq.a defines exactly the $(wc -w <<<"$declared") functions of $(echo $headers) as global symbols"
else
	diff <(echo "$declared") <(echo "$global") | head -n 20 | sed 's/^/  /'
	bad "libfpq.a's global symbols differ from the headers (< declared only, > global only)"
fi

missing=""
for fn in $declared; do
	page="$stage$prefix/share/man/man3/$fn.3"
	# A page with a real description: more than the generated skeleton.
	if [ ! -f "$page" ] || [ "$(sed -n '/^\.SH DESCRIPTION/,/^\.SH RETURN/p' "$page" | wc -l)" -lt 3 ]; then
		missing="$missing $fn"
	fi
done
if [ -z "$missing" ]; then
	ok "an installed man page with a description for every function of $(echo $headers)"
else
	bad "no man page (or no description) for:$missing"
fi
lint=$(for f in "$stage$prefix"/share/man/man3/*.3 "$stage$prefix"/share/man/man7/*.7 \
	"$stage$prefix"/share/man/man1/*.1; do
	[ -f "$f" ] || continue
	LC_ALL=C.UTF-8 groff -man -ww -z "$f" 2>&1 | sed "s|^|$(basename "$f"): |"
done)
if [ -z "$lint" ]; then
	ok "installed man pages render without groff warnings"
else
	echo "$lint" | head -20
	bad "man page warnings"
fi

make --no-print-directory -s uninstall DESTDIR="$stage" PREFIX="$prefix" >/dev/null 2>&1
left=$(find "$stage" \( -type f -o -type l \) ! -name quickstart)
if [ -z "$left" ]; then
	ok "make uninstall removes every installed file"
else
	echo "$left" | sed 's/^/  left: /'
	bad "files left after uninstall"
fi
echo "RESULT: passed=$passed failed=$failed skipped=0"
[ "$failed" -eq 0 ]
