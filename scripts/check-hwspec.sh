#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check-hwspec: the generated copies of the hardware/software contract agree with
# rtl/regs/fpq_hw_spec.py, numerics.rst's table of element formats with the spec's, the
# C header has the spec's layout, its shared values equal libfpq's, and the
# SystemVerilog package passes Verilator lint and Yosys.
#   scripts/check-hwspec.sh BUILD_DIR
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-build}/hwspec
mkdir -p "$out"
pass=0 fail=0 skip=0
step() { # step NAME COMMAND...
	local name=$1
	shift
	if "$@" >"$out/$name.log" 2>&1; then
		echo "ok   $name"
		pass=$((pass + 1))
	else
		echo "FAIL $name"
		sed 's/^/  /' "$out/$name.log" | head -n 40
		fail=$((fail + 1))
	fi
}
step generated-files-match-spec python3 tools/gen-hw.py --check
step numerics-formats-match-spec python3 tools/gen-hw.py --numerics
step c-layout-userspace sh -c "python3 tools/gen-hw.py --emit-c-check $out/layout.c &&
	gcc -std=c11 -Wall -Wextra -Werror -Idriver -c $out/layout.c -o $out/layout.o"
if echo 'int main(void){return 0;}' | gcc -m32 -x c - -o "$out/m32" >/dev/null 2>&1 &&
	echo '#include <linux/types.h>' | gcc -m32 -fsyntax-only -x c - >/dev/null 2>&1; then
	step c-layout-i386 gcc -m32 -std=c11 -Wall -Wextra -Werror -Idriver -c "$out/layout.c" -o "$out/layout32.o"
else
	echo "SKIP c-layout-i386 (no 32-bit toolchain)"
	skip=$((skip + 1))
fi
step c-values-equal-libfpq gcc -std=c11 -Wall -Wextra -Werror -Ilib/include -Idriver \
	-fsyntax-only tests/lib/hwspec_test.c
if python3 -c "import docutils" 2>/dev/null; then
	step rst-valid python3 -c "import sys, docutils.core; docutils.core.publish_string(
open('Documentation/registers.rst').read(), writer_name='null',
settings_overrides={'halt_level': 2, 'report_level': 2})"
else
	echo "SKIP rst-valid (python3-docutils missing)"
	skip=$((skip + 1))
fi
step sv-lint verilator --lint-only -Wall rtl/card_waivers.vlt rtl/fpq_hw_pkg.sv
step sv-yosys yosys -q -p "read_verilog -sv rtl/fpq_hw_pkg.sv"
echo "RESULT: passed=$pass failed=$fail skipped=$skip"
[ "$fail" -eq 0 ]
