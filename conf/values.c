/* Pure parsers for the values of keepquorum.ini. Each returns NULL on success or a short reason
 * that the caller puts after "FILE:LINE: section 'S', key 'K': ". */
#include "conf/conf-int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"

const char *val_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return NULL;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return NULL;
		}
	}
	return "not a boolean (use yes or no)";
}

const char *val_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end || isspace((unsigned char)*s))
		return "not a whole number";
	if (errno == ERANGE || v < min || v > max)
		return "out of range";
	*out = v;
	return NULL;
}

const char *val_seconds(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || isspace((unsigned char)*s) || !isfinite(v))
		return "not a number of seconds";
	if (errno == ERANGE || v < min || v > max)
		return "out of range";
	*out = v;
	return NULL;
}

const char *val_bytes(const char *s, uint64_t *out)
{
	static const struct {
		const char *unit;
		uint64_t mult;
	} units[] = {{"", 1}, {"B", 1}, {"kB", 1ULL << 10}, {"MB", 1ULL << 20},
		     {"GB", 1ULL << 30}, {"TB", 1ULL << 40}};
	unsigned long long v;
	char *end;

	errno = 0;
	if (!isdigit((unsigned char)*s))
		return "not a size (a whole number with an optional unit B, kB, MB, GB or TB)";
	v = strtoull(s, &end, 10);
	while (*end == ' ')
		end++;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcasecmp(end, units[i].unit) == 0) {
			if (errno == ERANGE || v > UINT64_MAX / units[i].mult)
				return "out of range";
			*out = v * units[i].mult;
			return NULL;
		}
	}
	return "not a size (a whole number with an optional unit B, kB, MB, GB or TB)";
}

int conf_addr_parse(const char *s, struct conf_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->u.v4) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a->u.v6) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

const char *conf_addr_str(const struct conf_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family, &a->u, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

bool conf_addr_eq(const struct conf_addr *a, const struct conf_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->u.v4.s_addr == b->u.v4.s_addr;
	return memcmp(&a->u.v6, &b->u.v6, sizeof(a->u.v6)) == 0;
}

const char *conf_sockaddr_str(const struct conf_sockaddr *a, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	conf_addr_str(&a->addr, host, sizeof(host));
	snprintf(buf, len, a->addr.family == AF_INET6 ? "[%s]:%u" : "%s:%u", host, a->port);
	return buf;
}

bool conf_sockaddr_eq(const struct conf_sockaddr *a, const struct conf_sockaddr *b)
{
	return a->port == b->port && conf_addr_eq(&a->addr, &b->addr);
}

const char *val_sockaddr(const char *s, struct conf_sockaddr *out)
{
	const char *colon, *host_start = s, *host_end;
	char host[INET6_ADDRSTRLEN + 1];
	long port;

	if (*s == '[') {
		host_start = s + 1;
		host_end = strchr(s, ']');
		if (!host_end || host_end[1] != ':')
			return "not ADDRESS:PORT (write IPv6 as [ADDRESS]:PORT)";
		colon = host_end + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || strchr(s, ':') != colon)
			return "not ADDRESS:PORT (write IPv6 as [ADDRESS]:PORT)";
		host_end = colon;
	}
	if ((size_t)(host_end - host_start) >= sizeof(host))
		return "not an IP address";
	memcpy(host, host_start, (size_t)(host_end - host_start));
	host[host_end - host_start] = '\0';
	if (conf_addr_parse(host, &out->addr) < 0)
		return "not an IP address";
	if (val_long(colon + 1, 1, 65535, &port))
		return "port is not a number from 1 to 65535";
	out->port = (uint16_t)port;
	return NULL;
}

/* metrics_listen: a port alone listens on loopback only, so that an endpoint anyone on the network
 * can reach is always written out. */
const char *val_listen(const char *s, struct conf_sockaddr *out)
{
	const char *why;
	long port;

	if (*s && strspn(s, "0123456789") == strlen(s)) {
		if (val_long(s, 1, 65535, &port))
			return "not a port from 1 to 65535";
		conf_addr_parse("127.0.0.1", &out->addr);
		out->port = (uint16_t)port;
		return NULL;
	}
	why = val_sockaddr(s, out);
	if (!why || !strcmp(why, "not an IP address"))
		return why;
	if (!strncmp(why, "port", 4))
		return "not ADDRESS:PORT with a port from 1 to 65535";
	return "not PORT, ADDRESS:PORT or [IPV6-ADDRESS]:PORT";
}

const char *val_prefix(const char *s, struct conf_addr *addr, unsigned *prefix, bool *has_prefix)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	long p;

	if (n >= sizeof(host))
		return "not an IP address";
	memcpy(host, s, n);
	host[n] = '\0';
	if (conf_addr_parse(host, addr) < 0)
		return "not an IP address";
	*has_prefix = slash != NULL;
	*prefix = addr->family == AF_INET ? 32 : 128;
	if (slash) {
		if (val_long(slash + 1, 0, addr->family == AF_INET ? 32 : 128, &p))
			return addr->family == AF_INET ? "not ADDRESS/PREFIX with a prefix of 0 to 32"
						       : "not ADDRESS/PREFIX with a prefix of 0 to 128";
		*prefix = (unsigned)p;
	}
	return NULL;
}

static void val_push(char ***v, size_t *n, size_t *cap, char *w)
{
	*v = xgrow(*v, cap, *n + 2, sizeof(**v));
	(*v)[(*n)++] = w;
	(*v)[*n] = NULL;
}

const char *val_words(const char *s, char ***argv, size_t *argc)
{
	char **v = NULL, *w = xmalloc(strlen(s) + 1);
	size_t n = 0, cap = 0, wl = 0;
	bool in_word = false;
	char quote = 0;

	for (const char *p = s;; p++) {
		char ch = *p;

		if (!ch || (!quote && isspace((unsigned char)ch))) {
			if (in_word) {
				w[wl] = '\0';
				val_push(&v, &n, &cap, xstrdup(w));
			}
			in_word = false;
			wl = 0;
			if (!ch)
				break;
			continue;
		}
		in_word = true;
		if (quote && ch == quote) {
			quote = 0;
		} else if (!quote && (ch == '"' || ch == '\'')) {
			quote = ch;
		} else if (ch == '\\' && quote != '\'' && p[1]) {
			w[wl++] = *++p;
		} else {
			w[wl++] = ch;
		}
		if (!p[1] && quote)
			break;
	}
	free(w);
	if (quote) {
		val_strv_free(v);
		return quote == '"' ? "unterminated \" quote" : "unterminated ' quote";
	}
	if (!n) {
		val_strv_free(v);
		return "empty command";
	}
	*argv = v;
	*argc = n;
	return NULL;
}

char **val_list(const char *s, size_t *n)
{
	char **v = NULL;
	size_t cap = 0;

	*n = 0;
	while (*s) {
		size_t len = strcspn(s, ", \t");

		if (len)
			val_push(&v, n, &cap, xstrndup(s, len));
		s += len;
		if (*s)
			s++;
	}
	return v;
}

void val_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

bool val_node_name_ok(const char *s)
{
	size_t n = strlen(s);

	/* what travels in quorum datagrams (quorum/message.c), and never "-", which the state
	 * file writes for "no vote" */
	if (n == 0 || n > 63 || s[0] == '-')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._:-", *s))
			return false;
	return true;
}

bool val_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63)
		return false;
	for (; *s; s++)
		if (!isgraph((unsigned char)*s) || *s == '"' || *s == '\'' || *s == '\\')
			return false;
	return true;
}
