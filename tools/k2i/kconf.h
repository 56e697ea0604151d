/* Reading keepalived.conf as keepalived does (keepalived.conf(5), "Configuration file"), for
 * keepalived-to-ini(1): the files (include with globs, relative to the including file), their
 * comments ('#' and '!' start one anywhere outside quotes), quoted words, '{' and '}' as words of
 * their own, $NAME=value parameters and their use ($NAME, ${NAME}), and the @ID / @^ID lines of
 * `keepalived --config-id`. The result is a tree of statements: a statement is its words, with
 * the file and line it came from, and the statements of its block when a '{' follows it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct kconf_node {
	char **words;            /* words[0] is the keyword; quotes removed */
	size_t n_words;
	const char *file;        /* owned by the tree */
	unsigned line;
	struct kconf_node *kids; /* the block's statements */
	size_t n_kids;
	bool block;              /* a '{' followed (an empty block has n_kids 0) */
};

struct kconf_tree {
	struct kconf_node root;  /* root.kids: the top-level statements */
	char **files;            /* every file read, in order (include order) */
	size_t n_files;
};

/* A problem: where and what. */
struct kconf_error {
	char *file;
	unsigned line;
	char *what;
};

struct kconf_errors {
	struct kconf_error *v;
	size_t n;
};

/* config_id: the id @ID lines are matched with (keepalived's default is the host name, up to the
 * first dot); NULL drops every @ line. Returns 0, or -1 with the problems in errs (syntax: an
 * unclosed quote or block, a '}' without a '{', an include that matches nothing readable, ...).
 * The tree is filled as far as it could be read either way. */
int kconf_read(const char *path, const char *config_id, struct kconf_tree *t,
	       struct kconf_errors *errs);
void kconf_tree_free(struct kconf_tree *t);
void kconf_errors_free(struct kconf_errors *e);

/* The first/next kid of n with keyword kw (NULL: none). */
const struct kconf_node *kconf_find(const struct kconf_node *n, const char *kw);
