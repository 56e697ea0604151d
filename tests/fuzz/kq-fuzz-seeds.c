/* kq-fuzz-seeds DIR: seed inputs for the fuzz targets that take binary input, made with the
 * same builders the unit tests check (vrrp_pkt_build, quorum_wire_encode), in DIR/vrrp,
 * DIR/quorum and DIR/ctl (tests/fuzz/regress.sh and tools/fuzz add the text inputs of the tree:
 * configs and keepalived.conf files). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/util.h"
#include "quorum/message.h"
#include "vrrp/packet.h"

static const char *seed_dir;
static int seed_bad;

static void seed_write(const char *target, const char *name, const uint8_t *a, size_t alen,
		       const uint8_t *b, size_t blen)
{
	char *dir = xasprintf("%s/%s", seed_dir, target), *path = xasprintf("%s/%s", dir, name);
	FILE *f;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		seed_bad = 1;
	f = fopen(path, "wb");
	if (!f || fwrite(a, 1, alen, f) != alen || (blen && fwrite(b, 1, blen, f) != blen) ||
	    fclose(f) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		seed_bad = 1;
	}
	free(dir);
	free(path);
}

static void seed_addr(struct conf_addr *a, int family, const char *s)
{
	a->family = family;
	if (inet_pton(family, s, &a->u) != 1)
		abort();
}

/* an advert as vrrp's target takes it: selector, TTL, source, destination, packet */
static void seed_vrrp(const char *name, unsigned version, int family, size_t n_addrs, unsigned auth)
{
	struct vrrp_advert a = {0};
	struct conf_addr src, dst;
	uint8_t pkt[VRRP_PKT_MAX + VRRP_AUTH_LEN], head[2 + 32];
	size_t alen = family == AF_INET6 ? 16 : 4, n;

	a.version = version;
	a.family = family;
	a.vrid = 51;
	a.priority = 100;
	a.interval_cs = version == 2 ? 100 : 25;
	a.auth_type = auth;
	if (auth)
		memcpy(a.auth, "secret\0\0", VRRP_AUTH_LEN);
	seed_addr(&src, family, family == AF_INET6 ? "fe80::1" : "10.77.0.1");
	seed_addr(&dst, family, family == AF_INET6 ? "ff02::12" : "224.0.0.18");
	a.n_addrs = n_addrs;
	for (size_t i = 0; i < n_addrs; i++) {
		char s[64];

		snprintf(s, sizeof(s), family == AF_INET6 ? "fd77::%zx" : "10.77.0.%zu", 100 + i);
		seed_addr(&a.addrs[i], family, s);
	}
	n = vrrp_pkt_build(&a, &src, &dst, pkt, sizeof(pkt));
	if (!n)
		abort();
	head[0] = family == AF_INET6 ? 1 : 0;
	head[1] = 255;
	memcpy(head + 2, &src.u, alen);
	memcpy(head + 2 + alen, &dst.u, alen);
	seed_write("vrrp", name, head, 2 + 2 * alen, pkt, n);
}

/* a datagram as quorum's target takes it: signed here (selector 1, without the MAC) and as
 * received (selector 0, with it) */
static void seed_quorum(const char *name, enum quorum_msg_type type, const char *target)
{
	static const uint8_t key[32] = "keepquorum fuzzing key, 32 bytes";
	struct quorum_wire m = {0};
	uint8_t buf[QUORUM_WIRE_MAX], sel;
	size_t n;
	char *file;

	snprintf(m.from, sizeof(m.from), "db1");
	snprintf(m.to, sizeof(m.to), "db2");
	snprintf(m.target, sizeof(m.target), "%s", target);
	m.seq = 7;
	m.b.type = type;
	m.b.term = 3;
	m.b.ref = 2;
	m.b.fit.healthy = true;
	m.b.fit.lsn_known = true;
	m.b.fit.priority = 100;
	m.b.fit.timeline = 1;
	m.b.fit.lsn = 0x3000060;
	m.b.granted = type == QUORUM_MSG_VOTE_RESP;
	n = quorum_wire_encode(&m, key, sizeof(key), buf, sizeof(buf));
	if (!n)
		abort();
	sel = 1;
	file = xasprintf("%s-signed", name);
	seed_write("quorum", file, &sel, 1, buf, n - QUORUM_MAC_LEN);
	free(file);
	sel = 0;
	seed_write("quorum", name, &sel, 1, buf, n);
}

int main(int argc, char **argv)
{
	static const char *const requests[] = {
		"{\"command\":\"status\"}\n", "{\"command\":\"switchover\",\"to\":\"db2\"}",
		"{\"command\":\"reload\"}\r\n", "{\"command\":\"pause\"}", "{\"command\":\"resume\"}",
		"{\"command\":\"metrics\"}", "{\"command\":\"switchover\"}",
		"{\"command\":\"status\",\"x\":1}"};

	if (argc != 2) {
		fprintf(stderr, "usage: kq-fuzz-seeds DIR\n");
		return 2;
	}
	seed_dir = argv[1];
	seed_vrrp("v2-ipv4", 2, AF_INET, 1, 0);
	seed_vrrp("v2-ipv4-pass", 2, AF_INET, 3, 1);
	seed_vrrp("v2-ipv4-none", 2, AF_INET, 0, 0);
	seed_vrrp("v3-ipv4", 3, AF_INET, 2, 0);
	seed_vrrp("v3-ipv6", 3, AF_INET6, 1, 0);
	seed_vrrp("v3-ipv6-many", 3, AF_INET6, 20, 0);
	seed_quorum("prevote-req", QUORUM_MSG_PREVOTE_REQ, "");
	seed_quorum("vote-resp", QUORUM_MSG_VOTE_RESP, "");
	seed_quorum("heartbeat", QUORUM_MSG_HEARTBEAT, "");
	seed_quorum("heartbeat-ack", QUORUM_MSG_HEARTBEAT_ACK, "");
	seed_quorum("transfer-req", QUORUM_MSG_TRANSFER_REQ, "db3");
	seed_quorum("transfer-resp", QUORUM_MSG_TRANSFER_RESP, "");
	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		char name[16];

		snprintf(name, sizeof(name), "request-%zu", i);
		seed_write("ctl", name, (const uint8_t *)requests[i], strlen(requests[i]), NULL, 0);
	}
	return seed_bad;
}
