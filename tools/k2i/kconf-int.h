/* Between tools/k2i/kconf-read.c (files to words) and kconf-tree.c (words to statements). */
#pragma once

#include "tools/k2i/kconf.h"

struct kconf_tok {
	char *s;          /* NULL: the end of a line */
	bool quoted;      /* a quoted "{" is a word, not a brace */
	size_t file;      /* index in the tree's files */
	unsigned line;
};

struct kconf_param {
	char *name, *value;
};

struct kconf_reader {
	const char *config_id;
	struct kconf_tree *tree;
	struct kconf_errors *errs;
	struct kconf_tok *toks;
	size_t n_toks, cap_toks;      /* a parameter may expand to many: grown geometrically */
	struct kconf_param *params;
	size_t n_params;
	size_t expanded;              /* bytes added by expansion, all files */
	bool expansion_refused;       /* KCONF_MAX_EXPANDED was reached (and said) */
};

void kconf_reader_run(struct kconf_reader *r, const char *path);
void kconf_reader_free(struct kconf_reader *r);
void kconf_error_add(struct kconf_errors *e, const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
