#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The public functions of libfpq are the functions declared in its public headers.
#   tools/gen-symbols.sh HEADER...          the linker version script (those global)
#   tools/gen-symbols.sh --list HEADER...   their names, one per line
set -euo pipefail
list=0
if [ "$1" = "--list" ]; then
	list=1
	shift
fi
# A prototype line starts with its return type and names an fpq_ function.
names=$(cat "$@" | grep -E '^[a-z]' | grep -oE '[ *]fpq_[a-z0-9_]+\(' | tr -d ' *(' | sort -u)
if [ "$list" = 1 ]; then
	echo "$names"
	exit 0
fi
echo "FPQ_0 {"
echo "global:"
for n in $names; do
	echo "	$n;"
done
echo "local:"
echo "	*;"
echo "};"
