#include "daemon/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"

static int log_level = LOG_INFO;
static bool log_journal;

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

void log_obj(int level, const char *obj, const char *fmt, ...)
{
	char msg[2048], stamp[40];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_journal) {
		if (obj)
			sd_journal_send("MESSAGE=(%s) %s", obj, msg, "PRIORITY=%d", level,
					"KEEPQUORUM_OBJECT=%s", obj, NULL);
		else
			sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", level, NULL);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld keepquorumd[%d]: %s: %s%s%s%s\n", stamp, ts.tv_nsec / 1000000,
		(int)getpid(), log_names[level], obj ? "(" : "", obj ? obj : "", obj ? ") " : "", msg);
}
