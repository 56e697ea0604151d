/* A main() for a fuzz target without libFuzzer: each argument, a file or a directory of files,
 * is read and given to LLVMFuzzerTestOneInput once. Exit 0 when every input ran (a bug aborts). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/util.h"
#include "tests/fuzz/fuzz.h"

static int run_file(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	int r = util_read_file(path, 16u << 20, &buf, &len);

	if (r < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(-r));
		return -1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned runs = 0;
	int bad = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *e;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			bad = 1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			bad |= run_file(argv[i]) < 0;
			runs++;
			continue;
		}
		d = opendir(argv[i]);
		if (!d) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			bad = 1;
			continue;
		}
		while ((e = readdir(d))) {
			char *p;

			if (e->d_name[0] == '.')
				continue;
			p = xasprintf("%s/%s", argv[i], e->d_name);
			bad |= run_file(p) < 0;
			runs++;
			free(p);
		}
		closedir(d);
	}
	printf("%s: %u inputs\n", argv[0], runs);
	return bad;
}
