/* The metrics_listen endpoint: a small HTTP server on the daemon's event loop that answers
 * GET /metrics with the text keepquorumctl metrics prints. http.c is libmicrohttpd in its
 * external epoll mode (no thread of its own); http-none.c stands in when keepquorumd is built
 * without libmicrohttpd (./configure --without-microhttpd). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-event.h>

#include "conf/conf.h"

/* The limits that keep a client from costing the loop anything (keepquorum.ini(5)). */
#define HTTP_CONNECTION_LIMIT 32
#define HTTP_PER_IP_LIMIT 8
#define HTTP_TIMEOUT_SEC 5
#define HTTP_MEMORY_LIMIT (16 * 1024)

/* The body of a scrape: malloc'd text, freed by the server. */
typedef char *(*http_render_fn)(void *userdata);

struct http_server;

/* false: built without libmicrohttpd, http_server_new() always fails. */
bool http_available(void);

/* Listen on addr and serve render's text at /metrics. Returns 0, or -errno with err saying
 * what failed ("bind: Address already in use"). */
int http_server_new(sd_event *ev, const struct conf_sockaddr *addr, http_render_fn render,
		    void *userdata, struct http_server **out, char *err, size_t err_len);
/* Closes the listener and every connection. NULL is fine. */
void http_server_free(struct http_server *s);
const struct conf_sockaddr *http_server_addr(const struct http_server *s);
