/* The notify_fifo writer. keepalived writes its fifo non-blocking and loses lines when the reader
 * is slow; so do we, but we count them and say so. A write of one short line to a pipe is atomic
 * (at most PIPE_BUF bytes): a reader sees whole lines or none. */
#include "notify/fifo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "daemon/log.h"

struct notify_fifo {
	char *path;
	int fd;
	uint64_t written, dropped;
	struct util_ratelimit logged;
};

struct notify_fifo *notify_fifo_new(const char *path)
{
	struct notify_fifo *f = xcalloc(1, sizeof(*f));

	f->path = xstrdup(path);
	f->fd = -1;
	return f;
}

void notify_fifo_free(struct notify_fifo *f)
{
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	free(f->path);
	free(f);
}

const char *notify_fifo_path(const struct notify_fifo *f)
{
	return f->path;
}

uint64_t notify_fifo_written(const struct notify_fifo *f)
{
	return f->written;
}

uint64_t notify_fifo_dropped(const struct notify_fifo *f)
{
	return f->dropped;
}

/* Open for writing without waiting: ENXIO while nobody has it open for reading. */
static int fifo_open(struct notify_fifo *f)
{
	struct stat st;

	if (mkfifo(f->path, 0600) < 0 && errno != EEXIST)
		return -errno;
	f->fd = open(f->path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (f->fd < 0)
		return -errno;
	if (fstat(f->fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		/* a regular file there would take every line, and block on a full disk */
		close(f->fd);
		f->fd = -1;
		return -EINVAL;
	}
	return 0;
}

static void fifo_drop(struct notify_fifo *f, int err, uint64_t now)
{
	const char *why = err == -ENXIO || err == -EPIPE ? "no reader"
			  : err == -EAGAIN ? "the reader is not reading (pipe full)"
			  : err == -EINVAL ? "it is not a fifo" : strerror(-err);

	f->dropped++;
	if (!util_ratelimit(&f->logged, now, UTIL_LOG_EVERY_USEC))
		return;
	log_obj(LOG_WARNING, "notify", "notify_fifo %s: %s; line dropped (%llu dropped so far)",
		f->path, why, (unsigned long long)f->dropped);
}

void notify_fifo_write(struct notify_fifo *f, const char *kind, const char *name, const char *state,
		       unsigned priority, uint64_t now)
{
	char *line = xasprintf("%s \"%s\" %s %u\n", kind, name, state, priority);
	ssize_t n = (ssize_t)strlen(line);
	int err = 0;

	if (f->fd < 0)
		err = fifo_open(f);
	if (!err) {
		ssize_t w = write(f->fd, line, (size_t)n);

		/* a line up to PIPE_BUF is written whole or not at all: a short count cannot
		 * happen, and would count as a full pipe */
		if (w != n)
			err = w < 0 ? -errno : -EAGAIN;
	}
	free(line);
	if (!err) {
		f->written++;
		return;
	}
	if (err == -EPIPE && f->fd >= 0) {
		/* the reader left: open again next time, when there may be a new one */
		close(f->fd);
		f->fd = -1;
	}
	fifo_drop(f, err, now);
}
