/* keepalived.conf's words as statements and blocks (kconf.h). A statement is the words of one
 * line; a '{' after them (on the same line or the next) opens its block, which its '}' closes --
 * on a line of its own or after the last words, as in `virtual_ipaddress { 10.0.0.1 }`. */
#include "tools/k2i/kconf-int.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

struct kconf_parse {
	struct kconf_reader *r;
	size_t i;   /* the next token */
};

static bool kconf_is(const struct kconf_tok *t, const char *brace)
{
	return t->s && !t->quoted && !strcmp(t->s, brace);
}

static const char *kconf_file(const struct kconf_parse *p, const struct kconf_tok *t)
{
	return p->r->tree->files[t->file];
}

static void kconf_skip_eol(struct kconf_parse *p)
{
	while (p->i < p->r->n_toks && !p->r->toks[p->i].s)
		p->i++;
}

static bool kconf_block(struct kconf_parse *p, struct kconf_node *parent, bool top);

/* The parent's last statement takes the block that follows it, if one does ('{' on the same line
 * or the next). */
static void kconf_open_block(struct kconf_parse *p, struct kconf_node *parent)
{
	struct kconf_reader *r = p->r;
	struct kconf_node tmp;
	size_t save = p->i;
	const char *file;
	unsigned open;

	kconf_skip_eol(p);
	if (p->i >= r->n_toks || !kconf_is(&r->toks[p->i], "{")) {
		p->i = save;
		return;
	}
	open = r->toks[p->i].line;
	file = kconf_file(p, &r->toks[p->i]);
	p->i++;
	/* the parent's kids may move while the block is read: fill a copy, then store it */
	tmp = parent->kids[parent->n_kids - 1];
	tmp.block = true;
	if (!kconf_block(p, &tmp, false))
		kconf_error_add(r->errs, file, open, "the block of '%s' is not closed", tmp.words[0]);
	parent->kids[parent->n_kids - 1] = tmp;
}

/* The statements of a block until its '}' (true when found) or the end (top level). */
static bool kconf_block(struct kconf_parse *p, struct kconf_node *parent, bool top)
{
	struct kconf_reader *r = p->r;

	for (;;) {
		struct kconf_node *n;
		const struct kconf_tok *t;

		kconf_skip_eol(p);
		if (p->i >= r->n_toks)
			return false;
		t = &r->toks[p->i];
		if (kconf_is(t, "}")) {
			p->i++;
			if (!top)
				return true;
			kconf_error_add(r->errs, kconf_file(p, t), t->line, "'}' without a '{'");
			continue;
		}
		if (kconf_is(t, "{")) {
			kconf_error_add(r->errs, kconf_file(p, t), t->line, "'{' without a keyword");
			p->i++;
			continue;
		}
		n = XAPPEND(parent->kids, parent->n_kids);
		n->file = r->tree->files[t->file];
		n->line = t->line;
		while (p->i < r->n_toks && r->toks[p->i].s && !kconf_is(&r->toks[p->i], "{") &&
		       !kconf_is(&r->toks[p->i], "}")) {
			*(char **)XAPPEND(n->words, n->n_words) = xstrdup(r->toks[p->i].s);
			p->i++;
		}
		kconf_open_block(p, parent);
	}
}

int kconf_read(const char *path, const char *config_id, struct kconf_tree *t,
	       struct kconf_errors *errs)
{
	struct kconf_reader r = {.config_id = config_id, .tree = t, .errs = errs};
	struct kconf_parse p = {.r = &r};
	size_t before = errs->n;

	memset(t, 0, sizeof(*t));
	t->root.block = true;
	kconf_reader_run(&r, path);
	kconf_block(&p, &t->root, true);
	kconf_reader_free(&r);
	return errs->n > before ? -1 : 0;
}

static void kconf_node_free(struct kconf_node *n)
{
	for (size_t i = 0; i < n->n_kids; i++)
		kconf_node_free(&n->kids[i]);
	free(n->kids);
	for (size_t i = 0; i < n->n_words; i++)
		free(n->words[i]);
	free(n->words);
}

void kconf_tree_free(struct kconf_tree *t)
{
	kconf_node_free(&t->root);
	for (size_t i = 0; i < t->n_files; i++)
		free(t->files[i]);
	free(t->files);
	memset(t, 0, sizeof(*t));
}

const struct kconf_node *kconf_find(const struct kconf_node *n, const char *kw)
{
	for (size_t i = 0; i < n->n_kids; i++)
		if (n->kids[i].n_words && !strcmp(n->kids[i].words[0], kw))
			return &n->kids[i];
	return NULL;
}
