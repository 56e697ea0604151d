/* The Prometheus metrics of SPEC.md ("Metrics (Prometheus)"), in the text exposition format
 * 0.0.4, for keepquorumctl metrics (and the metrics_listen endpoint, which serves the same text). */
#pragma once

#include <json-c/json.h>

/* The content type a scrape endpoint answers with. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Pure: the exposition of a status object as status_build() makes it (SPEC.md's status plus the
 * counters status carries). Returns malloc'd text, every line ending in a newline. */
char *metrics_render(json_object *status);

struct daemon;
/* The daemon's metrics now: its status object, rendered. */
char *metrics_text(const struct daemon *d);
