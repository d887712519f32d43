#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The model loader's fuzzer for a bounded time, from the seed corpus kept in the tree.
#   scripts/check-model-fuzz.sh FUZZER SEED_DIR WORK_DIR SECONDS
# Every seed is run once first, then libFuzzer mutates for SECONDS (new inputs go to
# WORK_DIR/corpus, a crash to WORK_DIR/crash-*). Any crash, leak, timeout or sanitizer
# report fails the suite; the failing run's directory is kept as WORK_DIR.failed-<time>
# (the next run starts WORK_DIR afresh) with the input that failed, for reproduction.
set -uo pipefail
fuzzer=${1:?usage: check-model-fuzz.sh FUZZER SEED_DIR WORK_DIR SECONDS}
seeds=$2 work=$3 seconds=$4
. "$(dirname "${BASH_SOURCE[0]}")/result.sh"

rm -rf "$work" && mkdir -p "$work/corpus"
n_seeds=$(ls "$seeds" | grep -vc README)
if "$fuzzer" -runs=0 "$seeds" >"$work/seeds.log" 2>&1; then
	ok "the $n_seeds seed models run without a sanitizer report"
else
	tail -30 "$work/seeds.log"
	bad "a seed model fails"
fi
opts=(-seed=1 -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=65536
	-print_final_stats=1 -artifact_prefix="$work/")
if "$fuzzer" "${opts[@]}" "$work/corpus" "$seeds" >"$work/fuzz.log" 2>&1; then
	execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$work/fuzz.log")
	cov=$(grep -oE 'cov: [0-9]+' "$work/fuzz.log" | tail -1)
	ok "$seconds s of fuzzing: ${execs:-?} inputs, ${cov:-cov: ?}, $(ls "$work/corpus" | wc -l) new corpus entries"
else
	grep -E 'ERROR|SUMMARY|Test unit written|==[0-9]+==' "$work/fuzz.log" | head -20
	tail -40 "$work/fuzz.log"
	kept=$work.failed-$(date +%Y%m%d-%H%M%S)
	cp -a "$work" "$kept"
	bad "the fuzzer found a failure (input and log kept in $kept)"
fi
finish
