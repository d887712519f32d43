# SPDX-License-Identifier: MIT
# fpq: the one entry point.
#   make          build everything that can be built here
#   make check    install what is missing, run every test suite, print one summary line
#   make demo     install what is missing, run the main job
#   make check SUITES="lib vm"   only those suites, with the same summary
# Each part of the tree adds itself through a */*.mk or */*/*.mk fragment: its build
# rules, the targets `all` needs (ALL_TARGETS) and its test suites (CHECK_SUITES, each
# with a check-<suite> rule that runs its tests through $(call run_suite,...)).

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:

O ?= build
RESULTS := $(O)/results

CC := gcc
CXX := g++
OPT ?= -O2
WARN := -Wall -Wextra -Werror
# Numerics must be exactly what the source says: no FMA contraction, no fast-math.
FPFLAGS := -ffp-contract=off -fno-fast-math
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE $(WARN) $(FPFLAGS) -g
CXXFLAGS_BASE := -std=c++17 -D_GNU_SOURCE $(WARN) $(FPFLAGS) -g
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

ALL_TARGETS :=
CHECK_SUITES :=

# The one test runner (scripts/run-suite.sh): $(call run_suite,SUITE,TESTS), where TESTS
# are commands separated by $(;;); $(call each,PROGRAMS) makes every word one test.
empty :=
space := $(empty) $(empty)
;; := ';;'
each = $(subst $(space), $(;;) ,$(strip $(1)))
run_suite = scripts/run-suite.sh $(RESULTS) $(1) -- $(2)

include $(sort $(wildcard */*.mk */*/*.mk))

.PHONY: all deps check demo clean
all: $(ALL_TARGETS)

deps:
	@scripts/install-deps.sh

# Every suite runs even when an earlier one fails; the summary covers them all.
SUITES ?= $(CHECK_SUITES)
check: deps
	@rm -rf $(RESULTS) && mkdir -p $(RESULTS)
	@$(MAKE) --no-print-directory -k $(addprefix check-,$(SUITES)) || true
	@scripts/run-suite.sh --summary $(RESULTS) $(SUITES)

clean:
	rm -rf $(O)
