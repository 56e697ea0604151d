/* The control socket's request parser (daemon/ctl-request.c). Invariants: a request is accepted
 * or refused with a reason; an accepted one names a command, and its "to" is a terminated name. */
#include <string.h>

#include "daemon/ctl.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_request req;
	const char *why = NULL;

	if (ctl_request_parse((const char *)data, size, &req, &why) < 0) {
		FUZZ_ASSERT(why && *why);
		return 0;
	}
	FUZZ_ASSERT(ctl_command_name(req.command) != NULL);
	FUZZ_ASSERT(memchr(req.to, '\0', sizeof(req.to)) != NULL);
	return 0;
}
