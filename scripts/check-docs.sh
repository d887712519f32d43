#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Documentation and licensing hygiene: every Documentation/*.rst is valid
# reStructuredText (docutils, warnings are errors), and every tracked file starts with
# an SPDX licence line (driver/ GPL-2.0-only, uapi/ MIT, the rest MIT; generated
# headers shared by both may be dual); and every path into this tree that a comment or
# document names exists (so no comment points at a file that moved or never was here).
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
	case "$f" in LICENSE|*.png|*.jpg|tests/model/corpus/*.onnx|tests/model/corpus/*.bin) continue ;; esac
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
# Paths that start with one of the tree's own top-level folders, in every tracked text
# file; design notes outside the tree (*.md other than README.md) are not references.
dangling=$(git ls-files | grep -vE '\.(png|jpg|golden)$' | python3 -c '
import os, re, sys
tops = "Documentation|driver|lib|rtl|scripts|tests|tools|uapi|verilator|examples"
# Source and document files only: built programs and paths inside other trees (scripts/
# of the kernel, lib/modules/ of the guest) share the folder names.
exts = "c|h|cc|cpp|sv|svh|vlt|py|sh|mk|rst|md|in|golden|js|mjs|json"
path = re.compile(r"(?<![\w./$-])((?:%s)/[\w./-]*\.(?:%s))\b" % (tops, exts))
md = re.compile(r"(?<![\w/-])([\w/.-]*\w\.md)\b")
for f in sys.stdin.read().split():
    try:
        text = open(f).read()
    except (UnicodeDecodeError, OSError):
        continue
    for n, line in enumerate(text.splitlines(), 1):
        for m in path.finditer(line):
            p = m.group(1)
            if os.path.exists(p) or p.startswith("tools/testing/"):  # the kernel tree
                continue
            print("%s:%d: %s" % (f, n, p))
        for m in md.finditer(line):
            if os.path.basename(m.group(1)) != "README.md":
                print("%s:%d: %s" % (f, n, m.group(1)))
')
if [ -z "$dangling" ]; then
	ok "every path into the tree that a file names exists"
else
	echo "$dangling" | head -n 40 | sed 's/^/  /'
	bad "files name paths that do not exist (above)"
fi
echo "RESULT: passed=$passed failed=$failed skipped=0"
[ "$failed" -eq 0 ]
