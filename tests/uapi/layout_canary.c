// SPDX-License-Identifier: MIT
/*
 * layout_canary.c - structures that break the UAPI layout rules on purpose. The layout
 * test runs its checks on them too and must see each one fail; otherwise the checks
 * themselves are broken.
 */
#include <linux/types.h>

/* A __u64 after a lone __u32: offset 4 on i386, 8 (with a hole) on x86_64. */
struct canary_hole {
	__u32 a;
	__u64 b;
};

/* Size 12 on i386, 16 (tail padding) on x86_64. */
struct canary_tail {
	__u64 a;
	__u32 b;
};

struct canary_hole probe_canary_hole;
struct canary_tail probe_canary_tail;
