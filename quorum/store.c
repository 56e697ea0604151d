/* The quorum's persistent state (store.h): one small text file, checksummed, replaced atomically.
 *
 * Raft's safety rests on it (Raft §5.2, DESIGN.md "The quorum"): a vote must be durable before
 * it is sent, and a term before a candidacy begins, or a node that crashes and restarts could
 * vote twice in one term and two leaders could hold the lease at once. Hence the strict reader:
 * anything it does not fully understand stops start-up instead of reading as "no vote". */
#include "quorum/store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"

#define STORE_MAGIC "keepquorum-quorum-state"
#define STORE_VERSION 1
#define STORE_TMP_FILE ".quorum.state.tmp"
/* A valid file is under 300 bytes; the cap keeps a wrong path (a log, a device) from being read
 * whole into memory at start. */
#define STORE_MAX 4096
/* What stands for "no vote in this term". A node cannot be named so: see store_name_ok(). */
#define STORE_NO_VOTE "-"
/* The checksum line: "crc32 " and 8 hex digits. */
#define STORE_CRC_LINE_LEN (6 + 8)

/* What the operator may do about a file that cannot be trusted. Removing it resets the term and
 * vote, which is safe only because a starting node counts its start as contact with a leader and
 * so votes for no one for one election timeout (DESIGN.md, the voter's rules). */
#define STORE_ADVICE \
	"it holds this node's term and vote: restore it, or, only if this node is certainly not " \
	"running elsewhere, remove it and start again (the node then waits one election timeout " \
	"before it votes)"

/* The body's keys, in the order the writer puts them. */
enum store_key { STORE_NODE, STORE_TERM, STORE_VOTED_FOR, STORE_EPOCH, STORE_KEY_END };
static const char *const store_keys[STORE_KEY_END] = {"node", "term", "voted_for", "epoch"};

/* Everything the reader's error messages need. */
struct store_reader {
	const char *path;
	const char *node;
	char *err;
	size_t err_len;
};

/* One line of the file, without its '\n'; `no` counts from 1. */
struct store_line {
	const char *p;
	size_t len;
	unsigned no;
};

__attribute__((format(printf, 4, 5)))
static int store_error(char *err, size_t err_len, int r, const char *fmt, ...)
{
	va_list ap;

	if (err && err_len) {
		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	return r;
}

/* "PATH: WHAT; ADVICE" for a file whose content cannot be trusted. */
__attribute__((format(printf, 2, 3)))
static int store_corrupt(const struct store_reader *rd, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return store_error(rd->err, rd->err_len, -EINVAL, "%s: %s; %s", rd->path, what, STORE_ADVICE);
}

/* CRC-32 as zlib and Ethernet compute it (IEEE 802.3, reflected, polynomial 0xedb88320). Bit by
 * bit: the file is a few hundred bytes and is read once a start and written once a vote. */
static uint32_t store_crc32(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint32_t crc = 0xffffffffu;

	while (len--) {
		crc ^= *p++;
		for (int bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

/* A node name as the file can hold it: 1 to QUORUM_ID_MAX printable ASCII bytes, no blanks (the
 * line is "key value"), and not the no-vote mark, which would read back as no vote at all. */
static bool store_name_ok(const char *s, size_t len)
{
	if (len == 0 || len > QUORUM_ID_MAX || (len == 1 && s[0] == STORE_NO_VOTE[0]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

/* A copy of a line fit for a log message: printable, and cut short. */
static const char *store_show(const struct store_line *l, char *buf, size_t size)
{
	size_t n = l->len < size - 4 ? l->len : size - 4;

	for (size_t i = 0; i < n; i++)
		buf[i] = l->p[i] >= ' ' && l->p[i] <= '~' ? l->p[i] : '?';
	strcpy(buf + n, n < l->len ? "..." : "");
	return buf;
}

/* The next line from *pos up to end. False at the end, or when the last line has no '\n' (a
 * truncated file: every line the writer writes ends in one). */
static bool store_next_line(const char **pos, const char *end, struct store_line *l)
{
	const char *nl = memchr(*pos, '\n', (size_t)(end - *pos));

	if (!nl)
		return false;
	l->p = *pos;
	l->len = (size_t)(nl - *pos);
	l->no++;
	*pos = nl + 1;
	return true;
}

/* Decimal, digits only, within 64 bits: a term must never wrap to a smaller one. */
static bool store_parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 20)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* The first line names the format and its version, checked before anything else: the version
 * says how the rest, checksum included, is to be read. */
static int store_check_header(const struct store_reader *rd, const char *buf, size_t len)
{
	const size_t mlen = strlen(STORE_MAGIC);
	struct store_line l = {0};
	const char *pos = buf;
	uint64_t version;
	char show[48];

	if (len == 0)
		return store_corrupt(rd, "empty (truncated)");
	if (!store_next_line(&pos, buf + len, &l))
		return store_corrupt(rd, "truncated (no complete line)");
	if (l.len <= mlen + 1 || memcmp(l.p, STORE_MAGIC " ", mlen + 1) != 0)
		return store_corrupt(rd, "not a keepquorum quorum state file (its first line is '%s')",
				     store_show(&l, show, sizeof(show)));
	if (!store_parse_u64(l.p + mlen + 1, l.len - mlen - 1, &version))
		return store_corrupt(rd, "bad format version in its first line '%s'",
				     store_show(&l, show, sizeof(show)));
	if (version != STORE_VERSION)
		return store_error(rd->err, rd->err_len, -EINVAL,
				   "%s: format version %" PRIu64 ", and this keepquorumd reads version "
				   "%d only; run the keepquorumd that wrote it, or restore the file",
				   rd->path, version, STORE_VERSION);
	return 0;
}

/* The last line is "crc32 XXXXXXXX\n", over every byte before it. A file cut short anywhere
 * lacks it; a file changed anywhere fails it. On success *body_len is where that line starts. */
static int store_check_crc(const struct store_reader *rd, const char *buf, size_t len,
			   size_t *body_len)
{
	/* the header check saw a complete first line, so a checksum line has a '\n' before it */
	const char *line = len >= STORE_CRC_LINE_LEN + 2 ? buf + len - (STORE_CRC_LINE_LEN + 1) : NULL;
	uint32_t want = 0;

	if (!line || buf[len - 1] != '\n' || line[-1] != '\n' || memcmp(line, "crc32 ", 6) != 0)
		return store_corrupt(rd, "truncated (it does not end with its checksum line)");
	for (int i = 6; i < STORE_CRC_LINE_LEN; i++) {
		char c = line[i];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') :
			     c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) : 16;

		if (d == 16)
			return store_corrupt(rd, "bad checksum line (not 8 lower-case hex digits)");
		want = want << 4 | d;
	}
	*body_len = (size_t)(line - buf);
	if (store_crc32(buf, *body_len) != want)
		return store_corrupt(rd, "corrupt (checksum mismatch)");
	return 0;
}

/* One "key value" line into its field of *st; `seen` catches duplicates. */
static int store_parse_line(const struct store_reader *rd, const struct store_line *l,
			    bool seen[STORE_KEY_END], struct quorum_store *st)
{
	const char *sp = memchr(l->p, ' ', l->len), *v;
	size_t klen = sp ? (size_t)(sp - l->p) : l->len, vlen;
	enum store_key k;
	char show[48];

	for (k = 0; k < STORE_KEY_END; k++)
		if (strlen(store_keys[k]) == klen && memcmp(l->p, store_keys[k], klen) == 0)
			break;
	if (!sp || k == STORE_KEY_END)
		return store_corrupt(rd, "unknown line %u '%s'", l->no, store_show(l, show, sizeof(show)));
	if (seen[k])
		return store_corrupt(rd, "duplicate '%s' line (line %u)", store_keys[k], l->no);
	seen[k] = true;
	v = sp + 1;
	vlen = l->len - klen - 1;
	switch (k) {
	case STORE_NODE:
		if (!store_name_ok(v, vlen))
			return store_corrupt(rd, "bad node name on line %u '%s'", l->no,
					     store_show(l, show, sizeof(show)));
		if (strlen(rd->node) != vlen || memcmp(v, rd->node, vlen) != 0)
			return store_error(rd->err, rd->err_len, -EINVAL,
					   "%s belongs to node '%.*s', not '%s'; is --state-dir shared?",
					   rd->path, (int)vlen, v, rd->node);
		return 0;
	case STORE_TERM:
	case STORE_EPOCH:
		if (!store_parse_u64(v, vlen, k == STORE_TERM ? &st->term : &st->epoch))
			return store_corrupt(rd, "bad number on line %u '%s'", l->no,
					     store_show(l, show, sizeof(show)));
		return 0;
	case STORE_VOTED_FOR:
		if (vlen == 1 && v[0] == STORE_NO_VOTE[0])
			return 0;
		if (!store_name_ok(v, vlen))
			return store_corrupt(rd, "bad node name on line %u '%s'", l->no,
					     store_show(l, show, sizeof(show)));
		memcpy(st->voted_for, v, vlen);
		return 0;
	case STORE_KEY_END:
		break;
	}
	util_die("store: key %d past the table", (int)k);
}

/* The lines between the header and the checksum: each key once, none missing, nothing else. */
static int store_parse_body(const struct store_reader *rd, const char *buf, size_t body_len,
			    struct quorum_store *st)
{
	bool seen[STORE_KEY_END] = {false};
	struct store_line l = {0};
	const char *pos = buf;
	int r;

	store_next_line(&pos, buf + body_len, &l); /* the header, already checked */
	while (store_next_line(&pos, buf + body_len, &l)) {
		r = store_parse_line(rd, &l, seen, st);
		if (r < 0)
			return r;
	}
	for (enum store_key k = 0; k < STORE_KEY_END; k++)
		if (!seen[k])
			return store_corrupt(rd, "its '%s' line is missing", store_keys[k]);
	return 0;
}

int quorum_store_load(const char *dir, const char *node, struct quorum_store *st, char *err,
		      size_t err_len)
{
	struct quorum_store got = {0};
	struct store_reader rd = {.node = node, .err = err, .err_len = err_len};
	char *path = xasprintf("%s/%s", dir, QUORUM_STORE_FILE), *buf = NULL;
	size_t len = 0, body_len = 0;
	int r;

	r = util_read_regular_file(path, STORE_MAX, &buf, &len);
	if (r == -ENOENT) {
		/* a first start: no term, no vote, and nothing of them could have been sent */
		memset(st, 0, sizeof(*st));
		r = 0;
		goto out_path;
	}
	if (r == -EFBIG) {
		r = store_error(err, err_len, -EINVAL, "%s: larger than 4 KiB, so not a quorum state "
				"file; %s", path, STORE_ADVICE);
		goto out_path;
	}
	if (r < 0) {
		r = store_error(err, err_len, r, "cannot read %s: %s; it holds this node's term and "
				"vote, and keepquorumd will not start without them", path,
				util_read_error(r));
		goto out_path;
	}
	rd.path = path;
	r = store_check_header(&rd, buf, len);
	if (r == 0)
		r = store_check_crc(&rd, buf, len, &body_len);
	if (r == 0)
		r = store_parse_body(&rd, buf, body_len, &got);
	if (r == 0)
		*st = got;
	free(buf);
out_path:
	free(path);
	return r;
}

/* The file's text, checksum line included. Returns its length, or 0 when a name cannot be
 * stored (it must read back as the same name, or a vote could be lost). */
static size_t store_format(const char *node, const struct quorum_store *st, char *buf,
			   size_t size)
{
	size_t vlen = strnlen(st->voted_for, sizeof(st->voted_for));
	int n;

	if (!store_name_ok(node, strlen(node)) || vlen == sizeof(st->voted_for) ||
	    (vlen && !store_name_ok(st->voted_for, vlen)))
		return 0;
	n = snprintf(buf, size, "%s %d\nnode %s\nterm %" PRIu64 "\nvoted_for %s\nepoch %" PRIu64 "\n",
		     STORE_MAGIC, STORE_VERSION, node, st->term, vlen ? st->voted_for : STORE_NO_VOTE,
		     st->epoch);
	if (n < 0 || (size_t)n + STORE_CRC_LINE_LEN + 1 >= size)
		return 0;
	n += snprintf(buf + n, size - (size_t)n, "crc32 %08" PRIx32 "\n", store_crc32(buf, (size_t)n));
	return (size_t)n;
}

/* write(2) until all of it is out: a regular file may take less than asked (a signal, a full
 * quota), and a silently short file would read back as truncated. */
static int store_write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* no progress and no error: do not spin */
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int store_fsync(int fd)
{
	while (fsync(fd) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* Write the temporary file and make its bytes durable, so that the rename that follows can only
 * ever expose a complete file. */
static int store_write_tmp(const char *tmp, const char *text, size_t len, char *err,
			   size_t err_len)
{
	const char *step;
	int fd, r;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		return store_error(err, err_len, r, "cannot create %s: %s", tmp, strerror(-r));
	}
	/* O_CREAT keeps the mode of a temporary file a crash left behind */
	step = "chmod";
	r = fchmod(fd, 0600) < 0 ? -errno : 0;
	if (r == 0) {
		step = "write";
		r = store_write_all(fd, text, len);
	}
	if (r == 0) {
		step = "fsync";
		r = store_fsync(fd);
	}
	/* close(2) is not retried on EINTR: Linux has released the descriptor by then, and the
	 * bytes were made durable by the fsync above */
	if (close(fd) < 0 && errno != EINTR && r == 0) {
		step = "close";
		r = -errno;
	}
	if (r < 0)
		return store_error(err, err_len, r, "cannot %s %s: %s", step, tmp, strerror(-r));
	return 0;
}

/* The rename is durable only once the directory is: until then a crash may bring back the old
 * file, and with it a vote not yet cast. */
static int store_sync_dir(const char *dir, char *err, size_t err_len)
{
	int fd, r;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		return store_error(err, err_len, r, "cannot open directory %s: %s", dir, strerror(-r));
	}
	r = store_fsync(fd);
	close(fd);
	if (r < 0)
		return store_error(err, err_len, r, "cannot fsync directory %s: %s", dir, strerror(-r));
	return 0;
}

int quorum_store_save(const char *dir, const char *node, const struct quorum_store *st,
		      char *err, size_t err_len)
{
	char text[512], *tmp, *path;
	size_t len = store_format(node, st, text, sizeof(text));
	int r;

	if (!len)
		return store_error(err, err_len, -EINVAL, "cannot store the quorum state of node "
				   "'%s' (vote for '%.*s'): a name must be 1 to %d printable "
				   "characters, without blanks, and not '%s'", node,
				   QUORUM_ID_MAX + 1, st->voted_for, QUORUM_ID_MAX, STORE_NO_VOTE);
	tmp = xasprintf("%s/%s", dir, STORE_TMP_FILE);
	path = xasprintf("%s/%s", dir, QUORUM_STORE_FILE);
	r = store_write_tmp(tmp, text, len, err, err_len);
	if (r < 0)
		goto out_tmp;
	if (rename(tmp, path) < 0) {
		r = -errno;
		store_error(err, err_len, r, "cannot rename %s to %s: %s", tmp, path, strerror(-r));
		goto out_tmp;
	}
	r = store_sync_dir(dir, err, err_len);
	goto out_paths;
out_tmp:
	unlink(tmp);
out_paths:
	free(path);
	free(tmp);
	return r;
}
