/* The quorum's UDP socket (transport.h). Everything that arrives is checked before the core sees
 * it -- authentic (HMAC), from a member, for us, not seen before -- and whatever fails is counted
 * per reason and logged at most once a minute per reason, so a flood costs counters, not the
 * log or the loop. */
#include "quorum/transport.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/util.h"
#include "daemon/log.h"
#include "quorum/message.h"

/* datagrams read per wake-up before the loop gets a turn: a flood cannot starve the rest */
#define TRANSPORT_BURST 64

struct transport_member {
	char *name;                   /* copied: a reload frees the config */
	struct sockaddr_storage sa;
	socklen_t sa_len;
	struct quorum_replay replay;
};

struct quorum_transport {
	sd_event *ev;
	int fd;
	sd_event_source *src;
	uint8_t *key;
	size_t key_len;
	uint64_t epoch;
	uint32_t counter;
	bool epoch_failed;
	struct transport_member *m;   /* [0] this node */
	unsigned n;
	quorum_transport_rx_fn rx;
	quorum_transport_epoch_fn bump_epoch;
	void *ud;
	unsigned long drops[QUORUM_DROP_END];
	struct util_ratelimit drop_logged[QUORUM_DROP_END];
	unsigned long send_errors;
	struct util_ratelimit send_logged;
};

static socklen_t transport_sockaddr(const struct conf_sockaddr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->addr.family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(a->port);
		s4->sin_addr = a->addr.u.v4;
		return sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(a->port);
		s6->sin6_addr = a->addr.u.v6;
		return sizeof(*s6);
	}
}

static const char *transport_peer_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	struct conf_addr a = {.family = ss->ss_family};
	char addr[64];
	unsigned port;

	if (ss->ss_family == AF_INET) {
		a.u.v4 = ((const struct sockaddr_in *)ss)->sin_addr;
		port = ntohs(((const struct sockaddr_in *)ss)->sin_port);
	} else {
		a.u.v6 = ((const struct sockaddr_in6 *)ss)->sin6_addr;
		port = ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	}
	snprintf(buf, len, "%s:%u", conf_addr_str(&a, addr, sizeof(addr)), port);
	return buf;
}

static void transport_drop(struct quorum_transport *t, enum quorum_drop d,
			   const struct sockaddr_storage *from, const char *detail)
{
	char buf[96];

	t->drops[d]++;
	if (!util_ratelimit(&t->drop_logged[d], util_now_usec(), UTIL_LOG_EVERY_USEC))
		return;
	log_obj(LOG_WARNING, "quorum", "datagram from %s dropped: %s%s%s (%lu so far; logged once "
		"a minute)", transport_peer_str(from, buf, sizeof(buf)), quorum_drop_name(d),
		detail ? ": " : "", detail ? detail : "", t->drops[d]);
}

static int transport_member(const struct quorum_transport *t, const char *name)
{
	for (unsigned i = 0; i < t->n; i++)
		if (strcmp(t->m[i].name, name) == 0)
			return (int)i;
	return QUORUM_NONE;
}

static void transport_deliver(struct quorum_transport *t, const uint8_t *buf, size_t len,
			      const struct sockaddr_storage *from)
{
	struct quorum_wire w;
	struct quorum_msg m = {0};
	unsigned version = 0;
	enum quorum_drop d = quorum_wire_decode(buf, len, t->key, t->key_len, &w, &version);
	char why[96];
	int sender, target = QUORUM_NONE;

	if (d == QUORUM_DROP_VERSION) {
		snprintf(why, sizeof(why), "it speaks quorum protocol version %u, this node %u: the "
			 "two refuse each other", version, QUORUM_WIRE_VERSION);
		transport_drop(t, d, from, why);
		return;
	}
	if (d != QUORUM_DROP_NONE) {
		transport_drop(t, d, from, d == QUORUM_DROP_MAC ? "wrong secret_file or tampered" : NULL);
		return;
	}
	sender = transport_member(t, w.from);
	if (sender <= 0) {
		snprintf(why, sizeof(why), "'%s' is not in peers", w.from);
		transport_drop(t, QUORUM_DROP_UNKNOWN, from, sender == 0 ? "it claims to be us" : why);
		return;
	}
	if (strcmp(w.to, t->m[0].name) != 0) {
		snprintf(why, sizeof(why), "addressed to '%s'", w.to);
		transport_drop(t, QUORUM_DROP_NOT_FOR_US, from, why);
		return;
	}
	if (w.target[0] && (target = transport_member(t, w.target)) == QUORUM_NONE) {
		snprintf(why, sizeof(why), "hand-over to '%s', not a member", w.target);
		transport_drop(t, QUORUM_DROP_MALFORMED, from, why);
		return;
	}
	/* last: a forged or mangled datagram must not move the window */
	if (!quorum_replay_accept(&t->m[sender].replay, w.seq)) {
		transport_drop(t, QUORUM_DROP_REPLAY, from, NULL);
		return;
	}
	m.from = (unsigned)sender;
	m.to = 0;
	m.target = target;
	m.b = w.b;
	t->rx(t->ud, &m);
}

static int transport_on_read(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct quorum_transport *t = userdata;
	uint8_t buf[QUORUM_WIRE_MAX + 1];

	for (int i = 0; i < TRANSPORT_BURST; i++) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_TRUNC, (struct sockaddr *)&from, &flen);

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_obj(LOG_WARNING, "quorum", "receive: %s", strerror(errno));
			return 0;
		}
		if ((size_t)n > QUORUM_WIRE_MAX) {
			transport_drop(t, QUORUM_DROP_MALFORMED, &from, "longer than any quorum datagram");
			continue;
		}
		transport_deliver(t, buf, (size_t)n, &from);
	}
	return 0;
}

static uint64_t transport_next_seq(struct quorum_transport *t)
{
	if (t->counter == UINT32_MAX) {
		uint64_t epoch = t->epoch;

		if (t->bump_epoch(t->ud, &epoch) < 0 || epoch <= t->epoch) {
			t->epoch_failed = true;
			return 0;
		}
		t->epoch = epoch;
		t->counter = 0;
		t->epoch_failed = false;
	}
	return (t->epoch << 32) | ++t->counter;
}

void quorum_transport_send(struct quorum_transport *t, const struct quorum_msg *m)
{
	struct quorum_wire w = {.b = m->b};
	uint8_t buf[QUORUM_WIRE_MAX];
	size_t len;
	struct transport_member *to;

	if (m->to >= t->n || m->to == 0)
		util_die("quorum: send to member %u of %u", m->to, t->n);
	to = &t->m[m->to];
	snprintf(w.from, sizeof(w.from), "%s", t->m[0].name);
	snprintf(w.to, sizeof(w.to), "%s", to->name);
	if (m->target != QUORUM_NONE && (unsigned)m->target < t->n)
		snprintf(w.target, sizeof(w.target), "%s", t->m[m->target].name);
	w.seq = transport_next_seq(t);
	len = w.seq ? quorum_wire_encode(&w, t->key, t->key_len, buf, sizeof(buf)) : 0;
	if (len && sendto(t->fd, buf, len, 0, (struct sockaddr *)&to->sa, to->sa_len) == (ssize_t)len)
		return;
	t->send_errors++;
	if (!util_ratelimit(&t->send_logged, util_now_usec(), UTIL_LOG_EVERY_USEC))
		return;
	log_obj(LOG_WARNING, "quorum", "cannot send to %s: %s (%lu so far; logged once a minute)",
		to->name, !len ? (t->epoch_failed ? "the new sequence epoch could not be saved" :
				  "cannot encode") : strerror(errno), t->send_errors);
}

static int transport_bind(struct quorum_transport *t, const struct conf_quorum *c, char *err,
			  size_t err_len)
{
	struct sockaddr_storage ss;
	socklen_t len = transport_sockaddr(&c->bind, &ss);
	char where[96];
	int one = 1;

	transport_peer_str(&ss, where, sizeof(where));
	t->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->fd < 0) {
		snprintf(err, err_len, "quorum socket: %s", strerror(errno));
		return -errno;
	}
	/* the bind address may not be configured yet at boot: bind anyway (IP_FREEBIND) */
	if (ss.ss_family == AF_INET)
		setsockopt(t->fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	else
		setsockopt(t->fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
	if (bind(t->fd, (struct sockaddr *)&ss, len) < 0) {
		int e = errno;

		snprintf(err, err_len, "quorum bind = %s: %s", where, strerror(e));
		return -e;
	}
	return 0;
}

int quorum_transport_open(sd_event *ev, const struct quorum_transport_params *p,
			  struct quorum_transport **out, char *err, size_t err_len)
{
	const struct conf_quorum *c = p->conf;
	struct quorum_transport *t = xcalloc(1, sizeof(*t));
	int r;

	t->ev = ev;
	t->fd = -1;
	t->key = xmalloc(p->key_len);
	memcpy(t->key, p->key, p->key_len);
	t->key_len = p->key_len;
	t->epoch = p->epoch;
	t->rx = p->rx;
	t->bump_epoch = p->bump_epoch;
	t->ud = p->ud;
	t->n = (unsigned)c->n_peers + 1;
	t->m = xcalloc(t->n, sizeof(*t->m));
	t->m[0].name = xstrdup(c->node_id);
	for (unsigned i = 1; i < t->n; i++) {
		t->m[i].name = xstrdup(c->peers[i - 1].id);
		t->m[i].sa_len = transport_sockaddr(&c->peers[i - 1].addr, &t->m[i].sa);
	}
	r = transport_bind(t, c, err, err_len);
	if (r >= 0 && (r = sd_event_add_io(ev, &t->src, t->fd, EPOLLIN, transport_on_read, t)) < 0)
		snprintf(err, err_len, "quorum socket: cannot watch it: %s", strerror(-r));
	if (r < 0) {
		quorum_transport_free(t);
		return r;
	}
	*out = t;
	return 0;
}

void quorum_transport_free(struct quorum_transport *t)
{
	if (!t)
		return;
	sd_event_source_disable_unref(t->src);
	if (t->fd >= 0)
		close(t->fd);
	explicit_bzero(t->key, t->key_len);
	free(t->key);
	for (unsigned i = 0; t->m && i < t->n; i++)
		free(t->m[i].name);
	free(t->m);
	free(t);
}

const char *quorum_transport_name(const struct quorum_transport *t, int member)
{
	return member >= 0 && (unsigned)member < t->n ? t->m[member].name : NULL;
}

int quorum_transport_find(const struct quorum_transport *t, const char *name)
{
	return transport_member(t, name);
}

json_object *quorum_transport_drops(const struct quorum_transport *t)
{
	json_object *o = json_object_new_object();

	for (int d = QUORUM_DROP_NONE + 1; d < QUORUM_DROP_END; d++)
		if (t->drops[d])
			json_object_object_add(o, quorum_drop_name(d),
					       json_object_new_int64((int64_t)t->drops[d]));
	return o;
}

unsigned long quorum_transport_send_errors(const struct quorum_transport *t)
{
	return t->send_errors;
}
