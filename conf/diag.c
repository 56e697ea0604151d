/* The list of problems found in a config file, and their one-line form. */
#include "conf/conf.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/util.h"

void conf_diags_add(struct conf_diags *d, const char *file, unsigned line, const char *section,
		    const char *key, const char *fmt, ...)
{
	struct conf_diag *dg;
	va_list ap;

	XGROW(d->v, d->n, d->cap);
	dg = &d->v[d->n++];
	dg->file = xstrdup(file ? file : "-");
	dg->line = line;
	dg->section = xstrdup(section);
	dg->key = xstrdup(key);
	va_start(ap, fmt);
	dg->msg = xvasprintf(fmt, ap);
	va_end(ap);
}

const char *conf_diag_format(const struct conf_diag *dg, char *buf, size_t len)
{
	char where[64] = "";

	if (dg->line)
		snprintf(where, sizeof(where), ":%u", dg->line);
	if (dg->section && dg->key)
		snprintf(buf, len, "%s%s: section '%s', key '%s': %s", dg->file, where, dg->section,
			 dg->key, dg->msg);
	else if (dg->section)
		snprintf(buf, len, "%s%s: section '%s': %s", dg->file, where, dg->section, dg->msg);
	else
		snprintf(buf, len, "%s%s: %s", dg->file, where, dg->msg);
	return buf;
}

void conf_diags_free(struct conf_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].section);
		free(d->v[i].key);
		free(d->v[i].msg);
	}
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}
