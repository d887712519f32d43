// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_drv.c - module entry of the fpq accelerator driver.
 */
#include <linux/module.h>

static int __init fpq_init(void)
{
	return 0;
}

static void __exit fpq_exit(void)
{
}

module_init(fpq_init);
module_exit(fpq_exit);

MODULE_DESCRIPTION("fpq 6/8-bit inference accelerator");
MODULE_LICENSE("GPL");
