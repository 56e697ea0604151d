/* The ini loader and validator (conf/): the input is a keepquorum.ini. Invariants: the file is
 * taken (a config) or refused with at least one problem, each of which formats to a line. */
#include <stdio.h>

#include "conf/conf.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_diags diags = {0};
	struct conf *c = NULL;
	const char *path = fuzz_file(data, size);
	int r;

	if (!path)
		return 0;
	r = conf_load(path, &c, &diags);
	FUZZ_ASSERT((r == 0) == (c != NULL));
	FUZZ_ASSERT(r == 0 || diags.n > 0);
	for (size_t i = 0; i < diags.n; i++) {
		char line[1024];

		FUZZ_ASSERT(conf_diag_format(&diags.v[i], line, sizeof(line)) != NULL);
	}
	conf_free(c);
	conf_diags_free(&diags);
	fuzz_file_close();
	return 0;
}
