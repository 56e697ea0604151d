/* Tracked files: inotify watches on their directories, in the event loop (see track.h). The
 * directory is watched, not the file, so that a file created later, replaced by a rename (as
 * editors and `mv` do) or removed is seen too. Where a directory cannot be watched (it does not
 * exist yet), its files are read once a second instead. */
#include "healthcheck/track.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "common/util.h"
#include "daemon/log.h"

#define TRACK_POLL_US 1000000ULL
#define TRACK_MASK (IN_CLOSE_WRITE | IN_MODIFY | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE)

struct track_file {
	char *path;
	char *base;      /* within path */
	int wd;          /* -1: polled */
};

struct health_files {
	sd_event *ev;
	health_file_fn fn;
	void *userdata;
	int fd;
	sd_event_source *io, *poll;
	struct track_file *v;
	size_t n;
};

long health_file_parse(const char *text, char *detail, size_t len)
{
	const char *p = text;
	char *end;
	long v;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	errno = 0;
	v = strtol(p, &end, 10);
	if (end == p || !(isdigit((unsigned char)*(end - 1)))) {
		snprintf(detail, len, "no number in the file: 0");
		return 0;
	}
	if (errno == ERANGE)
		v = v < 0 ? -1000000 : 1000000;
	snprintf(detail, len, "value %ld", v);
	return v;
}

static void track_read(struct health_files *f, const struct track_file *t)
{
	char buf[64], detail[96];
	ssize_t n = -1;
	long v = 0;
	/* O_NONBLOCK: a FIFO put there must not hang the daemon */
	int fd = open(t->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		if (n < 0)
			snprintf(detail, sizeof(detail), "cannot read: %s: 0", strerror(errno));
		close(fd);
	} else if (errno == ENOENT) {
		snprintf(detail, sizeof(detail), "no such file: 0");
	} else {
		snprintf(detail, sizeof(detail), "cannot open: %s: 0", strerror(errno));
	}
	if (n >= 0) {
		buf[n] = '\0';
		v = health_file_parse(buf, detail, sizeof(detail));
	}
	f->fn(f->userdata, t->path, v, detail);
}

static int track_on_poll(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct health_files *f = userdata;

	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].wd < 0)
			track_read(f, &f->v[i]);
	sd_event_source_set_time(s, usec + TRACK_POLL_US);
	return 0;
}

static int track_on_inotify(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct health_files *f = userdata;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			for (size_t i = 0; i < f->n; i++) {
				const struct track_file *t = &f->v[i];

				/* overflow: events were lost, read every file again */
				if ((ev->mask & IN_Q_OVERFLOW) ||
				    (t->wd == ev->wd && ev->len && !strcmp(ev->name, t->base)))
					track_read(f, t);
			}
			p += sizeof(*ev) + ev->len;
		}
	}
	return 0;
}

struct health_files *health_files_new(sd_event *ev, health_file_fn fn, void *userdata)
{
	struct health_files *f = xcalloc(1, sizeof(*f));

	f->ev = ev;
	f->fn = fn;
	f->userdata = userdata;
	f->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (f->fd < 0)
		log_obj(LOG_WARNING, "track_file", "inotify: %s; tracked files are read once a second",
			strerror(errno));
	else
		sd_event_add_io(ev, &f->io, f->fd, EPOLLIN, track_on_inotify, f);
	return f;
}

void health_files_clear(struct health_files *f)
{
	for (size_t i = 0; i < f->n; i++) {
		/* the same directory gives the same wd: remove it once */
		if (f->v[i].wd >= 0) {
			int wd = f->v[i].wd;

			inotify_rm_watch(f->fd, wd);
			for (size_t k = i; k < f->n; k++)
				if (f->v[k].wd == wd)
					f->v[k].wd = -1;
		}
		free(f->v[i].path);
	}
	free(f->v);
	f->v = NULL;
	f->n = 0;
	f->poll = sd_event_source_disable_unref(f->poll);
}

void health_files_watch(struct health_files *f, const char *path)
{
	struct track_file *t = XAPPEND(f->v, f->n);
	char *dir;

	t->path = xstrdup(path);
	t->base = strrchr(t->path, '/') + 1; /* validated: absolute */
	dir = xstrndup(t->path, (size_t)(t->base - t->path > 1 ? t->base - t->path - 1 : 1));
	t->wd = f->fd >= 0 ? inotify_add_watch(f->fd, dir, TRACK_MASK | IN_ONLYDIR) : -1;
	if (t->wd < 0) {
		if (f->fd >= 0)
			log_obj(LOG_WARNING, "track_file", "cannot watch %s (%s): %s is read once a second",
				dir, strerror(errno), path);
		if (!f->poll) {
			uint64_t now = 0;

			sd_event_now(f->ev, CLOCK_MONOTONIC, &now);
			sd_event_add_time(f->ev, &f->poll, CLOCK_MONOTONIC, now + TRACK_POLL_US, 10000,
					  track_on_poll, f);
			sd_event_source_set_enabled(f->poll, SD_EVENT_ON);
		}
	}
	free(dir);
	track_read(f, t);
}

void health_files_free(struct health_files *f)
{
	if (!f)
		return;
	health_files_clear(f);
	sd_event_source_disable_unref(f->io);
	if (f->fd >= 0)
		close(f->fd);
	free(f);
}
