/* The control socket server. Every client is a non-blocking connection with a deadline: it must
 * send one request of at most CTL_MAX_REQUEST bytes in time and read its answer in time, or it
 * is dropped. Nothing a client does can block the event loop. */
#include "daemon/ctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/ctlproto.h"
#include "common/util.h"
#include "daemon/log.h"

/* Clients served at once. Each holds a descriptor for up to its deadline (a switchover's, 180 s):
 * without a bound, a burst of connections would take every descriptor the daemon has, and with
 * them its next script's pipes. Beyond it a client is told "busy" and closed at once. */
#define CTL_MAX_CLIENTS 64
/* accept() out of descriptors (EMFILE, ENFILE): the listener rests this long, instead of being
 * woken again at once by the connection it cannot take */
#define CTL_ACCEPT_PAUSE_USEC (100 * 1000ULL)
#define CTL_STR_(x) #x
#define CTL_STR(x) CTL_STR_(x)
#define CTL_BUSY_ANSWER \
	"{\"ok\":false,\"error\":\"busy: " CTL_STR(CTL_MAX_CLIENTS) " clients are being served\"}\n"

struct ctl_client;

struct ctl_server {
	sd_event *ev;
	int fd;
	char *path;
	sd_event_source *accept_src, *pause_src;
	ctl_dispatch_fn dispatch;
	void *userdata;
	struct ctl_client *clients;
	unsigned n_clients;
	unsigned long long next_id;
	/* a burst of bad clients costs counters, not the log */
	struct util_ratelimit busy_logged, accept_logged, slow_logged, bad_logged;
};

const char ctl_deferred_tag;

struct ctl_client {
	struct ctl_server *srv;
	struct ctl_client *next;
	int fd;
	sd_event_source *io, *timer;
	char in[CTL_MAX_REQUEST + 2];
	size_t in_len;
	char *out;
	size_t out_len, out_done;
	unsigned long long id;
	bool deferred;   /* the answer comes later (ctl_server_answer) */
};

static void ctl_client_free(struct ctl_client *c)
{
	struct ctl_client **pp;

	for (pp = &c->srv->clients; *pp && *pp != c; pp = &(*pp)->next)
		;
	if (*pp) {
		*pp = c->next;
		c->srv->n_clients--;
	}
	sd_event_source_disable_unref(c->io);
	sd_event_source_disable_unref(c->timer);
	close(c->fd);
	free(c->out);
	free(c);
}

static int ctl_on_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct ctl_client *c = userdata;

	if (util_ratelimit(&c->srv->slow_logged, util_now_usec(), UTIL_LOG_EVERY_USEC))
		log_obj(LOG_NOTICE, "ctl", "client too slow (%s), dropped (logged once a minute)",
			c->out ? "reading its answer" : "sending its request");
	ctl_client_free(c);
	return 0;
}

static void ctl_client_reply(struct ctl_client *c, json_object *reply)
{
	const char *text = json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN |
								      JSON_C_TO_STRING_NOSLASHESCAPE);

	c->out = xasprintf("%s\n", text);
	c->out_len = strlen(c->out);
	c->out_done = 0;
	json_object_put(reply);
	sd_event_source_set_io_events(c->io, EPOLLOUT);
	sd_event_source_set_time_relative(c->timer, CTL_REPLY_TIMEOUT_USEC);
}

static void ctl_client_error(struct ctl_client *c, const char *why)
{
	json_object *reply = json_object_new_object();

	json_object_object_add(reply, "ok", json_object_new_boolean(0));
	json_object_object_add(reply, "error", json_object_new_string(why));
	ctl_client_reply(c, reply);
}

static void ctl_client_request(struct ctl_client *c)
{
	struct ctl_request req;
	json_object *result, *reply;
	const char *why;
	char *error = NULL;

	if (ctl_request_parse(c->in, c->in_len, &req, &why) < 0) {
		if (util_ratelimit(&c->srv->bad_logged, util_now_usec(), UTIL_LOG_EVERY_USEC))
			log_obj(LOG_NOTICE, "ctl", "bad request: %s (logged once a minute)", why);
		ctl_client_error(c, why);
		return;
	}
	log_obj(LOG_DEBUG, "ctl", "request: %s", ctl_command_name(req.command));
	req.client = c->id;
	/* waiting already: a deferred answer may come before dispatch even returns */
	c->deferred = true;
	result = c->srv->dispatch(c->srv->userdata, &req, &error);
	if (result == CTL_DEFERRED) {
		if (c->out)
			return;  /* answered at once, being written */
		/* nothing more to read; a client that hangs up before the answer is dropped */
		sd_event_source_set_io_events(c->io, 0);
		sd_event_source_set_time_relative(c->timer, CTL_DEFER_TIMEOUT_USEC);
		return;
	}
	c->deferred = false;
	if (!result) {
		ctl_client_error(c, error ? error : "failed");
		free(error);
		return;
	}
	reply = json_object_new_object();
	json_object_object_add(reply, "ok", json_object_new_boolean(1));
	json_object_object_add(reply, "result", result);
	ctl_client_reply(c, reply);
}

static void ctl_client_read(struct ctl_client *c)
{
	ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - 1 - c->in_len, 0);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		ctl_client_free(c);
		return;
	}
	c->in_len += (size_t)n;
	c->in[c->in_len] = '\0';
	if (c->in_len > CTL_MAX_REQUEST) {
		ctl_client_error(c, "request too large");
		return;
	}
	/* A request ends at its newline, or when the client shuts down its side. */
	if (n == 0 || memchr(c->in, '\n', c->in_len)) {
		if (n == 0 && c->in_len == 0) {
			ctl_client_free(c);
			return;
		}
		ctl_client_request(c);
	}
}

static void ctl_client_write(struct ctl_client *c)
{
	ssize_t n = send(c->fd, c->out + c->out_done, c->out_len - c->out_done, MSG_NOSIGNAL);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		ctl_client_free(c);
		return;
	}
	c->out_done += (size_t)n;
	if (c->out_done == c->out_len)
		ctl_client_free(c);
}

static int ctl_on_client(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct ctl_client *c = userdata;

	if (c->deferred && !c->out)
		ctl_client_free(c);  /* it hung up while waiting */
	else if (c->out)
		ctl_client_write(c);
	else if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))
		ctl_client_read(c);
	return 0;
}

static int ctl_on_pause_end(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct ctl_server *srv = userdata;

	sd_event_source_set_enabled(srv->accept_src, SD_EVENT_ON);
	return 0;
}

/* The listener off for CTL_ACCEPT_PAUSE_USEC (left on if the timer cannot be armed: a busy
 * loop is better than a deaf socket). */
static void ctl_accept_pause(struct ctl_server *srv)
{
	int r;

	if (srv->pause_src)
		r = sd_event_source_set_time_relative(srv->pause_src, CTL_ACCEPT_PAUSE_USEC) ?:
		    sd_event_source_set_enabled(srv->pause_src, SD_EVENT_ONESHOT);
	else
		r = sd_event_add_time_relative(srv->ev, &srv->pause_src, CLOCK_MONOTONIC,
					       CTL_ACCEPT_PAUSE_USEC, 0, ctl_on_pause_end, srv);
	if (r >= 0)
		sd_event_source_set_enabled(srv->accept_src, SD_EVENT_OFF);
}

static int ctl_on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct ctl_server *srv = userdata;
	struct ctl_client *c;
	int cfd, e;

	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0) {
		e = errno;
		if (e == EAGAIN || e == EINTR || e == ECONNABORTED)
			return 0;
		if (util_ratelimit(&srv->accept_logged, util_now_usec(), UTIL_LOG_EVERY_USEC))
			log_obj(LOG_WARNING, "ctl", "accept: %s (logged once a minute)", strerror(e));
		if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM)
			ctl_accept_pause(srv);
		return 0;
	}
	if (srv->n_clients >= CTL_MAX_CLIENTS) {
		/* best effort: a fresh socket's buffer takes the few bytes, or the client learns
		 * from the close alone */
		if (send(cfd, CTL_BUSY_ANSWER, sizeof(CTL_BUSY_ANSWER) - 1,
			 MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			log_obj(LOG_DEBUG, "ctl", "busy answer: %s", strerror(errno));
		close(cfd);
		if (util_ratelimit(&srv->busy_logged, util_now_usec(), UTIL_LOG_EVERY_USEC))
			log_obj(LOG_WARNING, "ctl", "%d clients are being served; more are told "
				"busy (logged once a minute)", CTL_MAX_CLIENTS);
		return 0;
	}
	c = xcalloc(1, sizeof(*c));
	c->srv = srv;
	c->fd = cfd;
	c->id = ++srv->next_id;
	if (sd_event_add_io(srv->ev, &c->io, cfd, EPOLLIN, ctl_on_client, c) < 0 ||
	    sd_event_add_time_relative(srv->ev, &c->timer, CLOCK_MONOTONIC, CTL_REQUEST_TIMEOUT_USEC,
				       0, ctl_on_timeout, c) < 0) {
		log_obj(LOG_WARNING, "ctl", "cannot watch a client; dropped");
		sd_event_source_disable_unref(c->io);
		close(cfd);
		free(c);
		return 0;
	}
	c->next = srv->clients;
	srv->clients = c;
	srv->n_clients++;
	return 0;
}

/* A socket left by a dead daemon (connection refused) is replaced. Anything else at the path is
 * left alone: a live daemon's socket, and above all a file that is not a socket at all, which a
 * mistyped --ctl-socket must never delete. */
static int ctl_clear_stale(const char *path, const struct sockaddr_un *sa, const char **what)
{
	struct stat st;
	int fd, r;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		*what = "the path exists and is not a socket";
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 ? errno : 0;
	close(fd);
	if (r == 0) {
		*what = "another keepquorumd answers on this socket";
		return -EADDRINUSE;
	}
	if (r != ECONNREFUSED) {
		*what = "cannot tell whether the existing socket is in use";
		return -r;
	}
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

int ctl_server_new(sd_event *ev, const char *path, ctl_dispatch_fn fn, void *userdata,
		   struct ctl_server **out, const char **what)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct ctl_server *s;
	mode_t mask;
	int r;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		*what = "socket path too long";
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	s = xcalloc(1, sizeof(*s));
	s->ev = ev;
	s->dispatch = fn;
	s->userdata = userdata;
	s->path = xstrdup(path);
	*what = "stale socket";
	r = ctl_clear_stale(path, &sa, what);
	if (r < 0)
		goto out_free;
	*what = "socket";
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		r = -errno;
		goto out_free;
	}
	/* created with its final mode: no moment where it is more open than 0660 */
	*what = "bind";
	mask = umask(0777 & ~CTL_SOCKET_MODE);
	r = bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
	umask(mask);
	if (r < 0)
		goto out_close;
	*what = "chmod";
	if (chmod(path, CTL_SOCKET_MODE) < 0 || listen(s->fd, 64) < 0) {
		r = -errno;
		goto out_unlink;
	}
	*what = "event source";
	r = sd_event_add_io(ev, &s->accept_src, s->fd, EPOLLIN, ctl_on_accept, s);
	if (r < 0)
		goto out_unlink;
	*out = s;
	return 0;
out_unlink:
	unlink(path);
out_close:
	close(s->fd);
out_free:
	free(s->path);
	free(s);
	return r;
}

void ctl_server_answer(struct ctl_server *s, unsigned long long client, json_object *result,
		       const char *error)
{
	struct ctl_client *c;
	json_object *reply;

	for (c = s->clients; c && !(c->id == client && c->deferred && !c->out); c = c->next)
		;
	if (!c) {
		json_object_put(result);
		return;
	}
	if (!result) {
		ctl_client_error(c, error ? error : "failed");
		return;
	}
	reply = json_object_new_object();
	json_object_object_add(reply, "ok", json_object_new_boolean(1));
	json_object_object_add(reply, "result", result);
	ctl_client_reply(c, reply);
}

void ctl_server_free(struct ctl_server *s)
{
	if (!s)
		return;
	while (s->clients)
		ctl_client_free(s->clients);
	sd_event_source_disable_unref(s->accept_src);
	sd_event_source_disable_unref(s->pause_src);
	close(s->fd);
	unlink(s->path);
	free(s->path);
	free(s);
}
