/* A validator of the Prometheus text exposition format 0.0.4 (promcheck.c says what it checks). */
#pragma once

#include <stddef.h>

/* NULL when text is a valid exposition, else why (filled with "line N: reason"). */
const char *promcheck(const char *text, char *why, size_t why_len);
