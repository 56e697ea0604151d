/* Between tools/k2i/convert.c (the file, global_defs, vrrp_script) and convert-instance.c
 * (vrrp_instance, vrrp_sync_group). */
#pragma once

#include <stdbool.h>

#include "tools/k2i/compat.h"
#include "tools/k2i/convert.h"
#include "tools/k2i/kconf-int.h"

/* A string appended to in place, grown geometrically: a file of many statements or a block of
 * many items (a parameter may expand to thousands) costs linear time, not quadratic. */
struct k2i_str {
	char *s;                    /* len bytes and a NUL, of cap; NULL while empty */
	size_t len, cap;
};
void k2i_str_add(struct k2i_str *b, const char *s);
/* s, after ", " unless b is empty */
void k2i_str_item(struct k2i_str *b, const char *s);

struct k2i {
	const struct kconf_tree *t;
	struct k2i_result *out;
	struct k2i_str ini;         /* the output so far */
	/* global_defs that keepalived applies to every instance */
	const char *version, *garp_delay, *garp_repeat, *garp_refresh;
	const char *script_user;    /* global_defs' */
	/* the top-level track_file blocks that have a name, by name (then in file order) */
	const struct kconf_node **track_files;
	size_t n_track_files;
};

/* The first top-level track_file block named name, or NULL */
const struct kconf_node *k2i_track_file_find(const struct k2i *k, const char *name);

void k2i_put(struct k2i *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* n is not converted: listed with its file, line and why */
void k2i_drop(struct k2i *k, const struct kconf_node *n, const char *why);
/* n's words from `from` on, joined by blanks (malloc'd) */
char *k2i_join(const struct kconf_node *n, size_t from);
/* "key = value" of a one-value statement; false when it has no value (dropped) */
bool k2i_one(struct k2i *k, const struct kconf_node *n, const char *key);
/* a command; keepalived's user after it goes to user_key (a check's), or must be script_user */
void k2i_command(struct k2i *k, const struct kconf_node *n, const char *key, const char *user_key);

/* n, an option of where that the code did not take: nothing to write when compat.def says
 * keepquorum does it without a key, else dropped with compat.def's reason, or dflt's */
void k2i_other(struct k2i *k, enum k2i_where where, const struct kconf_node *n, const char *dflt);

void k2i_instance(struct k2i *k, const struct kconf_node *in);
void k2i_group(struct k2i *k, const struct kconf_node *g);
