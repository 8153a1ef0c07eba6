// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * bpfmap_flowcount: per-flow packet and byte counters of the initial
 * network namespace, kept by netfilter hooks in bpfmap maps that
 * userspace reads by their pins (Documentation/flowcount.rst).  A sample
 * of the in-kernel API that builds as any other module would: against
 * <linux/bpfmap_kernel.h> and bpfmap's Module.symvers.
 */

#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "module.h"

static char *pin_dir = "/sys/fs/bpfmap/flowcount";
module_param(pin_dir, charp, 0444);
MODULE_PARM_DESC(pin_dir,
		 "an existing directory in a bpfmapfs for the pins \"flows\" and \"totals\" (default /sys/fs/bpfmap/flowcount)");

static unsigned int max_flows = 16384;
module_param(max_flows, uint, 0444);
MODULE_PARM_DESC(max_flows,
		 "flows kept before the least recently used are evicted (default 16384)");

static struct flowcount_maps flowcount_maps;

/* Called by insmod/modprobe; process context, may sleep. */
static int __init flowcount_init(void)
{
	int err;

	err = flowcount_maps_create(&flowcount_maps, pin_dir, max_flows);
	if (err)
		return err;
	err = flowcount_hooks_register(&flowcount_maps);
	if (err)
		goto err_put;
	pr_info("counting flows in %s/" FLOWCOUNT_PIN_FLOWS " (map id %u) and %s/"
		FLOWCOUNT_PIN_TOTALS " (map id %u)\n", pin_dir,
		bpfmap_kernel_id(flowcount_maps.flows), pin_dir,
		bpfmap_kernel_id(flowcount_maps.totals));
	return 0;

err_put:
	pr_err("cannot register the netfilter hooks: %d\n", err);
	flowcount_maps_put(&flowcount_maps);
	return err;
}

/*
 * Called by rmmod; process context, may sleep.  The hooks go first, and
 * only once no CPU runs them any more do our references go; the pins keep
 * the maps, with their last counts, for userspace.
 */
static void __exit flowcount_exit(void)
{
	flowcount_hooks_unregister();
	flowcount_maps_put(&flowcount_maps);
}

module_init(flowcount_init);
module_exit(flowcount_exit);

MODULE_DESCRIPTION("Per-flow packet and byte counters in bpfmap maps");
MODULE_AUTHOR("The bpfmap authors");
MODULE_LICENSE("GPL");
