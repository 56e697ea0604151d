/* Checks of the files a config names: scripts (present, executable, and under
 * enable_script_security not replaceable by anyone but root) and the quorum's secret. */
#include "conf/conf-int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"

/* The shortest secret accepted: HMAC-SHA256 with a key of fewer than 16 bytes is guessable. */
#define FILES_SECRET_MIN 16

/* Could a non-root user replace what this path names? (keepalived's script security rule) A
 * sticky directory such as /tmp is safe for the root-owned entries in it: no one else may rename
 * or remove them. */
static bool files_unsafe(const struct stat *st)
{
	bool sticky = S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX);

	return st->st_uid != 0 || ((st->st_mode & S_IWOTH) && !sticky) ||
	       ((st->st_mode & S_IWGRP) && st->st_gid != 0 && !sticky);
}

static const char *files_check_tree(const char *real, char *buf, size_t len)
{
	char *path = xstrdup(real), *slash;
	const char *why = NULL;
	struct stat st;

	for (;;) {
		if (stat(path[0] ? path : "/", &st) == 0 && files_unsafe(&st)) {
			snprintf(buf, len, "'%s' is writable by a non-root user (owner uid %u, mode %04o), "
				 "and enable_script_security is on while the script runs as root",
				 path[0] ? path : "/", (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
			why = buf;
			break;
		}
		if (!path[0])
			break;
		slash = strrchr(path, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
	free(path);
	return why;
}

const char *files_check_script(const struct conf_cmd *cmd, bool security, bool runs_as_root,
			       char *buf, size_t len)
{
	const char *prog = cmd->argv[0];
	char real[PATH_MAX];
	struct stat st;

	if (stat(prog, &st) < 0) {
		snprintf(buf, len, "'%s': %s", prog, strerror(errno));
		return buf;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(buf, len, "'%s' is not a regular file", prog);
		return buf;
	}
	if (!(st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH))) {
		snprintf(buf, len, "'%s' is not executable", prog);
		return buf;
	}
	if (!security || !runs_as_root)
		return NULL;
	if (!realpath(prog, real)) {
		snprintf(buf, len, "'%s': %s", prog, strerror(errno));
		return buf;
	}
	return files_check_tree(real, buf, len);
}

const char *files_check_secret(const char *path, char *buf, size_t len)
{
	struct stat st;
	size_t n = 0;
	char *data;
	int r;

	if (stat(path, &st) < 0) {
		snprintf(buf, len, "'%s': %s", path, strerror(errno));
		return buf;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(buf, len, "'%s' is not a regular file", path);
		return buf;
	}
	if (st.st_mode & (S_IROTH | S_IWOTH)) {
		snprintf(buf, len, "'%s' is accessible by every user (mode %04o); the cluster key must "
			 "not be: chmod 0600 it", path, (unsigned)(st.st_mode & 07777));
		return buf;
	}
	r = util_read_regular_file(path, 65536, &data, &n);
	if (r < 0) {
		snprintf(buf, len, "cannot read '%s': %s", path,
			 r == -EFBIG ? "larger than 64 KiB" : util_read_error(r));
		return buf;
	}
	free(data);
	if (n < FILES_SECRET_MIN) {
		snprintf(buf, len, "'%s' holds %zu bytes; a key needs at least %d (e.g. "
			 "head -c 32 /dev/urandom | base64 > FILE)", path, n, FILES_SECRET_MIN);
		return buf;
	}
	return NULL;
}
