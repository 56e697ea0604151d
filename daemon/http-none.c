/* Built without libmicrohttpd (./configure --without-microhttpd, or auto without it): nothing can
 * listen on metrics_listen. The daemon says so at start and on reload (http_available()); the
 * text is still served by keepquorumctl metrics. */
#include "daemon/http.h"

#include <errno.h>
#include <stdio.h>

bool http_available(void)
{
	return false;
}

int http_server_new(sd_event *ev, const struct conf_sockaddr *addr, http_render_fn render,
		    void *userdata, struct http_server **out, char *err, size_t err_len)
{
	snprintf(err, err_len, "keepquorumd was built without libmicrohttpd");
	return -EOPNOTSUPP;
}

void http_server_free(struct http_server *s)
{
}

const struct conf_sockaddr *http_server_addr(const struct http_server *s)
{
	return NULL;
}
