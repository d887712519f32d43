#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Documentation and licensing hygiene: every Documentation/*.rst is valid
# reStructuredText (docutils, warnings are errors), and every tracked file starts with
# an SPDX licence line (driver/ GPL-2.0-only, uapi/ MIT, the rest MIT; generated
# headers shared by both may be dual).
set -uo pipefail
passed=0 failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }

for f in Documentation/*.rst; do
	if msg=$(/usr/bin/rst2html --halt=warning --report=warning "$f" 2>&1 >/dev/null) && [ -z "$msg" ]; then
		ok "$f is valid reStructuredText"
	else
		echo "$msg" | head -5 | sed 's/^/  /'
		bad "$f"
	fi
done

missing="" wrong=""
while IFS= read -r f; do
	case "$f" in LICENSE|*.png|*.jpg|tests/model/corpus/*.onnx) continue ;; esac
	line=$(head -n 3 "$f" | grep -m1 -o 'SPDX-License-Identifier: .*' | sed 's/ *\*\/$//; s/ *-->$//')
	if [ -z "$line" ]; then
		missing="$missing $f"
		continue
	fi
	lic=${line#SPDX-License-Identifier: }
	case "$f" in
	driver/fpq_hw_regs.h) [ "$lic" = "GPL-2.0-only OR MIT" ] || wrong="$wrong $f($lic)" ;;
	driver/*) [ "$lic" = "GPL-2.0-only" ] || wrong="$wrong $f($lic)" ;;
	uapi/*) [ "$lic" = "MIT" ] || wrong="$wrong $f($lic)" ;;
	verilator/guest/fpq_ivshmem_irq.*) [ "$lic" = "GPL-2.0-only" ] || wrong="$wrong $f($lic)" ;;
	*) [ "$lic" = "MIT" ] || [ "$lic" = "GPL-2.0-only" ] || [ "$lic" = "GPL-2.0-only OR MIT" ] ||
		wrong="$wrong $f($lic)" ;;
	esac
done < <(git ls-files)
[ -z "$missing" ] && ok "every tracked file has an SPDX line" || bad "no SPDX line:$missing"
[ -z "$wrong" ] && ok "licences: driver/ GPL-2.0-only, uapi/ MIT" || bad "unexpected licence:$wrong"
echo "RESULT: passed=$passed failed=$failed skipped=0"
[ "$failed" -eq 0 ]
