/* keepquorumctl: talk to a running keepquorumd over its control socket (keepquorumctl(8)).
 * Exit 0 on success, 1 when the daemon refused (with its reason) or the command line is wrong,
 * 2 when it cannot be reached. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ctlproto.h"
#include "common/util.h"
#include "tools/ctl.h"

#define CTL_WAIT_MS 10000
#define CTL_WATCH_DEFAULT_MS 2000

/* What the command line asks for. */
struct ctl_args {
	const char *path, *cmd;
	int wait_ms;              /* 0: the command's default */
	bool json;
	int64_t watch_ms;         /* status --watch: the interval; 0 without */
	json_object *req;
};

static void ctl_usage(FILE *f)
{
	fprintf(f,
		"Usage: keepquorumctl [-s SOCKET] [--timeout SECONDS] COMMAND\n"
		"  status [--json] [--watch [SECONDS]]\n"
		"                          instances, quorum and checks (--json: SPEC.md's object;\n"
		"                          --watch: again every SECONDS, default 2, until Ctrl-C)\n"
		"  switchover [--to NODE]  planned move of the VIPs and the quorum leadership\n"
		"  pause | resume          maintenance: no automatic failover while paused\n"
		"  reload                  re-read the configuration (refused if it has problems)\n"
		"  metrics                 Prometheus text exposition\n"
		"Options:\n"
		"  -s, --socket PATH       control socket (default %s)\n"
		"      --timeout SECONDS   how long to wait for the answer (default 10, switchover 180)\n"
		"  -h, --help              this help\n"
		"  -v, --version           print the version\n",
		CTL_DEFAULT_SOCKET);
}

/* A number of seconds from min to max as milliseconds; -1 (reported) when it is not one. */
static int64_t ctl_seconds(const char *what, const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || errno || !isfinite(v) || v < min || v > max || s[0] == ' ') {
		fprintf(stderr, "keepquorumctl: %s must be a number of seconds from %g to %g, not '%s'\n",
			what, min, max, s);
		return -1;
	}
	return (int64_t)llround(v * 1000.0);
}

static int ctl_bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A wrong command line: why, then the usage; -1. */
static int ctl_bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("keepquorumctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	ctl_usage(stderr);
	return -1;
}

static int ctl_args_status(struct ctl_args *a, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (!strcmp(s, "--json")) {
			a->json = true;
		} else if (!strcmp(s, "--watch") || !strncmp(s, "--watch=", 8)) {
			const char *secs = s[7] == '=' ? s + 8 : NULL;

			/* the next word is the interval unless it is another option */
			if (!secs && i + 1 < argc && strncmp(argv[i + 1], "--", 2))
				secs = argv[++i];
			a->watch_ms = secs ? ctl_seconds("status --watch", secs, 0.1, 86400)
				      : CTL_WATCH_DEFAULT_MS;
			if (a->watch_ms < 0)
				return -1;
		} else {
			return ctl_bad("status: unknown argument '%s' (it takes --json and "
				       "--watch [SECONDS])", s);
		}
	}
	return 0;
}

static int ctl_args_switchover(struct ctl_args *a, int argc, char **argv)
{
	const char *to = NULL;
	int i = 1;

	if (i < argc && !strncmp(argv[i], "--to=", 5)) {
		to = argv[i++] + 5;
	} else if (i < argc && !strcmp(argv[i], "--to")) {
		to = i + 1 < argc ? argv[i + 1] : "";
		i += 2;
	}
	if (to && !*to)
		return ctl_bad("switchover: --to needs a NODE");
	if (i < argc)
		return ctl_bad("switchover: unexpected argument '%s' (it takes --to NODE)", argv[i]);
	if (to)
		json_object_object_add(a->req, "to", json_object_new_string(to));
	return 0;
}

/* The command words: the request, or -1 (reported with the usage). */
static int ctl_args_command(struct ctl_args *a, int argc, char **argv)
{
	static const char *const simple[] = {"pause", "resume", "reload", "metrics"};

	a->cmd = argv[0];
	a->req = json_object_new_object();
	json_object_object_add(a->req, "command", json_object_new_string(a->cmd));
	if (!strcmp(a->cmd, "status"))
		return ctl_args_status(a, argc, argv);
	if (!strcmp(a->cmd, "switchover"))
		return ctl_args_switchover(a, argc, argv);
	for (size_t i = 0; i < ARRAY_SIZE(simple); i++) {
		if (strcmp(a->cmd, simple[i]))
			continue;
		if (argc > 1)
			return ctl_bad("%s takes no arguments (got '%s')", a->cmd, argv[1]);
		return 0;
	}
	return ctl_bad("unknown command '%s'", a->cmd);
}

/* Options, then the command: 0, or the exit code when there is nothing more to do. */
static int ctl_args(struct ctl_args *a, int argc, char **argv, int *code)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"timeout", required_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'v'},
		{NULL, 0, NULL, 0},
	};
	int64_t ms;
	int c;

	a->path = CTL_DEFAULT_SOCKET;
	*code = CTL_EXIT_REFUSED;
	while ((c = getopt_long(argc, argv, "+s:hv", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			a->path = optarg;
			break;
		case 'T':
			ms = ctl_seconds("--timeout", optarg, 0.1, 3600);
			if (ms < 0)
				return -1;
			a->wait_ms = (int)ms;
			break;
		case 'h':
			ctl_usage(stdout);
			*code = CTL_EXIT_OK;
			return -1;
		case 'v':
			printf("keepquorumctl %s\n", PACKAGE_VERSION);
			*code = CTL_EXIT_OK;
			return -1;
		default:
			ctl_usage(stderr);
			return -1;
		}
	}
	if (!a->path[0])
		return ctl_bad("the socket path (-s) is empty");
	if (optind >= argc)
		return ctl_bad("no command given");
	if (ctl_args_command(a, argc - optind, argv + optind) < 0)
		return -1;
	/* a switchover answers once the new leader is known */
	if (!a->wait_ms)
		a->wait_ms = strcmp(a->cmd, "switchover") ? CTL_WAIT_MS
			     : (int)(CTL_DEFER_TIMEOUT_USEC / 1000);
	return 0;
}

/* Print what the daemon answered; the exit code. */
static int ctl_output(const struct ctl_args *a, json_object *reply)
{
	json_object *result = NULL, *error = NULL;

	json_object_object_get_ex(reply, "result", &result);
	if (!json_object_get_boolean(json_object_object_get(reply, "ok"))) {
		json_object_object_get_ex(reply, "error", &error);
		fprintf(stderr, "keepquorumctl: %s: %s\n", a->cmd,
			error ? json_object_get_string(error) : "refused, no reason given");
		return CTL_EXIT_REFUSED;
	}
	if (!result || !json_object_is_type(result, json_type_object)) {
		fprintf(stderr, "keepquorumctl: %s: the answer on %s has no result object; is it "
			"keepquorumd's socket?\n", a->cmd, a->path);
		return CTL_EXIT_UNREACHABLE;
	}
	if (!strcmp(a->cmd, "status") && !a->json)
		ctl_print_status(stdout, result);
	else if (!strcmp(a->cmd, "metrics"))
		fputs(json_object_get_string(json_object_object_get(result, "text")), stdout);
	else
		printf("%s\n", json_object_to_json_string_ext(result, JSON_C_TO_STRING_PRETTY |
						JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	if (fflush(stdout) != 0) {
		fprintf(stderr, "keepquorumctl: cannot write the answer: %s\n", strerror(errno));
		return CTL_EXIT_REFUSED;
	}
	return CTL_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct ctl_args a = {0};
	json_object *reply;
	char *why = NULL;
	int code;

	if (ctl_args(&a, argc, argv, &code) < 0) {
		json_object_put(a.req);
		return code;
	}
	if (a.watch_ms) {
		json_object_put(a.req);
		return ctl_watch(a.path, a.watch_ms, a.json, a.wait_ms);
	}
	reply = ctl_call(a.path, a.req, a.wait_ms, &why);
	json_object_put(a.req);
	if (!reply) {
		fprintf(stderr, "keepquorumctl: %s\n", why);
		free(why);
		return CTL_EXIT_UNREACHABLE;
	}
	code = ctl_output(&a, reply);
	json_object_put(reply);
	return code;
}
