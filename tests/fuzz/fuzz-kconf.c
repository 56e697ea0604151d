/* The keepalived.conf reader and the converter (tools/k2i/): the input is a keepalived.conf, read
 * with config id "db1" (for its @ lines) and converted. Invariants: what is read converts; every
 * problem and every dropped statement has a file and a text. */
#include <stdio.h>

#include "tests/fuzz/fuzz.h"
#include "tools/k2i/convert.h"
#include "tools/k2i/kconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kconf_tree t = {0};
	struct kconf_errors errs = {0};
	struct k2i_result res;
	const char *path = fuzz_file(data, size);

	if (!path)
		return 0;
	if (kconf_read(path, "db1", &t, &errs) < 0)
		FUZZ_ASSERT(errs.n > 0);
	for (size_t i = 0; i < errs.n; i++)
		FUZZ_ASSERT(errs.v[i].file && errs.v[i].what);
	k2i_convert(&t, path, &res);
	FUZZ_ASSERT(res.ini != NULL);
	for (size_t i = 0; i < res.dropped.n; i++)
		FUZZ_ASSERT(res.dropped.v[i].file && res.dropped.v[i].what);
	k2i_result_free(&res);
	kconf_tree_free(&t);
	kconf_errors_free(&errs);
	fuzz_file_close();
	return 0;
}
