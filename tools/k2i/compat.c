/* The compatibility table (compat.h), built from compat.def. */
#include "tools/k2i/compat.h"

#include <stddef.h>
#include <string.h>

const struct k2i_compat k2i_compat_table[] = {
#define K2I_COMPAT(where, option, verdict, example, ini, note) \
	{K2I_##where, option, K2I_##verdict, example, ini, note},
#include "tools/k2i/compat.def"
#undef K2I_COMPAT
	{K2I_TOP, NULL, K2I_NO, NULL, NULL, NULL}};

const struct k2i_compat *k2i_compat_find(enum k2i_where where, const char *option)
{
	for (const struct k2i_compat *c = k2i_compat_table; c->option; c++)
		if (c->where == where && !strcmp(c->option, option))
			return c;
	return NULL;
}

const char *k2i_where_name(enum k2i_where where)
{
	static const char *const names[] = {
		[K2I_GLOBAL] = "global_defs",       [K2I_SCRIPT] = "vrrp_script",
		[K2I_TRACKFILE] = "track_file",     [K2I_INSTANCE] = "vrrp_instance",
		[K2I_GROUP] = "vrrp_sync_group",    [K2I_TOP] = "top level"};

	return names[where];
}
