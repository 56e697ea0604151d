/* tools/k2i/kconf: keepalived.conf read as keepalived reads it -- blocks and nesting, comments,
 * quotes, include with globs, $NAME parameters, @ID lines -- and every syntax error with its
 * file and line. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "tests/unit/testutil.h"
#include "tools/k2i/kconf.h"

/* The tree as text: "KEYWORD word... {" / "}" with two spaces a level, "@LINE" after each. */
static void dump_node(const struct kconf_node *n, int depth, char **out)
{
	char *s = xasprintf("%s%*s", *out, depth * 2, "");

	for (size_t i = 0; i < n->n_words; i++) {
		char *t = xasprintf("%s%s%s", s, i ? " " : "", n->words[i]);

		free(s);
		s = t;
	}
	free(*out);
	*out = xasprintf("%s@%u%s\n", s, n->line, n->block ? " {" : "");
	free(s);
	for (size_t i = 0; i < n->n_kids; i++)
		dump_node(&n->kids[i], depth + 1, out);
	if (n->block) {
		s = xasprintf("%s%*s}\n", *out, depth * 2, "");
		free(*out);
		*out = s;
	}
}

static char *dump(const struct kconf_tree *t)
{
	char *out = xstrdup("");

	for (size_t i = 0; i < t->root.n_kids; i++)
		dump_node(&t->root.kids[i], 0, &out);
	return out;
}

static char *errors(const struct kconf_errors *e)
{
	char *out = xstrdup("");

	for (size_t i = 0; i < e->n; i++) {
		const char *base = strrchr(e->v[i].file, '/');
		char *t = xasprintf("%s%s:%u: %s\n", out, base ? base + 1 : e->v[i].file, e->v[i].line,
				    e->v[i].what);

		free(out);
		out = t;
	}
	return out;
}

/* Read text as keepalived.conf (config id "db1"); the tree dump and the errors. */
static void read_text(const char *text, char **tree, char **errs, int *rc)
{
	struct kconf_tree t;
	struct kconf_errors e = {0};
	char *path = tu_write("keepalived.conf", text, 0644);

	*rc = kconf_read(path, "db1", &t, &e);
	free(path);
	*tree = dump(&t);
	*errs = errors(&e);
	kconf_tree_free(&t);
	kconf_errors_free(&e);
}

START_TEST(test_blocks)
{
	char *tree, *errs;
	int rc;

	read_text("! Configuration File for keepalived\n"
		  "global_defs {\n"
		  "   router_id db1   # the host\n"
		  "}\n"
		  "vrrp_instance VI_1 {\n"
		  "    state BACKUP\n"
		  "    virtual_ipaddress {\n"
		  "        10.0.0.100/24 dev eth0 label eth0:1\n"
		  "    }\n"
		  "    track_script { chk_pg weight -20 }\n"
		  "    notify_master \"/etc/keepalived/to master.sh\" arg\n"
		  "}\n"
		  "vrrp_script chk\n"
		  "{\n"
		  "  script \"pidof haproxy\"\n"
		  "}\n", &tree, &errs, &rc);
	ck_assert_str_eq(errs, "");
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(tree,
			 "global_defs@2 {\n"
			 "  router_id db1@3\n"
			 "}\n"
			 "vrrp_instance VI_1@5 {\n"
			 "  state BACKUP@6\n"
			 "  virtual_ipaddress@7 {\n"
			 "    10.0.0.100/24 dev eth0 label eth0:1@8\n"
			 "  }\n"
			 "  track_script@10 {\n"
			 "    chk_pg weight -20@10\n"
			 "  }\n"
			 "  notify_master /etc/keepalived/to master.sh arg@11\n"
			 "}\n"
			 "vrrp_script chk@13 {\n"
			 "  script pidof haproxy@15\n"
			 "}\n");
	free(tree);
	free(errs);
}
END_TEST

START_TEST(test_params_and_conditionals)
{
	char *tree, *errs;
	int rc;

	read_text("$PRIO=150\n"
		  "$IF=eth1\n"
		  "$VIP=10.0.0.100/24 dev $IF\n"
		  "$TRACK= \\\n"
		  "  track_interface { \\\n"
		  "    $IF weight -10 \\\n"
		  "  }\n"
		  "vrrp_instance VI_1 {\n"
		  "@db1 priority $PRIO\n"
		  "@db2 priority 100\n"
		  "@^db1 state MASTER\n"
		  "@^db2 state BACKUP\n"
		  "  interface ${IF}\n"
		  "  virtual_ipaddress {\n"
		  "    $VIP\n"
		  "  }\n"
		  "  notify \"$UNDEFINED x\"\n"
		  "  notify_master '/bin/x \"a b\"'\n"
		  "  $TRACK\n"
		  "}\n", &tree, &errs, &rc);
	ck_assert_str_eq(errs, "");
	/* a parameter over continued lines expands to as many lines, as in keepalived */
	ck_assert_str_eq(tree,
			 "vrrp_instance VI_1@8 {\n"
			 "  priority 150@9\n"
			 "  state BACKUP@12\n"
			 "  interface eth1@13\n"
			 "  virtual_ipaddress@14 {\n"
			 "    10.0.0.100/24 dev eth1@15\n"
			 "  }\n"
			 "  notify $UNDEFINED x@17\n"
			 "  notify_master /bin/x \"a b\"@18\n"
			 "  track_interface@19 {\n"
			 "    eth1 weight -10@19\n"
			 "  }\n"
			 "}\n");
	free(tree);
	free(errs);
}
END_TEST

START_TEST(test_include)
{
	char *tree, *errs, *dir = xasprintf("%s/conf.d", tu_dir());
	int rc;

	mkdir(dir, 0755);
	free(tu_write("conf.d/20-b.conf", "vrrp_instance B {\n  priority 20\n}\n", 0644));
	free(tu_write("conf.d/10-a.conf", "vrrp_instance A {\n  include ../inner.inc\n}\n", 0644));
	free(tu_write("inner.inc", "  priority 10\n", 0644));
	free(tu_write("conf.d/ignored.txt", "garbage {\n", 0644));
	read_text("global_defs {\n}\ninclude conf.d/*.conf\ninclude none.d/*.conf\n", &tree, &errs,
		  &rc);
	ck_assert_str_eq(errs, "");
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(tree,
			 "global_defs@1 {\n"
			 "}\n"
			 "vrrp_instance A@1 {\n"
			 "  priority 10@1\n"
			 "}\n"
			 "vrrp_instance B@1 {\n"
			 "  priority 20@2\n"
			 "}\n");
	free(tree);
	free(errs);
	read_text("include missing.conf\ninclude keepalived.conf\n", &tree, &errs, &rc);
	ck_assert_int_eq(rc, -1);
	ck_assert_ptr_nonnull(strstr(errs, "keepalived.conf:1: include missing.conf: no such file\n"));
	ck_assert_ptr_nonnull(strstr(errs, "nested more than 16 deep"));
	free(tree);
	free(errs);
	free(dir);
}
END_TEST

/* What the fuzzer would find: includes that wait for input or multiply at every level. */
START_TEST(test_include_bounds)
{
	char *tree, *errs, *fifo = xasprintf("%s/fifo", tu_dir());
	int rc;

	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	read_text("include fifo\ninclude /dev/null\n", &tree, &errs, &rc);
	ck_assert_int_eq(rc, -1);
	ck_assert_ptr_nonnull(strstr(errs, "keepalived.conf:1: include "));
	ck_assert_ptr_nonnull(strstr(errs, "/fifo: not a regular file\n"));
	ck_assert_ptr_nonnull(strstr(errs, "keepalived.conf:2: include /dev/null: not a regular file\n"));
	free(tree);
	free(errs);
	/* two files that include each other's glob twice: 2^16 reads without a bound on the files */
	free(tu_write("loop-a.conf", "include loop-*.conf\ninclude loop-*.conf\n", 0644));
	free(tu_write("loop-b.conf", "global_defs {\n}\n", 0644));
	read_text("include loop-*.conf\n", &tree, &errs, &rc);
	ck_assert_int_eq(rc, -1);
	ck_assert_ptr_nonnull(strstr(errs, "more than 256 files read (an include loop?)"));
	free(tree);
	free(errs);
	/* an include as the first line of a multi-line parameter ends with its own line: the lines
	 * after it are statements, not more files to include (the fuzzer's find) */
	free(tu_write("inner.inc", "  priority 10\n", 0644));
	read_text("$BLOCK=include inner.inc \\\nvrrp_instance C { \\\n  priority 5 \\\n}\n$BLOCK\n",
		  &tree, &errs, &rc);
	ck_assert_str_eq(errs, "");
	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(strstr(tree, "priority 10@1\n"));
	ck_assert_ptr_nonnull(strstr(tree, "vrrp_instance C@5 {\n  priority 5@5\n}\n"));
	free(tree);
	free(errs);
	/* a parameter that uses itself twice doubles at each of 8 levels of expansion, and each
	 * line naming it multiplies that: refused, once, past a bound (the fuzzer's find) */
	read_text("$A=$A$A$A$A$A$A$A$A$A$A$A$A$A$A$A$A$A$A$A$A\n$B=x\n"
		  "notify $A\nnotify $A\nnotify $B\nnotify $B\n", &tree, &errs, &rc);
	ck_assert_int_eq(rc, -1);
	ck_assert_str_eq(errs, "keepalived.conf:3: the parameters expand to more than 4096 KiB in "
			       "all (a parameter that uses itself?)\n");
	free(tree);
	free(errs);
	unlink(fifo);
	free(fifo);
}
END_TEST

START_TEST(test_syntax_errors)
{
	char *tree, *errs;
	int rc;

	read_text("vrrp_instance VI_1 {\n  state BACKUP\n", &tree, &errs, &rc);
	ck_assert_int_eq(rc, -1);
	ck_assert_str_eq(errs, "keepalived.conf:1: the block of 'vrrp_instance' is not closed\n");
	free(tree);
	free(errs);
	read_text("global_defs {\n}\n}\n{\n  x\n}\nnotify \"open\n", &tree, &errs, &rc);
	ck_assert_int_eq(rc, -1);
	ck_assert_str_eq(errs, "keepalived.conf:7: a quote is not closed\n"
			       "keepalived.conf:3: '}' without a '{'\n"
			       "keepalived.conf:4: '{' without a keyword\n"
			       "keepalived.conf:6: '}' without a '{'\n");
	free(tree);
	free(errs);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kconf");
	TCase *tc = tcase_create("read");

	tcase_add_test(tc, test_blocks);
	tcase_add_test(tc, test_params_and_conditionals);
	tcase_add_test(tc, test_include);
	tcase_add_test(tc, test_include_bounds);
	tcase_add_test(tc, test_syntax_errors);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
