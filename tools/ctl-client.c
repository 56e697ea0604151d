/* keepquorumctl's side of the control socket (common/ctlproto.h): one request, one answer, and
 * for every way that can fail a reason an operator can act on, naming the socket once. */
#include "tools/ctl.h"

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/ctlproto.h"
#include "common/util.h"

#define CTL_REPLY_MAX (16u << 20)
/* How much of an answer that is not keepquorumd's is quoted back. */
#define CTL_SNIPPET 48

static volatile sig_atomic_t *ctl_stop;
static const sigset_t *ctl_wait_mask;

void ctl_call_stoppable(volatile sig_atomic_t *stop, const sigset_t *wait_mask)
{
	ctl_stop = stop;
	ctl_wait_mask = wait_mask;
}

static int64_t ctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for events on fd until the deadline: 1 ready, 0 timed out, -EINTR stopped, -errno. */
static int ctl_wait(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = events};
		int64_t left = deadline - ctl_now_ms();
		struct timespec ts;
		int r;

		if (ctl_stop && *ctl_stop)
			return -EINTR;
		if (left <= 0)
			return 0;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000;
		r = ppoll(&p, 1, &ts, ctl_wait_mask);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

static const char *ctl_file_kind(mode_t m)
{
	if (S_ISREG(m))
		return "a regular file";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISLNK(m))
		return "a symbolic link";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	return "not a socket";
}

/* EACCES: say who may use the socket (root and its group, mode 0660) and who we are. */
static char *ctl_why_denied(const char *path)
{
	struct passwd *pw = getpwuid(geteuid());
	char *me = pw ? xstrdup(pw->pw_name) : xasprintf("uid %u", (unsigned)geteuid());
	struct group *gr;
	struct stat st;
	char *why;

	if (stat(path, &st) < 0) {
		why = xasprintf("permission denied on %s: user %s may not search its directory; the socket "
				"is for root and keepquorumd's group", path, me);
	} else {
		gr = getgrgid(st.st_gid);
		why = gr ? xasprintf("permission denied on %s (mode %04o, group %s): only root and "
				     "members of group %s may use it, not user %s", path,
				     (unsigned)(st.st_mode & 07777), gr->gr_name, gr->gr_name, me)
			 : xasprintf("permission denied on %s (mode %04o, gid %u): only root and "
				     "members of gid %u may use it, not user %s", path,
				     (unsigned)(st.st_mode & 07777), (unsigned)st.st_gid,
				     (unsigned)st.st_gid, me);
	}
	free(me);
	return why;
}

static char *ctl_why_connect(const char *path, int err)
{
	struct stat st;

	switch (err) {
	case ENOENT:
		return xasprintf("no socket at %s; is keepquorumd running?", path);
	case ENOTDIR:
		return xasprintf("no socket at %s (a part of the path is not a directory); "
				 "is keepquorumd running?", path);
	case EACCES:
	case EPERM:
		return ctl_why_denied(path);
	case ECONNREFUSED:
		if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
			return xasprintf("%s is %s, not a socket: give keepquorumd's control socket "
					 "(its --ctl-socket) with -s", path, ctl_file_kind(st.st_mode));
		return xasprintf("nothing listens on %s (connection refused): a socket left by a "
				 "keepquorumd that is no longer running?", path);
	case EAGAIN:
		return xasprintf("keepquorumd does not accept connections on %s (its queue is full): "
				 "is it stuck?", path);
	default:
		return xasprintf("cannot connect to %s: %s", path, strerror(err));
	}
}

static int ctl_connect(const char *path, char **why)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		*why = xasprintf("socket path too long (%zu bytes, at most %zu): %s", strlen(path),
				 sizeof(sa.sun_path) - 1, path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		*why = xasprintf("cannot create a socket: %s", strerror(errno));
		return -1;
	}
	/* non-blocking: a full listen queue is EAGAIN at once, not a hang */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		*why = ctl_why_connect(path, errno);
		close(fd);
		return -1;
	}
	return fd;
}

/* A few bytes of what answered, printable, for a socket that is not keepquorumd's. */
static char *ctl_snippet(const char *buf, size_t len)
{
	char s[CTL_SNIPPET + 1];
	size_t n = len < CTL_SNIPPET ? len : CTL_SNIPPET;

	for (size_t i = 0; i < n; i++)
		s[i] = (unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] >= 0x7f ? '.' : buf[i];
	s[n] = '\0';
	return xasprintf("'%s'%s", s, len > n ? "..." : "");
}

static char *ctl_why_timeout(const char *path, int wait_ms)
{
	return xasprintf("no answer on %s within %g s: is keepquorumd stopped or stuck (or is it "
			 "not keepquorumd's socket)?", path, wait_ms / 1000.0);
}

static int ctl_send(int fd, const char *path, const char *line, int64_t deadline, int wait_ms,
		    char **why)
{
	size_t len = strlen(line), done = 0;

	while (done < len) {
		ssize_t n = send(fd, line + done, len - done, MSG_NOSIGNAL);
		int r;

		if (n >= 0) {
			done += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EPIPE || errno == ECONNRESET) {
			*why = xasprintf("%s closed the connection before reading the request; is it "
					 "keepquorumd's socket?", path);
			return -1;
		}
		if (errno != EAGAIN) {
			*why = xasprintf("cannot send to %s: %s", path, strerror(errno));
			return -1;
		}
		r = ctl_wait(fd, POLLOUT, deadline);
		if (r <= 0) {
			*why = r == -EINTR ? xstrdup("interrupted")
			       : r < 0 ? xasprintf("waiting for %s: %s", path, strerror(-r))
			       : ctl_why_timeout(path, wait_ms);
			return -1;
		}
	}
	shutdown(fd, SHUT_WR);
	return 0;
}

/* Read until the daemon closes; the buffer (NUL-terminated) or NULL with *why. */
static char *ctl_receive(int fd, const char *path, int64_t deadline, int wait_ms, size_t *lenp,
			 char **why)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		ssize_t n;
		int r;

		buf = xgrow(buf, &cap, len + 65536, 1);
		n = read(fd, buf + len, cap - len - 1);
		if (n == 0)
			break;
		if (n > 0) {
			len += (size_t)n;
			if (len > CTL_REPLY_MAX) {
				*why = xasprintf("the answer on %s is larger than %u MiB; is it "
						 "keepquorumd's socket?", path, CTL_REPLY_MAX >> 20);
				goto fail;
			}
			continue;
		}
		if (errno == EINTR)
			continue;
		/* the daemon answered and closed while our request was still unread (a busy
		 * daemon does that): the answer is whole, the reset comes after it */
		if (errno == ECONNRESET && len)
			break;
		if (errno != EAGAIN) {
			*why = errno == ECONNRESET
			       ? xasprintf("%s closed the connection without an answer; is it "
					   "keepquorumd's socket?", path)
			       : xasprintf("reading from %s: %s", path, strerror(errno));
			goto fail;
		}
		r = ctl_wait(fd, POLLIN, deadline);
		if (r == -EINTR) {
			*why = xstrdup("interrupted");
			goto fail;
		}
		if (r <= 0) {
			*why = r < 0 ? xasprintf("waiting for %s: %s", path, strerror(-r))
			       : ctl_why_timeout(path, wait_ms);
			goto fail;
		}
	}
	buf[len] = '\0';
	*lenp = len;
	return buf;
fail:
	free(buf);
	return NULL;
}

/* keepquorumd answers one JSON object with a boolean "ok": anything else is someone else. */
static json_object *ctl_parse(const char *path, const char *buf, size_t len, char **why)
{
	json_object *reply, *ok;
	char *snip;

	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (!len) {
		*why = xasprintf("%s closed the connection without an answer; is it keepquorumd's "
				 "socket?", path);
		return NULL;
	}
	reply = memchr(buf, '\0', len) ? NULL : json_tokener_parse(buf);
	if (reply && json_object_is_type(reply, json_type_object) &&
	    json_object_object_get_ex(reply, "ok", &ok) && json_object_is_type(ok, json_type_boolean))
		return reply;
	json_object_put(reply);
	snip = ctl_snippet(buf, len);
	*why = xasprintf("what answers on %s is not keepquorumd (it said %s); is it keepquorumd's "
			 "control socket?", path, snip);
	free(snip);
	return NULL;
}

json_object *ctl_call(const char *path, json_object *req, int wait_ms, char **why)
{
	const char *text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	int64_t deadline = ctl_now_ms() + wait_ms;
	char *line = xasprintf("%s\n", text), *buf = NULL;
	json_object *reply = NULL;
	size_t len = 0;
	int fd;

	*why = NULL;
	fd = ctl_connect(path, why);
	if (fd < 0)
		goto out;
	if (ctl_send(fd, path, line, deadline, wait_ms, why) < 0) {
		/* closed before our request: keepquorumd does that with an answer when it serves
		 * too many clients already ("busy"), which says more than the closing */
		char *early = NULL;

		buf = ctl_receive(fd, path, deadline, wait_ms, &len, &early);
		free(early);
		early = NULL;
		if (buf && len && (reply = ctl_parse(path, buf, len, &early)) != NULL) {
			free(*why);
			*why = NULL;
		}
		free(early);
		goto out_close;
	}
	buf = ctl_receive(fd, path, deadline, wait_ms, &len, why);
	if (buf)
		reply = ctl_parse(path, buf, len, why);
out_close:
	close(fd);
out:
	free(buf);
	free(line);
	return reply;
}
