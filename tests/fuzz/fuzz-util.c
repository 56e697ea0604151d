/* What the fuzz targets share (fuzz.h). */
#include "tests/fuzz/fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static int fuzz_fd = -1;
static char fuzz_path[64];

const char *fuzz_file(const uint8_t *data, size_t size)
{
	size_t off = 0;

	fuzz_file_close();
	fuzz_fd = memfd_create("fuzz-input", MFD_CLOEXEC);
	if (fuzz_fd < 0)
		return NULL;
	while (off < size) {
		ssize_t n = write(fuzz_fd, data + off, size - off);

		if (n <= 0) {
			fuzz_file_close();
			return NULL;
		}
		off += (size_t)n;
	}
	snprintf(fuzz_path, sizeof(fuzz_path), "/proc/self/fd/%d", fuzz_fd);
	return fuzz_path;
}

void fuzz_file_close(void)
{
	if (fuzz_fd >= 0)
		close(fuzz_fd);
	fuzz_fd = -1;
}

void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
	abort();
}
