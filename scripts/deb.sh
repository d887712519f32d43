#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make deb: the Debian packages (debian/) built from an exported copy of the tree (the
# files git knows, with their changes), so the checkout stays clean and dpkg-buildpackage
# can write beside the copy.
#   scripts/deb.sh OUTDIR      -> OUTDIR/*.deb, OUTDIR/*.changes, OUTDIR/build.log
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)
version=$(cd "$repo" && dpkg-parsechangelog -S Version)
src=$out/src/fpq-$version

rm -rf "$out/src" "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo
mkdir -p "$src"
# (A file deleted but not yet committed is listed by git and skipped here.)
(cd "$repo" && git ls-files -co --exclude-standard | while IFS= read -r f; do
	[ ! -e "$f" ] || printf '%s\0' "$f"
done | tar -cf - --no-recursion --null -T -) | tar -xf - -C "$src"
start=$SECONDS
if ! (cd "$src" && env -u MAKEFLAGS -u MAKELEVEL dpkg-buildpackage -us -uc -b -j2) >"$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log"
	echo "deb: dpkg-buildpackage failed (log: $out/build.log)" >&2
	exit 1
fi
mv "$out"/src/*.deb "$out"/src/*.changes "$out"/src/*.buildinfo "$out"/
rm -rf "$out/src"
echo "deb: built in $((SECONDS - start)) s:"
(cd "$out" && ls -s --block-size=K ./*.deb | sed 's/^/  /')
