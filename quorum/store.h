/* The quorum's persistent state: the current term, the vote cast in it, and the boot epoch that
 * keeps sequence numbers increasing across restarts. DESIGN.md: written before a vote is granted
 * or a candidacy begins, so a node that crashes and restarts can never vote twice in one term.
 *
 * One small text file, STATE_DIR/quorum.state, replaced atomically: written to a temporary file
 * in the same directory, fsync'd, renamed over the old one, and the directory fsync'd. It names
 * the node it belongs to and carries a checksum; a file that is corrupt, truncated, belongs to
 * another node or cannot be read stops start-up with an error that says which and what to do
 * (never silently reset: a reset term or vote could let this node vote twice). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "quorum/message.h"

#define QUORUM_STORE_FILE "quorum.state"

struct quorum_store {
	uint64_t term;
	char voted_for[QUORUM_ID_MAX + 1]; /* "" : no vote in this term */
	uint64_t epoch;                    /* bumped at every start; the high half of seq numbers */
};

/* Read DIR/quorum.state of node `node`. A missing file is a first start: *st is zeroed and 0
 * returned. Otherwise 0, or -errno / -EINVAL with a sentence in err (path, what is wrong, and
 * what the operator can do about it). */
int quorum_store_load(const char *dir, const char *node, struct quorum_store *st, char *err,
		      size_t err_len);
/* Write it durably (see above). Returns 0, or -errno with a sentence in err. */
int quorum_store_save(const char *dir, const char *node, const struct quorum_store *st,
		      char *err, size_t err_len);
