/* keepquorumctl: talk to a running keepquorumd over its control socket (keepquorumctl(8)).
 * Exit 0 on success, 1 when the daemon refused (with its reason), 2 when it cannot be reached. */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/ctlproto.h"
#include "common/util.h"
#include "tools/ctl.h"

#define CTL_REPLY_MAX (16u << 20)
#define CTL_WAIT_MS 10000

static void ctl_usage(FILE *f)
{
	fprintf(f,
		"Usage: keepquorumctl [-s SOCKET] COMMAND\n"
		"  status [--json]         instances, quorum and checks (--json: SPEC.md's object)\n"
		"  switchover [--to NODE]  planned move of the VIPs and the quorum leadership\n"
		"  pause | resume          maintenance: no automatic failover while paused\n"
		"  reload                  re-read the configuration (refused if it has problems)\n"
		"  metrics                 Prometheus text exposition\n"
		"Options:\n"
		"  -s, --socket PATH       control socket (default %s)\n"
		"  -h, --help              this help\n"
		"  -v, --version           print the version\n",
		CTL_DEFAULT_SOCKET);
}

static int ctl_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "keepquorumctl: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "keepquorumctl: cannot connect to %s: %s; is keepquorumd running? "
			"(socket %s)\n", path, strerror(errno), path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Send one request, read the whole answer. Returns the parsed reply or NULL (reported). */
static json_object *ctl_call(const char *path, json_object *req, int wait_ms)
{
	const char *text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	char *line = xasprintf("%s\n", text), *buf = NULL;
	size_t len = 0, cap = 0;
	json_object *reply = NULL;
	int fd = ctl_connect(path);

	if (fd < 0)
		goto out;
	if (send(fd, line, strlen(line), MSG_NOSIGNAL) < 0) {
		fprintf(stderr, "keepquorumctl: cannot send to %s: %s\n", path, strerror(errno));
		goto out_close;
	}
	shutdown(fd, SHUT_WR);
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (poll(&p, 1, wait_ms) <= 0) {
			fprintf(stderr, "keepquorumctl: keepquorumd did not answer within %d s (socket %s)\n",
				wait_ms / 1000, path);
			goto out_close;
		}
		buf = xgrow(buf, &cap, len + 65536, 1);
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "keepquorumctl: reading from %s: %s\n", path, strerror(errno));
			goto out_close;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CTL_REPLY_MAX) {
			fprintf(stderr, "keepquorumctl: answer larger than %u bytes\n", CTL_REPLY_MAX);
			goto out_close;
		}
	}
	if (buf)
		buf[len] = '\0';
	reply = buf ? json_tokener_parse(buf) : NULL;
	if (!reply || !json_object_is_type(reply, json_type_object)) {
		fprintf(stderr, "keepquorumctl: the answer on %s is not a JSON object; is it "
			"keepquorumd's socket?\n", path);
		json_object_put(reply);
		reply = NULL;
	}
out_close:
	close(fd);
out:
	free(buf);
	free(line);
	return reply;
}

static const char *ctl_str(json_object *o, const char *key, const char *def)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return def;
	return json_object_get_string(v);
}

/* Build the request from the command words; NULL (reported) when they are wrong. */
static json_object *ctl_request(int argc, char **argv, bool *json_out)
{
	static const char *const simple[] = {"pause", "resume", "reload", "metrics"};
	json_object *req = json_object_new_object();
	const char *cmd = argv[0];

	json_object_object_add(req, "command", json_object_new_string(cmd));
	if (!strcmp(cmd, "status")) {
		if (argc == 2 && !strcmp(argv[1], "--json"))
			*json_out = true;
		else if (argc != 1)
			goto bad;
		return req;
	}
	if (!strcmp(cmd, "switchover")) {
		if (argc == 3 && !strcmp(argv[1], "--to"))
			json_object_object_add(req, "to", json_object_new_string(argv[2]));
		else if (argc != 1)
			goto bad;
		return req;
	}
	for (size_t i = 0; i < ARRAY_SIZE(simple); i++)
		if (!strcmp(cmd, simple[i]) && argc == 1)
			return req;
bad:
	fprintf(stderr, "keepquorumctl: bad command: %s%s\n", cmd, argc > 1 ? " ..." : "");
	ctl_usage(stderr);
	json_object_put(req);
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'v'},
		{NULL, 0, NULL, 0},
	};
	const char *path = CTL_DEFAULT_SOCKET;
	json_object *req, *reply, *result = NULL;
	bool json = false, ok;
	int c, code;

	while ((c = getopt_long(argc, argv, "+s:hv", opts, NULL)) != -1) {
		switch (c) {
		case 's': path = optarg; break;
		case 'h': ctl_usage(stdout); return CTL_EXIT_OK;
		case 'v': printf("keepquorumctl %s\n", PACKAGE_VERSION); return CTL_EXIT_OK;
		default: ctl_usage(stderr); return CTL_EXIT_REFUSED;
		}
	}
	if (optind >= argc) {
		ctl_usage(stderr);
		return CTL_EXIT_REFUSED;
	}
	req = ctl_request(argc - optind, argv + optind, &json);
	if (!req)
		return CTL_EXIT_REFUSED;
	/* a switchover answers once the new leader is known */
	reply = ctl_call(path, req, strcmp(argv[optind], "switchover") ? CTL_WAIT_MS :
				    (int)(CTL_DEFER_TIMEOUT_USEC / 1000));
	json_object_put(req);
	if (!reply)
		return CTL_EXIT_UNREACHABLE;
	ok = json_object_get_boolean(json_object_object_get(reply, "ok"));
	json_object_object_get_ex(reply, "result", &result);
	if (!ok) {
		fprintf(stderr, "keepquorumctl: %s: %s\n", argv[optind], ctl_str(reply, "error", "refused"));
		code = CTL_EXIT_REFUSED;
	} else if (!strcmp(argv[optind], "status") && !json) {
		ctl_print_status(stdout, result);
		code = CTL_EXIT_OK;
	} else if (!strcmp(argv[optind], "metrics")) {
		fputs(ctl_str(result, "text", ""), stdout);
		code = CTL_EXIT_OK;
	} else {
		printf("%s\n", json_object_to_json_string_ext(result, JSON_C_TO_STRING_PRETTY |
						JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
		code = CTL_EXIT_OK;
	}
	json_object_put(reply);
	return code;
}
