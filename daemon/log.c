#include "daemon/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
/* the call site would always be log.c: no CODE_FILE= and friends */
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"

static int log_level = LOG_INFO;
static bool log_journal;
static char log_node[64];
static unsigned long long log_term;

static const char *const log_names[] = {
	[LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit", [LOG_ERR] = "error",
	[LOG_WARNING] = "warning", [LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

/* systemd sets JOURNAL_STREAM=DEV:INODE when stderr is a journal stream (systemd.exec(5)). */
static bool log_stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_open(bool force_stderr)
{
	log_journal = !force_stderr && log_stderr_is_journal();
}

void log_set_level(int level)
{
	log_level = level;
}

int log_get_level(void)
{
	return log_level;
}

int log_level_parse(const char *s)
{
	for (int i = LOG_ERR; i <= LOG_DEBUG; i++)
		if (strcmp(s, log_names[i]) == 0)
			return i;
	if (strcmp(s, "warn") == 0)
		return LOG_WARNING;
	return -1;
}

void log_set_node(const char *node)
{
	snprintf(log_node, sizeof(log_node), "%s", node ? node : "");
}

void log_set_term(unsigned long long term)
{
	log_term = term;
}

#define LOG_MAX_FIELDS 16

struct log_iov {
	struct iovec v[LOG_MAX_FIELDS];
	char *owned[LOG_MAX_FIELDS];
	size_t n;
};

static void log_iov_add(struct log_iov *io, const char *key, const char *value)
{
	char *s;

	if (!value || io->n == LOG_MAX_FIELDS)
		return;
	/* a value with a newline would need the journal's binary form; none of ours needs one */
	s = xasprintf("%s=%s", key, value);
	for (char *p = s; *p; p++)
		if (*p == '\n')
			*p = ' ';
	io->owned[io->n] = s;
	io->v[io->n++] = (struct iovec){.iov_base = s, .iov_len = strlen(s)};
}

static void log_journal_send(int level, const char *obj, const struct log_fields *f, const char *msg)
{
	struct log_iov io = {.n = 0};
	unsigned long long term = f && f->term ? f->term : log_term;
	char prio[4], termbuf[24];
	char *text = obj ? xasprintf("(%s) %s", obj, msg) : xstrdup(msg);

	snprintf(prio, sizeof(prio), "%d", level);
	snprintf(termbuf, sizeof(termbuf), "%llu", term);
	log_iov_add(&io, "MESSAGE", text);
	log_iov_add(&io, "PRIORITY", prio);
	log_iov_add(&io, "SYSLOG_IDENTIFIER", "keepquorumd");
	if (f)
		log_iov_add(&io, "MESSAGE_ID", f->msgid);
	log_iov_add(&io, "KEEPQUORUM_OBJECT", obj);
	log_iov_add(&io, "KEEPQUORUM_NODE", log_node[0] ? log_node : NULL);
	log_iov_add(&io, "KEEPQUORUM_TERM", term ? termbuf : NULL);
	if (f) {
		log_iov_add(&io, "KEEPQUORUM_INSTANCE", f->instance);
		log_iov_add(&io, "KEEPQUORUM_STATE", f->state);
		log_iov_add(&io, "KEEPQUORUM_PREV_STATE", f->prev_state);
		log_iov_add(&io, "KEEPQUORUM_HOOK", f->hook);
		log_iov_add(&io, "KEEPQUORUM_RESULT", f->result);
		log_iov_add(&io, "KEEPQUORUM_LEADER", f->leader);
	}
	sd_journal_sendv(io.v, (int)io.n);
	for (size_t i = 0; i < io.n; i++)
		free(io.owned[i]);
	free(text);
}

static void log_vemit(int level, const char *obj, const struct log_fields *f, const char *fmt,
		      va_list ap)
{
	char msg[2048], stamp[40];
	struct timespec ts;
	struct tm tm;

	if (level > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_journal) {
		log_journal_send(level, obj, f, msg);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld keepquorumd[%d]: %s: %s%s%s%s\n", stamp, ts.tv_nsec / 1000000,
		(int)getpid(), log_names[level], obj ? "(" : "", obj ? obj : "", obj ? ") " : "", msg);
}

void log_obj(int level, const char *obj, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(level, obj, NULL, fmt, ap);
	va_end(ap);
}

void log_event(int level, const char *obj, const struct log_fields *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(level, obj, f, fmt, ap);
	va_end(ap);
}
