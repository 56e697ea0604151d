/* `keepquorumctl status --watch`: the status again every interval, like watch(1). On a terminal
 * each refresh redraws the screen; otherwise refreshes follow one another, each after its header
 * line (with --json: one JSON object a line). A daemon that goes away is shown as such and asked
 * again at the next refresh; SIGINT and SIGTERM end the watch, exit 0. */
#include "tools/ctl.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"

static volatile sig_atomic_t watch_stop;

static void watch_on_signal(int sig)
{
	(void)sig;
	watch_stop = 1;
}

static int64_t watch_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep until the monotonic deadline, or until a stop signal. */
static void watch_sleep(int64_t deadline, const sigset_t *wait_mask)
{
	int64_t left;

	while (!watch_stop && (left = deadline - watch_now_ms()) > 0) {
		struct timespec ts = {.tv_sec = left / 1000, .tv_nsec = (left % 1000) * 1000000};

		ppoll(NULL, 0, &ts, wait_mask);
	}
}

/* watch(1)'s header: the interval, what is shown, the host and the time. */
static void watch_header(FILE *f, const char *path, int64_t interval_ms)
{
	char host[256] = "?", when[64] = "?";
	time_t now = time(NULL);
	struct tm tm;

	gethostname(host, sizeof(host) - 1);
	if (localtime_r(&now, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %z", &tm);
	fprintf(f, "Every %gs: keepquorumctl status (socket %s)  %s: %s\n\n",
		(double)interval_ms / 1000.0, path, host, when);
}

/* One refresh as text: the tables, or why there are none. */
static void watch_frame(FILE *f, json_object *reply, const char *why)
{
	json_object *result = NULL, *error = NULL;

	if (!reply) {
		fprintf(f, "keepquorumd not reachable: %s\n", why);
		return;
	}
	json_object_object_get_ex(reply, "result", &result);
	if (!json_object_get_boolean(json_object_object_get(reply, "ok"))) {
		json_object_object_get_ex(reply, "error", &error);
		fprintf(f, "keepquorumd refused the status: %s\n",
			error ? json_object_get_string(error) : "no reason given");
	} else if (!result || !json_object_is_type(result, json_type_object)) {
		fprintf(f, "keepquorumd sent no status object\n");
	} else {
		ctl_print_status(f, result);
	}
}

/* --json: one status object a line on stdout; a failure on stderr, once until it changes. */
static void watch_json(json_object *reply, const char *why, char **last_error)
{
	json_object *result = NULL;
	char *err = NULL;

	if (reply && json_object_get_boolean(json_object_object_get(reply, "ok")) &&
	    json_object_object_get_ex(reply, "result", &result) &&
	    json_object_is_type(result, json_type_object)) {
		printf("%s\n", json_object_to_json_string_ext(result, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
		free(*last_error);
		*last_error = NULL;
		return;
	}
	if (!reply)
		err = xasprintf("keepquorumd not reachable: %s", why);
	else
		err = xasprintf("keepquorumd refused the status: %s", json_object_get_string(
					json_object_object_get(reply, "error")));
	if (!*last_error || strcmp(*last_error, err))
		fprintf(stderr, "keepquorumctl: %s\n", err);
	free(*last_error);
	*last_error = err;
}

int ctl_watch(const char *path, int64_t interval_ms, bool json, int wait_ms)
{
	struct sigaction sa = {.sa_handler = watch_on_signal};
	json_object *req = json_object_new_object();
	bool tty = !json && isatty(STDOUT_FILENO);
	char *last_error = NULL;
	sigset_t stop, wait_mask;
	int64_t next = watch_now_ms();
	int code = CTL_EXIT_OK;

	/* blocked but while waiting: a signal ends the wait it interrupts, or the next one */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, &wait_mask);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ctl_call_stoppable(&watch_stop, &wait_mask);
	json_object_object_add(req, "command", json_object_new_string("status"));
	for (bool first = true; !watch_stop; first = false) {
		char *why = NULL, *text = NULL;
		json_object *reply = ctl_call(path, req, wait_ms, &why);
		size_t size = 0;
		FILE *f;

		if (watch_stop) {
			json_object_put(reply);
			free(why);
			break;
		}
		if (json) {
			watch_json(reply, why, &last_error);
		} else {
			/* the whole frame at once: a terminal never shows half of one */
			f = open_memstream(&text, &size);
			if (!f)
				util_die("keepquorumctl: out of memory");
			if (tty)
				fputs("\033[H\033[2J", f);
			else if (!first)
				fputc('\n', f);
			watch_header(f, path, interval_ms);
			watch_frame(f, reply, why);
			fclose(f);
			fwrite(text, 1, size, stdout);
			free(text);
		}
		json_object_put(reply);
		free(why);
		if (fflush(stdout) != 0) {
			fprintf(stderr, "keepquorumctl: cannot write the status: %s\n", strerror(errno));
			code = CTL_EXIT_REFUSED;
			break;
		}
		/* a slow answer delays the next refresh, it does not make refreshes pile up */
		next += interval_ms;
		if (next < watch_now_ms())
			next = watch_now_ms();
		watch_sleep(next, &wait_mask);
	}
	free(last_error);
	json_object_put(req);
	return code;
}
