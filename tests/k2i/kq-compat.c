/* kq-compat: compat.def as tab-separated lines for tests/k2i/compat.sh: where, option, verdict,
 * example (a newline written as \n), ini key, note. */
#include <stdio.h>

#include "tools/k2i/compat.h"

int main(void)
{
	static const char *const verdicts[] = {[K2I_YES] = "yes", [K2I_DIFF] = "differently",
					       [K2I_NO] = "no"};

	for (const struct k2i_compat *c = k2i_compat_table; c->option; c++) {
		printf("%s\t%s\t%s\t", k2i_where_name(c->where), c->option, verdicts[c->verdict]);
		for (const char *p = c->example; *p; p++)
			fputs(*p == '\n' ? "\\n" : (char[]){*p, '\0'}, stdout);
		printf("\t%s\t%s\n", c->ini, c->note);
	}
	return fflush(stdout) ? 1 : 0;
}
