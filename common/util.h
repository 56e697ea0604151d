/* Small helpers every module uses. Allocation failure aborts: a daemon that cannot allocate a
 * few bytes cannot keep any promise, and carrying NULL checks everywhere hides real errors. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A NULL-terminated copy of n strings (the argv of a child), with `room` NULL slots more. */
char **util_strv_dup(char *const *v, size_t n, size_t room);
/* Frees each string and the array; NULL is fine. */
void util_strv_free(char **v);
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Grow an array of elements of size `size` so that index `need` fits; *cap is updated. */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);
#define XGROW(arr, n, cap) ((arr) = xgrow((arr), &(cap), (n) + 1, sizeof(*(arr))))
/* Append one zeroed element to an array of n and return it; n is incremented. The array must
 * have been grown by XAPPEND alone (from NULL and 0; n may be lowered between appends): it is
 * reallocated only when n is 0 or a power of two, to twice that, so n appends cost O(n) copying,
 * not O(n^2) (a realloc in place is not to be counted on: AddressSanitizer's never is). */
void *xappend(void *p, size_t n, size_t size);
#define XAPPEND(arr, n) ((arr) = xappend((arr), (n), sizeof(*(arr))), &(arr)[(n)++])

/* Read a whole file into a NUL-terminated buffer, at most `max` bytes. Returns 0 or -errno
 * (-EFBIG when larger than max). *len excludes the NUL. */
int util_read_file(const char *path, size_t max, char **out, size_t *len);
/* The same, of a regular file only: -EISDIR for a directory, -EINVAL for anything else that is
 * not a regular file (a FIFO, whose open and read would wait for a writer; a device, which may
 * never end). What the daemon reads: its config, the quorum's secret and state. */
int util_read_regular_file(const char *path, size_t max, char **out, size_t *len);
/* util_read_regular_file's error as words: "not a regular file" for -EINVAL, else strerror. */
const char *util_read_error(int r);

/* A log line that may repeat at most once per interval (a flood costs a counter, not the log). */
struct util_ratelimit {
	unsigned long long last;   /* when it last let a line through */
	bool fired;                /* it ever did */
};
/* The usual interval: once a minute. */
#define UTIL_LOG_EVERY_USEC (60ULL * 1000000ULL)
/* true (and remembered) when the line may go out at `now` (microseconds, any clock). */
bool util_ratelimit(struct util_ratelimit *r, unsigned long long now, unsigned long long every);

/* Monotonic clock in microseconds. */
unsigned long long util_now_usec(void);

__attribute__((noreturn, format(printf, 1, 2))) void util_die(const char *fmt, ...);
