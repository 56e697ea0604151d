/* keepquorumd: command line, config test, --release, then the daemon (keepquorumd(8)). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ctlproto.h"
#include "conf/conf.h"
#include "daemon/daemon.h"
#include "daemon/http.h"
#include "daemon/log.h"
#include "vrrp/vip.h"

enum {
	OPT_LOG_LEVEL = 256,
	OPT_STATE_DIR,
	OPT_CTL_SOCKET,
	OPT_RELEASE,
};

struct main_args {
	struct daemon_opts d;
	bool config_test, release, log_stderr;
	int log_level;
};

static void main_usage(FILE *f)
{
	fprintf(f,
		"Usage: keepquorumd [OPTION]...\n"
		"VRRP daemon with a quorum lease and database hooks; a drop-in for keepalived's VRRP.\n\n"
		"  -f, --config FILE      configuration (default %s)\n"
		"  -t, --config-test      check the configuration, print every problem, exit 0 or 1\n"
		"  -l, --log-console      log to stderr even under systemd\n"
		"  -D, --log-detail       log at debug level\n"
		"      --log-level LEVEL  error, warning, notice, info (default) or debug\n"
		"  -p, --pid FILE         write and lock a pid file\n"
		"      --state-dir DIR    persistent quorum state (default %s)\n"
		"      --ctl-socket PATH  control socket (default %s)\n"
		"      --release          remove every VIP of the configuration and exit\n"
		"  -n, -P                 accepted for keepalived compatibility (always foreground, VRRP only)\n"
		"  -v, --version          print the version and exit\n"
		"  -h, --help             print this help and exit\n",
		CONF_DEFAULT_PATH, DAEMON_DEFAULT_STATE_DIR, CTL_DEFAULT_SOCKET);
}

/* Returns -1 to go on, or an exit code. */
static int main_parse(int argc, char **argv, struct main_args *a)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'f'},
		{"use-file", required_argument, NULL, 'f'},
		{"config-test", no_argument, NULL, 't'},
		{"log-console", no_argument, NULL, 'l'},
		{"log-detail", no_argument, NULL, 'D'},
		{"log-level", required_argument, NULL, OPT_LOG_LEVEL},
		{"pid", required_argument, NULL, 'p'},
		{"state-dir", required_argument, NULL, OPT_STATE_DIR},
		{"ctl-socket", required_argument, NULL, OPT_CTL_SOCKET},
		{"release", no_argument, NULL, OPT_RELEASE},
		{"dont-fork", no_argument, NULL, 'n'},
		{"vrrp", no_argument, NULL, 'P'},
		{"version", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "f:tlDp:nPvh", opts, NULL)) != -1) {
		switch (c) {
		case 'f': a->d.config = optarg; break;
		case 't': a->config_test = true; break;
		case 'l': a->log_stderr = true; break;
		case 'D': a->log_level = LOG_DEBUG; break;
		case 'p': a->d.pidfile = optarg; break;
		case 'n': case 'P': break;
		case OPT_STATE_DIR: a->d.state_dir = optarg; break;
		case OPT_CTL_SOCKET: a->d.ctl_socket = optarg; break;
		case OPT_RELEASE: a->release = true; break;
		case OPT_LOG_LEVEL:
			a->log_level = log_level_parse(optarg);
			if (a->log_level < 0) {
				fprintf(stderr, "keepquorumd: --log-level: '%s' is not error, warning, notice, "
					"info or debug\n", optarg);
				return DAEMON_EXIT_CONFIG;
			}
			break;
		case 'v': printf("keepquorumd %s\n", PACKAGE_VERSION); return DAEMON_EXIT_OK;
		case 'h': main_usage(stdout); return DAEMON_EXIT_OK;
		default: main_usage(stderr); return DAEMON_EXIT_CONFIG;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "keepquorumd: unexpected argument '%s'\n", argv[optind]);
		main_usage(stderr);
		return DAEMON_EXIT_CONFIG;
	}
	if (a->config_test && a->release) {
		fprintf(stderr, "keepquorumd: --config-test and --release exclude each other\n");
		return DAEMON_EXIT_CONFIG;
	}
	return -1;
}

static int main_release(const struct conf *c)
{
	unsigned failed = 0;
	int n = vrrp_vip_release_all(c, &failed);

	if (n < 0) {
		fprintf(stderr, "keepquorumd: --release: cannot open a netlink socket (are you root?)\n");
		return DAEMON_EXIT_RUNTIME;
	}
	log_notice("--release: removed %d address%s%s", n, n == 1 ? "" : "es",
		   failed ? ", some could not be removed" : "");
	return failed ? DAEMON_EXIT_RUNTIME : DAEMON_EXIT_OK;
}

/* Valid, but this build cannot do all it asks: -t says so (the daemon, at start). */
static void main_warn_no_http(const char *path, const struct conf *c)
{
	char addr[80];

	if (!c->global.metrics_listen_set || http_available())
		return;
	fprintf(stderr, "%s: warning: metrics_listen = %s is set, but keepquorumd was built without "
		"libmicrohttpd: nothing will listen; keepquorumctl metrics prints the same text\n",
		path, conf_sockaddr_str(&c->global.metrics_listen, addr, sizeof(addr)));
}

int main(int argc, char **argv)
{
	struct main_args a = {
		.d = {.config = CONF_DEFAULT_PATH, .state_dir = DAEMON_DEFAULT_STATE_DIR,
		      .ctl_socket = CTL_DEFAULT_SOCKET},
		.log_level = LOG_INFO,
	};
	struct conf_diags diags = {0};
	struct conf *conf = NULL;
	int r;

	r = main_parse(argc, argv, &a);
	if (r >= 0)
		return r;
	log_open(a.log_stderr || a.config_test);
	log_set_level(a.log_level);
	if (a.release) {
		/* ExecStopPost must remove the VIPs even of a file edited into an invalid state. */
		r = conf_load_flags(a.d.config, CONF_LOAD_PARTIAL, &conf, &diags);
		if (!conf) {
			daemon_print_diags(&diags, false);
			conf_diags_free(&diags);
			return DAEMON_EXIT_CONFIG;
		}
		if (r < 0)
			log_warning("%s has %zu problem%s; releasing the addresses that could be read",
				    a.d.config, diags.n, diags.n == 1 ? "" : "s");
		conf_diags_free(&diags);
		r = main_release(conf);
		conf_free(conf);
		return r;
	}
	r = conf_load(a.d.config, &conf, &diags);
	if (r < 0) {
		daemon_print_diags(&diags, false);
		fprintf(stderr, "keepquorumd: %s: %zu problem%s\n", a.d.config, diags.n,
			diags.n == 1 ? "" : "s");
		conf_diags_free(&diags);
		return DAEMON_EXIT_CONFIG;
	}
	if (a.config_test) {
		printf("%s: configuration is valid (%zu instance%s)\n", a.d.config, conf->n_instances,
		       conf->n_instances == 1 ? "" : "s");
		main_warn_no_http(a.d.config, conf);
		conf_free(conf);
		return DAEMON_EXIT_OK;
	}
	return daemon_run(&a.d, conf);
}
