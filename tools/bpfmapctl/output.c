// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * Output in bpftool's shapes, so scripts written for `bpftool map show`
 * and `bpftool map dump` read ours: the plain text layout, and JSON with
 * the same field names, bytes as "0x%02x" strings, and per-CPU values as
 * one {"cpu", "value"} object per possible CPU.
 */
#include <stdio.h>

#include "bpfmapctl.h"

bool map_is_percpu(__u32 type)
{
	return type == BPFMAP_MAP_TYPE_PERCPU_HASH ||
	       type == BPFMAP_MAP_TYPE_PERCPU_ARRAY ||
	       type == BPFMAP_MAP_TYPE_LRU_PERCPU_HASH;
}

bool map_is_map_of_maps(__u32 type)
{
	return type == BPFMAP_MAP_TYPE_ARRAY_OF_MAPS ||
	       type == BPFMAP_MAP_TYPE_HASH_OF_MAPS;
}

void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void hex_plain(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf(i ? " %02x" : "%02x", p[i]);
}

static void hex_json(const unsigned char *p, size_t n)
{
	size_t i;

	putchar('[');
	for (i = 0; i < n; i++)
		printf(i ? ",\"0x%02x\"" : "\"0x%02x\"", p[i]);
	putchar(']');
}

static void show_map_json(const struct bpfmap_info *info)
{
	const char *type = bpfmap_map_type_name(info->type);

	printf("{\"id\":%u,\"type\":", info->id);
	if (type)
		json_string(type);
	else
		printf("%u", info->type);
	if (info->name[0]) {
		printf(",\"name\":");
		json_string(info->name);
	}
	printf(",\"flags\":%u,\"bytes_key\":%u,\"bytes_value\":%u",
	       info->map_flags, info->key_size, info->value_size);
	printf(",\"max_entries\":%u,\"bytes_memlock\":%llu,\"frozen\":%u}",
	       info->max_entries, (unsigned long long)info->memory,
	       info->frozen ? 1 : 0);
}

static void show_map_plain(const struct bpfmap_info *info)
{
	const char *type = bpfmap_map_type_name(info->type);

	printf("%u: ", info->id);
	if (type)
		printf("%s  ", type);
	else
		printf("type %u  ", info->type);
	if (info->name[0])
		printf("name %s  ", info->name);
	printf("flags 0x%x\n", info->map_flags);
	printf("\tkey %uB  value %uB  max_entries %u  memlock %lluB",
	       info->key_size, info->value_size, info->max_entries,
	       (unsigned long long)info->memory);
	if (info->frozen)
		printf("\n\tfrozen");
	putchar('\n');
}

/* One map; the caller writes the commas and brackets of a JSON list. */
void show_map(const struct bpfmap_info *info)
{
	if (json_output)
		show_map_json(info);
	else
		show_map_plain(info);
}

/*
 * @cpu < 0: @value holds every possible CPU's slot (per-CPU maps) or the
 * one value.  @cpu >= 0: a BPFMAP_F_CPU lookup, @value holds that CPU's
 * value alone, shown as a one-CPU per-CPU entry.
 */
static void print_entry_json(const struct bpfmap_info *info,
			     const unsigned char *key,
			     const unsigned char *value, int ncpus, int cpu)
{
	size_t step = (info->value_size + 7) & ~7U;
	int i, first = cpu < 0 ? 0 : cpu, last = cpu < 0 ? ncpus - 1 : cpu;

	printf("{\"key\":");
	hex_json(key, info->key_size);
	if (map_is_percpu(info->type)) {
		printf(",\"values\":[");
		for (i = first; i <= last; i++) {
			printf("%s{\"cpu\":%d,\"value\":", i > first ? "," : "",
			       i);
			hex_json(cpu < 0 ? value + i * step : value,
				 info->value_size);
			putchar('}');
		}
		putchar(']');
	} else if (map_is_map_of_maps(info->type)) {
		/* The kernel hands back the inner map's id, a host u32. */
		printf(",\"value\":");
		hex_json(value, sizeof(__u32));
		printf(",\"inner_map_id\":%u", *(const __u32 *)value);
	} else {
		printf(",\"value\":");
		hex_json(value, info->value_size);
	}
	putchar('}');
}

/*
 * bpftool puts key and value on one line when both are short, and breaks
 * after the names when either is longer than 16 bytes.
 */
static void print_entry_plain(const struct bpfmap_info *info,
			      const unsigned char *key,
			      const unsigned char *value, int ncpus, int cpu)
{
	size_t step = (info->value_size + 7) & ~7U;
	int i, first = cpu < 0 ? 0 : cpu, last = cpu < 0 ? ncpus - 1 : cpu;
	bool break_names, one_line;

	if (map_is_percpu(info->type)) {
		printf("key:\n");
		hex_plain(key, info->key_size);
		putchar('\n');
		for (i = first; i <= last; i++) {
			printf("value (CPU %02d):%c", i,
			       info->value_size > 16 ? '\n' : ' ');
			hex_plain(cpu < 0 ? value + i * step : value,
				  info->value_size);
			putchar('\n');
		}
		return;
	}

	break_names = info->key_size > 16 || info->value_size > 16;
	one_line = !break_names && info->key_size + info->value_size <= 24;
	printf("key:%c", break_names ? '\n' : ' ');
	hex_plain(key, info->key_size);
	printf(one_line ? "  " : "\n");
	if (map_is_map_of_maps(info->type)) {
		printf("inner_map_id: %u\n", *(const __u32 *)value);
		return;
	}
	printf("value:%c", break_names ? '\n' : ' ');
	hex_plain(value, info->value_size);
	putchar('\n');
}

void print_entry(const struct bpfmap_info *info, const unsigned char *key,
		 const unsigned char *value, int ncpus, int cpu)
{
	if (json_output)
		print_entry_json(info, key, value, ncpus, cpu);
	else
		print_entry_plain(info, key, value, ncpus, cpu);
}
