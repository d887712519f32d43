# SPDX-License-Identifier: MIT
# The static RTL checks that scripts/check-rtl.sh and scripts/check-card.sh share: one
# verilator lint of a configuration, one Yosys synthesis with its structural checks.
# Source it after scripts/result.sh; set out (the log directory) and srcs (the file list,
# an array) first. Each function reports one check with ok or bad.
#
#   rtl_lint LABEL TOP [verilator arguments...]
#     verilator --lint-only -Wall --top-module TOP ARGS -Irtl SOURCES: clean or the
#     first 30 lines of its output. Log: $out/lint-<last word of LABEL>.log
#   rtl_synth LABEL TOP "YOSYS COMMANDS BEFORE SYNTH" [SYNTH ARGUMENTS]
#     Yosys (SYNTHESIS defined: no assertions) reads SOURCES, runs the commands (e.g.
#     chparam), synth -top TOP ARGS, then: check -assert (no undriven or multiply driven
#     wires, no combinational loops) and no latch of any kind. The check line gives the
#     time and the cell count. Log and stat: $out/synth-<last word of LABEL>.{log,stat}

rtl_lint() {
	local label=$1 top=$2 log
	shift 2
	log=$out/lint-${label##* }.log
	if verilator --lint-only -Wall --top-module "$top" "$@" -Irtl "${srcs[@]}" >"$log" 2>&1; then
		ok "lint $label"
	else
		bad "lint $label"
		head -n 30 "$log"
	fi
}

rtl_synth() {
	local label=$1 top=$2 pre=$3 args=${4:-} name start log stat
	name=${label##* }
	log=$out/synth-$name.log
	stat=$out/synth-$name.stat
	start=$(date +%s)
	if yosys -q -l "$log" -p "read_verilog -sv -DSYNTHESIS -Irtl ${srcs[*]};
		$pre
		synth -top $top$args;
		check -assert;
		select -assert-none t:\$dlatch t:\$adlatch t:\$_DLATCH_* t:\$_DLATCHSR_*;
		tee -q -o $stat stat" >/dev/null 2>&1; then
		ok "yosys synth$args $label ($(( $(date +%s) - start )) s, $(grep -E 'Number of cells' "$stat" | tail -n 1 | tr -s ' '))"
	else
		bad "yosys synth $label"
		grep -E 'ERROR|Assert|Warning' "$log" | head -n 20
	fi
}
