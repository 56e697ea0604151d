#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void util_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("keepquorum: fatal: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		util_die("out of memory (%zu bytes)", n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		util_die("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		util_die("out of memory (%zu bytes)", n);
	return q;
}

char *xstrdup(const char *s)
{
	return s ? xstrndup(s, strlen(s)) : NULL;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *p;

	if (vasprintf(&p, fmt, ap) < 0)
		util_die("out of memory formatting '%s'", fmt);
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

void *xappend(void *p, size_t n, size_t size)
{
	/* the capacity is implied: 1 up to n = 1, then the next power of two above n */
	if (n == 0 || (n & (n - 1)) == 0) {
		if (n > SIZE_MAX / 2 / size)
			abort();
		p = xrealloc(p, (n ? 2 * n : 1) * size);
	}
	memset((char *)p + n * size, 0, size);
	return p;
}

void *xgrow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 4;

	if (need <= *cap)
		return p;
	while (ncap < need)
		ncap *= 2;
	p = xrealloc(p, ncap * size);
	memset((char *)p + *cap * size, 0, (ncap - *cap) * size);
	*cap = ncap;
	return p;
}

static int util_read_fd(int fd, size_t max, char **out, size_t *len)
{
	size_t used = 0, cap = 4096;
	char *buf;
	int r = 0;

	buf = xmalloc(cap + 1);
	for (;;) {
		ssize_t n;

		if (used == cap) {
			/* room for one byte past max, to tell "exactly max" from "larger" */
			if (cap > max) {
				r = -EFBIG;
				goto out_free;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			buf = xrealloc(buf, cap + 1);
		}
		n = read(fd, buf + used, cap - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out_free;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (used > max) {
		r = -EFBIG;
		goto out_free;
	}
	buf[used] = '\0';
	*out = buf;
	if (len)
		*len = used;
	return 0;
out_free:
	free(buf);
	return r;
}

int util_read_file(const char *path, size_t max, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), r;

	if (fd < 0)
		return -errno;
	r = util_read_fd(fd, max, out, len);
	close(fd);
	return r;
}

int util_read_regular_file(const char *path, size_t max, char **out, size_t *len)
{
	/* O_NONBLOCK: the open of a FIFO would wait for a writer */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), r;
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode))
		r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	else if (fcntl(fd, F_SETFL, 0) < 0)
		r = -errno;
	else
		r = util_read_fd(fd, max, out, len);
	close(fd);
	return r;
}

const char *util_read_error(int r)
{
	return r == -EINVAL ? "not a regular file" : strerror(-r);
}

unsigned long long util_now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000;
}

char **util_strv_dup(char *const *v, size_t n, size_t room)
{
	char **c = xcalloc(n + room + 1, sizeof(*c));

	for (size_t i = 0; i < n; i++)
		c[i] = xstrdup(v[i]);
	return c;
}

void util_strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

bool util_ratelimit(struct util_ratelimit *r, unsigned long long now, unsigned long long every)
{
	if (r->fired && now - r->last < every)
		return false;
	r->fired = true;
	r->last = now;
	return true;
}
