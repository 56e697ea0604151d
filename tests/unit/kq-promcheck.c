/* kq-promcheck: the exposition-format validator of promcheck.c on stdin, for the shell tests
 * (tests/netns/metrics-http.sh checks what the HTTP endpoint serves with it). Exit 0 and nothing
 * printed when the text is a valid exposition; 1 and "kq-promcheck: line N: reason" when not; 2
 * when stdin cannot be read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/promcheck.h"

#define KQ_PROMCHECK_MAX (16u << 20)

int main(int argc, char **argv)
{
	size_t len = 0, cap = 4096, n;
	char *text = malloc(cap), why[200];
	const char *bad;

	if (argc > 1) {
		fprintf(stderr, "usage: kq-promcheck < EXPOSITION\n");
		return 2;
	}
	while (text && (n = fread(text + len, 1, cap - len - 1, stdin)) > 0) {
		len += n;
		if (len + 1 == cap) {
			if (cap >= KQ_PROMCHECK_MAX) {
				fprintf(stderr, "kq-promcheck: more than %u bytes on stdin\n",
					KQ_PROMCHECK_MAX);
				return 2;
			}
			cap *= 2;
			text = realloc(text, cap);
		}
	}
	if (!text || ferror(stdin)) {
		fprintf(stderr, "kq-promcheck: cannot read stdin\n");
		return 2;
	}
	text[len] = '\0';
	if (strlen(text) != len) {
		fprintf(stderr, "kq-promcheck: a NUL byte in the text\n");
		free(text);
		return 1;
	}
	bad = promcheck(text, why, sizeof(why));
	free(text);
	if (bad) {
		fprintf(stderr, "kq-promcheck: %s\n", bad);
		return 1;
	}
	return 0;
}
