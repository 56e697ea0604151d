/* Prints the config schema the loader enforces, one "TYPE named|plain KEY" line per key
 * (conf_schema()), for tests/conf/man-keys.sh to hold keepquorum.ini(5) against. */
#include <stdio.h>

#include "conf/conf.h"

int main(void)
{
	for (const struct conf_schema_section *s = conf_schema(); s->type; s++)
		for (const char *const *k = s->keys; *k; k++)
			printf("%s %s %s\n", s->type, s->named ? "named" : "plain", *k);
	return ferror(stdout) || fflush(stdout) ? 1 : 0;
}
