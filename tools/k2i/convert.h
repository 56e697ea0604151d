/* keepalived.conf's VRRP side as keepquorum.ini (keepalived-to-ini(1)): the tree of kconf.h in,
 * the ini text out, and every construct that has no keepquorum equivalent listed with its file,
 * line and why. */
#pragma once

#include <stdio.h>

#include "tools/k2i/kconf.h"

struct k2i_result {
	char *ini;            /* the converted configuration */
	struct kconf_errors dropped;  /* what was not converted, and why */
};

/* source: named in the output's first comment. */
void k2i_convert(const struct kconf_tree *t, const char *source, struct k2i_result *out);
void k2i_result_free(struct k2i_result *r);
