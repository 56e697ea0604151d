/* keepalived-to-ini: keepalived.conf's VRRP side as a keepquorum.ini (keepalived-to-ini(1)).
 * Exit 0 when everything converted, 3 when something was left out (each listed on stderr with
 * its file, line and why), 1 on a syntax error or a bad command line, 2 when the output cannot
 * be written. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "tools/k2i/convert.h"
#include "tools/k2i/kconf.h"

enum { K2I_OK = 0, K2I_SYNTAX = 1, K2I_WRITE = 2, K2I_DROPPED = 3 };

#define K2I_DEFAULT_INPUT "/etc/keepalived/keepalived.conf"

static void k2i_usage(FILE *f)
{
	fprintf(f,
		"Usage: keepalived-to-ini [-o OUT] [-i CONFIG_ID] [KEEPALIVED_CONF]\n"
		"Convert keepalived.conf's VRRP side (default %s) to keepquorum.ini.\n"
		"  -o, --output FILE      write the ini there (default: standard output)\n"
		"  -i, --config-id ID     keep the @ID lines of this id (keepalived -i; default: the\n"
		"                         host name up to its first dot)\n"
		"  -h, --help             this help\n"
		"  -v, --version          print the version\n"
		"Exit status: 0 all converted, 3 something left out (listed on stderr), 1 syntax error\n"
		"or bad usage, 2 the output cannot be written.\n", K2I_DEFAULT_INPUT);
}

static void k2i_print(const char *prefix, const struct kconf_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		fprintf(stderr, "%s:%u: %s%s\n", e->v[i].file, e->v[i].line, prefix, e->v[i].what);
}

/* Written whole to a temporary file, then renamed: a failed run leaves no half file. */
static int k2i_write(const char *path, const char *text)
{
	char *tmp;
	FILE *f;
	int r = 0;

	if (!path)
		return fputs(text, stdout) < 0 || fflush(stdout) ? -errno : 0;
	tmp = xasprintf("%s.tmp%ld", path, (long)getpid());
	f = fopen(tmp, "w");
	if (!f) {
		r = -errno;
		free(tmp);
		return r;
	}
	if (fputs(text, f) < 0)
		r = -errno;
	if (fclose(f) != 0 && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	free(tmp);
	return r;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"config-id", required_argument, NULL, 'i'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'v'},
		{NULL, 0, NULL, 0},
	};
	const char *out = NULL, *in = K2I_DEFAULT_INPUT;
	char host[256] = "", *id = NULL;
	struct kconf_errors errs = {0};
	struct k2i_result res;
	struct kconf_tree t;
	int c, r, code;

	while ((c = getopt_long(argc, argv, "o:i:hv", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'i': id = xstrdup(optarg); break;
		case 'h': k2i_usage(stdout); return K2I_OK;
		case 'v': printf("keepalived-to-ini %s\n", PACKAGE_VERSION); return K2I_OK;
		default: k2i_usage(stderr); return K2I_SYNTAX;
		}
	}
	if (optind < argc - 1) {
		fprintf(stderr, "keepalived-to-ini: one input file at most\n");
		k2i_usage(stderr);
		return K2I_SYNTAX;
	}
	if (optind == argc - 1)
		in = argv[optind];
	if (!id) {
		gethostname(host, sizeof(host) - 1);
		host[strcspn(host, ".")] = '\0';
		id = xstrdup(host);
	}
	if (kconf_read(in, id, &t, &errs) < 0) {
		k2i_print("", &errs);
		fprintf(stderr, "keepalived-to-ini: %s: %zu problem%s, nothing converted\n", in, errs.n,
			errs.n == 1 ? "" : "s");
		code = K2I_SYNTAX;
		goto out;
	}
	k2i_convert(&t, in, &res);
	k2i_print("not converted: ", &res.dropped);
	code = res.dropped.n ? K2I_DROPPED : K2I_OK;
	r = k2i_write(out, res.ini);
	if (r < 0) {
		fprintf(stderr, "keepalived-to-ini: cannot write %s: %s\n", out ? out : "the output",
			strerror(-r));
		code = K2I_WRITE;
	}
	k2i_result_free(&res);
out:
	kconf_tree_free(&t);
	kconf_errors_free(&errs);
	free(id);
	return code;
}
