/* The metrics_listen endpoint over libmicrohttpd, on the daemon's own sd-event loop: MHD runs in
 * its external epoll mode (MHD_USE_EPOLL, no thread of its own), so its one epoll fd is an io
 * source of the loop, and a timer re-armed from MHD_get_timeout() after every MHD_run() closes
 * the connections that sat idle. MHD_run() never waits: it handles what is ready and returns.
 *
 * Nothing a client does may delay a VRRP advert, a quorum heartbeat or the control socket:
 * - both sources run at idle priority: whatever else is ready is dispatched first;
 * - at most HTTP_CONNECTION_LIMIT connections, HTTP_PER_IP_LIMIT of them from one address (more
 *   from that address are closed at once); beyond the total, connections wait unaccepted in the
 *   kernel's backlog, costing the daemon nothing;
 * - a connection idle for HTTP_TIMEOUT_SEC is closed: a client that sends half a request and sits
 *   holds a slot for that long and no longer;
 * - a request gets HTTP_MEMORY_LIMIT bytes: a longer header is refused by MHD (431) and the
 *   connection closed, as is a malformed request (400);
 * - the answer is rendered at once from the status object: no request waits for anything.
 * The listening socket is made here, not by MHD, so that a bind failure says why. */
#include "daemon/http.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/util.h"
#include "daemon/log.h"
#include "daemon/metrics.h"

#define HTTP_ALLOW "GET, HEAD"

struct http_server {
	struct MHD_Daemon *mhd;
	sd_event_source *io, *timer;
	struct conf_sockaddr addr;
	http_render_fn render;
	void *userdata;
};

bool http_available(void)
{
	return true;
}

const struct conf_sockaddr *http_server_addr(const struct http_server *s)
{
	return &s->addr;
}

/* MHD's own messages are about single clients (limits reached, a malformed request): detail. */
__attribute__((format(printf, 2, 0)))
static void http_on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	log_obj(LOG_DEBUG, "http", "%s", msg);
}

/* Queue code with body (malloc'd; MHD frees it once sent). */
static enum MHD_Result http_answer(struct MHD_Connection *conn, unsigned code, const char *type,
				   char *body, const char *allow)
{
	struct MHD_Response *resp;
	enum MHD_Result r;

	resp = MHD_create_response_from_buffer_with_free_callback(strlen(body), body, free);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type) != MHD_YES ||
	    (allow && MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow) != MHD_YES)) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	r = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return r;
}

/* Called once a request's header is in. The answer is queued at once, even when a body follows:
 * MHD then closes the connection instead of reading it. HEAD gets GET's headers, without the
 * body (MHD leaves it out). */
static enum MHD_Result http_on_request(void *cls, struct MHD_Connection *conn, const char *url,
				       const char *method, const char *version,
				       const char *upload_data, size_t *upload_data_size,
				       void **req_cls)
{
	struct http_server *h = cls;
	bool get = !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);
	bool metrics = !strcmp(url, "/metrics"), root = !strcmp(url, "/");
	char *text;

	if (!metrics && !root)
		return http_answer(conn, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8",
				   xstrdup("not found: the metrics are at /metrics\n"), NULL);
	if (!get)
		return http_answer(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
				   xasprintf("method %s not allowed: use GET or HEAD\n", method),
				   HTTP_ALLOW);
	if (root)
		return http_answer(conn, MHD_HTTP_OK, "text/plain; charset=utf-8",
				   xstrdup("keepquorumd: the metrics are at /metrics\n"), NULL);
	text = h->render(h->userdata);
	if (!text)
		return http_answer(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
				   xstrdup("cannot render the metrics\n"), NULL);
	return http_answer(conn, MHD_HTTP_OK, METRICS_CONTENT_TYPE, text, NULL);
}

/* MHD's work is done; it wants to run again after its next connection timeout, or not at all. */
static void http_rearm(struct http_server *h)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(h->mhd, &ms) != MHD_YES) {
		sd_event_source_set_enabled(h->timer, SD_EVENT_OFF);
		return;
	}
	if (ms > 3600ULL * 1000ULL)
		ms = 3600ULL * 1000ULL;
	sd_event_source_set_time_relative(h->timer, (uint64_t)ms * 1000ULL);
	sd_event_source_set_enabled(h->timer, SD_EVENT_ONESHOT);
}

static void http_run(struct http_server *h)
{
	if (MHD_run(h->mhd) != MHD_YES)
		log_obj(LOG_WARNING, "http", "libmicrohttpd could not run its connections");
	http_rearm(h);
}

static int http_on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	http_run(userdata);
	return 0;
}

static int http_on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	http_run(userdata);
	return 0;
}

/* A listening TCP socket on a, non-blocking (MHD accepts from it in its epoll). */
static int http_listen_socket(const struct conf_sockaddr *a, int *out, const char **what)
{
	struct sockaddr_storage ss = {0};
	socklen_t len;
	int fd, one = 1, e;

	if (a->addr.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(a->port);
		sin->sin_addr = a->addr.u.v4;
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(a->port);
		sin6->sin6_addr = a->addr.u.v6;
		len = sizeof(*sin6);
	}
	*what = "socket";
	fd = socket(a->addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* a restarted daemon must not wait for its predecessor's connections in TIME_WAIT */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		log_obj(LOG_DEBUG, "http", "SO_REUSEADDR: %s", strerror(errno));
	*what = "bind";
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		goto out_close;
	*what = "listen";
	if (listen(fd, 64) < 0)
		goto out_close;
	*out = fd;
	return 0;
out_close:
	e = errno;
	close(fd);
	return -e;
}

static int http_start_mhd(struct http_server *h, int fd)
{
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;

	if (h->addr.addr.family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->mhd = MHD_start_daemon(flags, 0, NULL, NULL, http_on_request, h,
				  MHD_OPTION_EXTERNAL_LOGGER, http_on_mhd_log, h,
				  MHD_OPTION_LISTEN_SOCKET, fd,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONNECTION_LIMIT,
				  MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)HTTP_PER_IP_LIMIT,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_TIMEOUT_SEC,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEMORY_LIMIT,
				  MHD_OPTION_END);
	if (h->mhd)
		return 0;
	/* MHD may or may not have closed the socket it was given; one thread, so the number is
	 * still ours if it is open */
	if (fcntl(fd, F_GETFD) >= 0)
		close(fd);
	return -EIO;
}

int http_server_new(sd_event *ev, const struct conf_sockaddr *addr, http_render_fn render,
		    void *userdata, struct http_server **out, char *err, size_t err_len)
{
	struct http_server *h = xcalloc(1, sizeof(*h));
	const union MHD_DaemonInfo *info;
	const char *what = NULL;
	int fd = -1, r;

	h->addr = *addr;
	h->render = render;
	h->userdata = userdata;
	r = http_listen_socket(addr, &fd, &what);
	if (r < 0) {
		snprintf(err, err_len, "%s: %s", what, strerror(-r));
		free(h);
		return r;
	}
	r = http_start_mhd(h, fd);
	if (r < 0) {
		snprintf(err, err_len, "libmicrohttpd cannot serve it (see the debug log)");
		free(h);
		return r;
	}
	info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info || info->epoll_fd < 0) {
		snprintf(err, err_len, "libmicrohttpd gave no epoll file descriptor");
		r = -EIO;
		goto out_free;
	}
	r = sd_event_add_io(ev, &h->io, info->epoll_fd, EPOLLIN, http_on_io, h);
	if (r >= 0)
		r = sd_event_add_time_relative(ev, &h->timer, CLOCK_MONOTONIC, 0, 10000,
					       http_on_timer, h);
	if (r < 0) {
		snprintf(err, err_len, "event source: %s", strerror(-r));
		goto out_free;
	}
	/* anything else that is ready goes first (adverts, heartbeats, the control socket) */
	sd_event_source_set_priority(h->io, SD_EVENT_PRIORITY_IDLE);
	sd_event_source_set_priority(h->timer, SD_EVENT_PRIORITY_IDLE);
	sd_event_source_set_description(h->io, "http");
	sd_event_source_set_description(h->timer, "http-timeout");
	http_rearm(h);
	*out = h;
	return 0;
out_free:
	http_server_free(h);
	return r;
}

void http_server_free(struct http_server *s)
{
	if (!s)
		return;
	sd_event_source_disable_unref(s->io);
	sd_event_source_disable_unref(s->timer);
	/* closes every connection, the listening socket and the epoll fd */
	if (s->mhd)
		MHD_stop_daemon(s->mhd);
	free(s);
}
