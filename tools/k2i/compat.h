/* keepalived's VRRP options and what keepquorum makes of them (compat.def). */
#pragma once

enum k2i_where { K2I_GLOBAL, K2I_SCRIPT, K2I_TRACKFILE, K2I_INSTANCE, K2I_GROUP, K2I_TOP };
enum k2i_verdict { K2I_YES, K2I_DIFF, K2I_NO };

struct k2i_compat {
	enum k2i_where where;
	const char *option;
	enum k2i_verdict verdict;
	const char *example;  /* a keepalived.conf line using it, "\n" between a block's lines */
	const char *ini;      /* the keepquorum key it becomes, "-" for none */
	const char *note;     /* the difference, or why it is not converted */
};

/* Every row, in compat.def's order, ended by one whose option is NULL. */
extern const struct k2i_compat k2i_compat_table[];

/* The row of option in where, or NULL. */
const struct k2i_compat *k2i_compat_find(enum k2i_where where, const char *option);
/* "global_defs", "vrrp_instance", ...: where, as keepalived.conf(5) names it */
const char *k2i_where_name(enum k2i_where where);
