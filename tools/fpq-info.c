// SPDX-License-Identifier: MIT
/*
 * fpq-info - what fpq finds on this machine: libfpq's version, the backend a default
 * context picks, and every fpq card with its driver and hardware versions,
 * capabilities, limits, its guard-rails (ABFT checksums, the faults it met by kind
 * and the driver's recoveries) and the driver's counters (from sysfs).
 *
 *   fpq-info [--json]
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fpq.h"

static void format_list(uint64_t mask, char *out, size_t len)
{
	size_t used = 0;

	out[0] = 0;
	for (int f = 1; f < FPQ_FMT_COUNT; f++)
		if (mask & (1ull << f))
			used += (size_t)snprintf(out + used, used < len ? len - used : 0, "%s%s",
						 used ? " " : "", fpq_format_name((enum fpq_format)f));
}

/* The driver's sysfs directory of a DRM node: /sys/class/drm/<node>/device. */
static void sysfs_dir(const char *node, char *out, size_t len)
{
	const char *base = strrchr(node, '/');
	const char *cls = strstr(node, "/accel/") ? "accel" : "drm";

	snprintf(out, len, "/sys/class/%s/%s/device", cls, base ? base + 1 : node);
}

/* Print the driver's attributes (files named fpq_* or in an fpq/ group). */
static void print_counters(const char *node, int json)
{
	static const char *const dirs[] = { "", "/fpq" };
	char dir[256], path[1024], value[128];
	int printed = 0;

	sysfs_dir(node, dir, sizeof(dir));
	for (size_t d = 0; d < 2; d++) {
		char where[300];
		DIR *dp;
		struct dirent *e;

		snprintf(where, sizeof(where), "%s%s", dir, dirs[d]);
		dp = opendir(where);
		if (!dp)
			continue;
		while ((e = readdir(dp))) {
			FILE *f;

			if (e->d_name[0] == '.' || (d == 0 && strncmp(e->d_name, "fpq_", 4)))
				continue;
			snprintf(path, sizeof(path), "%s/%s", where, e->d_name);
			f = fopen(path, "r");
			if (!f)
				continue;
			if (fgets(value, sizeof(value), f)) {
				value[strcspn(value, "\n")] = 0;
				if (json)
					printf("%s\n      \"%s\": \"%s\"", printed ? "," : "", e->d_name,
					       value);
				else
					printf("  %-22s %s\n", e->d_name, value);
				printed++;
			}
			fclose(f);
		}
		closedir(dp);
	}
	if (!printed && !json)
		printf("  (no counters in %s)\n", dir);
}

/* One of the driver's attributes in <device>/fpq/ as a number (-1: absent). */
static long long sysfs_number(const char *node, const char *name)
{
	char dir[256], path[512];
	long long v = -1;
	FILE *f;

	sysfs_dir(node, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/fpq/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* The driver's "abft" attribute: on, off or none ("unknown" on an older driver). */
static void sysfs_abft(const char *node, char *out, size_t len)
{
	char dir[256], path[512];
	FILE *f;

	sysfs_dir(node, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/fpq/abft", dir);
	snprintf(out, len, "unknown");
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(out, (int)len, f))
		out[strcspn(out, "\n")] = 0;
	fclose(f);
}

/*
 * What the card and driver guard against and what they met: ABFT checksums, the
 * faults of each kind the driver counted since it bound the card, its recoveries.
 */
static void print_guard(const char *node, int json)
{
	static const char *const faults[][2] = {
		{ "checksum", "faults_checksum" }, { "dma", "faults_dma" },
		{ "mmu", "faults_mmu" }, { "descriptor", "faults_descriptor" },
		{ "timeout", "job_timeouts" },
	};
	char abft[16];
	long long resets = sysfs_number(node, "resets");
	long long failed = sysfs_number(node, "reset_failures");
	long long reruns = sysfs_number(node, "jobs_rerun");
	long long tiles = sysfs_number(node, "abft_tiles");
	long long wrong = sysfs_number(node, "abft_errors");

	sysfs_abft(node, abft, sizeof(abft));
	if (json) {
		printf(",\n      \"guard\": { \"abft\": \"%s\", \"abft_tiles\": %lld,"
		       " \"abft_errors\": %lld, \"faults\": {", abft, tiles, wrong);
		for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
			printf("%s \"%s\": %lld", i ? "," : "", faults[i][0],
			       sysfs_number(node, faults[i][1]));
		printf(" }, \"resets\": %lld, \"reset_failures\": %lld, \"jobs_rerun\": %lld }",
		       resets, failed, reruns);
		return;
	}
	printf("guard-rails:\n");
	if (!strcmp(abft, "on"))
		printf("  ABFT checksums         on (INT8, MXINT8): %lld tiles checked, %lld "
		       "wrong, since the card's last reset\n", tiles, wrong);
	else
		printf("  ABFT checksums         %s\n", !strcmp(abft, "off") ?
		       "off (module parameter abft=0)" : !strcmp(abft, "none") ?
		       "not on this card" : abft);
	printf("  faults                ");
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		printf("%s %s %lld", i ? "," : "", faults[i][0], sysfs_number(node, faults[i][1]));
	printf("\n  recoveries             resets %lld (%lld failed), jobs run again %lld\n",
	       resets, failed, reruns);
}

int main(int argc, char **argv)
{
	int json = argc > 1 && !strcmp(argv[1], "--json");
	struct fpq_device_info infos[16];
	unsigned int count = 0;
	struct fpq_context *ctx = NULL;
	int err;

	if (argc > 1 && !json) {
		fprintf(stderr, "usage: fpq-info [--json]\n");
		return 2;
	}
	err = fpq_devices(infos, 16, &count);
	if (fpq_context_create(NULL, &ctx) != 0)
		ctx = NULL;

	if (json) {
		printf("{\n  \"libfpq\": \"%d.%d\",\n  \"default_backend\": \"%s\",\n",
		       FPQ_VERSION_MAJOR, FPQ_VERSION_MINOR,
		       ctx ? fpq_backend_name(fpq_context_backend(ctx)) : "none");
		printf("  \"cards\": [");
	} else {
		printf("libfpq %d.%d\n", FPQ_VERSION_MAJOR, FPQ_VERSION_MINOR);
		printf("default backend: %s", ctx ? fpq_backend_name(fpq_context_backend(ctx))
						  : "none");
		if (ctx && fpq_context_fallback(ctx))
			printf(" (%s)", fpq_context_fallback(ctx));
		printf("\n");
		if (err)
			printf("cards: %s\n", fpq_strerror(err));
		else
			printf("cards: %u\n", count);
	}
	for (unsigned int i = 0; i < count && i < 16; i++) {
		const struct fpq_device_info *in = &infos[i];
		char inf[256], outf[256];

		format_list(in->input_formats, inf, sizeof(inf));
		format_list(in->output_formats, outf, sizeof(outf));
		if (json) {
			printf("%s\n    {\n      \"node\": \"%s\", \"driver_version\": \"%llu.%llu.%llu\","
			       " \"pci_id\": \"%04llx:%04llx\", \"hw_id\": \"0x%08llx\","
			       " \"hw_version\": \"%llu.%llu\",\n      \"array\": [%u, %u],"
			       " \"input_formats\": \"%s\", \"output_formats\": \"%s\","
			       " \"features\": %llu,\n      \"max_m\": %u, \"max_n\": %u, \"max_k\": %u,"
			       " \"max_ops\": %u, \"max_buffer\": %llu, \"offset_align\": %u,"
			       " \"job_timeout_ms\": %u,\n      \"counters\": {",
			       i ? "," : "", in->node,
			       (unsigned long long)(in->driver_version >> 32),
			       (unsigned long long)(in->driver_version >> 16 & 0xFFFF),
			       (unsigned long long)(in->driver_version & 0xFFFF),
			       (unsigned long long)(in->pci_id >> 16),
			       (unsigned long long)(in->pci_id & 0xFFFF),
			       (unsigned long long)in->hw_id,
			       (unsigned long long)(in->hw_version >> 16),
			       (unsigned long long)(in->hw_version & 0xFFFF), in->array_rows,
			       in->array_cols, inf, outf, (unsigned long long)in->features, in->max_m,
			       in->max_n, in->max_k, in->max_ops, (unsigned long long)in->max_buffer,
			       in->offset_align, in->job_timeout_ms);
			print_counters(in->node, 1);
			printf("\n      }");
			print_guard(in->node, 1);
			printf("\n    }");
			continue;
		}
		printf("\ncard %u: %s\n", i, in->node);
		printf("  driver interface       %llu.%llu.%llu\n",
		       (unsigned long long)(in->driver_version >> 32),
		       (unsigned long long)(in->driver_version >> 16 & 0xFFFF),
		       (unsigned long long)(in->driver_version & 0xFFFF));
		printf("  PCI ID                 %04llx:%04llx\n",
		       (unsigned long long)(in->pci_id >> 16),
		       (unsigned long long)(in->pci_id & 0xFFFF));
		printf("  hardware               id 0x%08llx, contract %llu.%llu\n",
		       (unsigned long long)in->hw_id, (unsigned long long)(in->hw_version >> 16),
		       (unsigned long long)(in->hw_version & 0xFFFF));
		printf("  systolic array         %u x %u\n", in->array_rows, in->array_cols);
		printf("  input formats          %s\n", inf);
		printf("  output formats         %s\n", outf);
		printf("  features               0x%llx\n", (unsigned long long)in->features);
		printf("  limits                 M <= %u, N <= %u, K <= %u, %u ops per job\n",
		       in->max_m, in->max_n, in->max_k, in->max_ops);
		printf("  buffers                <= %llu bytes, offsets aligned to %u\n",
		       (unsigned long long)in->max_buffer, in->offset_align);
		printf("  job timeout            %u ms\n", in->job_timeout_ms);
		print_guard(in->node, 0);
		printf("counters:\n");
		print_counters(in->node, 0);
	}
	if (json)
		printf("%s]\n}\n", count ? "\n  " : "");
	fpq_context_destroy(ctx);
	return 0;
}
