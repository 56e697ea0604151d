/* The pid file: written and locked at start, so a second daemon with the same pid file refuses
 * to start instead of overwriting it; removed on a clean stop. */
#include "daemon/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int pidfile_write(const char *path, int *fd_out)
{
	char buf[32];
	int fd, n, r;

	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EADDRINUSE : -errno;
		close(fd);
		return r;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || write(fd, buf, (size_t)n) != n) {
		r = -errno;
		close(fd);
		unlink(path);
		return r;
	}
	*fd_out = fd;
	return 0;
}

void pidfile_remove(const char *path, int fd)
{
	if (!path || fd < 0)
		return;
	unlink(path);
	close(fd);
}
