# SPDX-License-Identifier: MIT
# fpq: the one entry point.
#   make          build everything that can be built here
#   make check    install what is missing, run every test suite, print one summary line
#   make demo     install what is missing, run the main job
# Each part of the tree adds itself through a */*.mk fragment: its build rules, the
# targets `all` needs (ALL_TARGETS) and its test suites (CHECK_SUITES, with a
# check-<suite> rule that runs tools/suite.sh).

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

include $(sort $(wildcard */*.mk))

.PHONY: all deps check demo clean
all: $(ALL_TARGETS)

deps:
	@tools/install-deps.sh

# Every suite runs even when an earlier one fails; the summary covers them all.
check: deps
	@rm -rf $(RESULTS) && mkdir -p $(RESULTS)
	@$(MAKE) --no-print-directory -k $(addprefix check-,$(CHECK_SUITES)) || true
	@tools/summary.sh $(RESULTS) $(CHECK_SUITES)

clean:
	rm -rf $(O)
