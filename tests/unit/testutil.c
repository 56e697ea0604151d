#include "tests/unit/testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"

static char tu_path[64];

static void tu_cleanup(void)
{
	char *cmd;

	if (!tu_path[0] || getenv("KQ_KEEP"))
		return;
	cmd = xasprintf("rm -rf '%s'", tu_path);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tu_path);
	free(cmd);
}

const char *tu_dir(void)
{
	if (!tu_path[0]) {
		strcpy(tu_path, "/tmp/kq-unit-XXXXXX");
		if (!mkdtemp(tu_path))
			util_die("mkdtemp");
		/* a root-owned 0700 dir keeps the script-security walk of its children meaningful */
		chmod(tu_path, 0755);
		atexit(tu_cleanup);
	}
	return tu_path;
}

char *tu_write_bytes(const char *name, const void *data, size_t len, unsigned mode)
{
	char *path = xasprintf("%s/%s", tu_dir(), name);
	FILE *f = fopen(path, "w");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		util_die("cannot write %s", path);
	chmod(path, mode);
	return path;
}

char *tu_write(const char *name, const char *text, unsigned mode)
{
	return tu_write_bytes(name, text, strlen(text), mode);
}

int tu_load(const char *text, struct conf **c, struct conf_diags *d)
{
	char *path = tu_write("test.ini", text, 0644);
	int r = conf_load(path, c, d);

	free(path);
	return r;
}

char *tu_diags(const struct conf_diags *d)
{
	char *s = xstrdup(""), *t, buf[1024];

	for (size_t i = 0; i < d->n; i++) {
		t = xasprintf("%s%s\n", s, conf_diag_format(&d->v[i], buf, sizeof(buf)));
		free(s);
		s = t;
	}
	return s;
}

int tu_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

int tu_group_alive(pid_t pgid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d))) {
		char path[300], buf[1024], *p, state;
		int ppid, pgrp;
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		if (p && sscanf(p + 1, " %c %d %d", &state, &ppid, &pgrp) == 3 && pgrp == pgid &&
		    state != 'Z' && state != 'X')
			n++;
	}
	closedir(d);
	return n;
}

/* SIGKILL is delivered at once but acted on when the target runs: allow it a moment. */
void tu_assert_group_gone(pid_t pgid)
{
	uint64_t end = util_now_usec() + 3000000ULL;

	while (tu_group_alive(pgid) && util_now_usec() < end)
		usleep(20000);
	ck_assert_msg(tu_group_alive(pgid) == 0, "process group %d still has live members", (int)pgid);
}

size_t tu_unhex(const char *hex, uint8_t *buf, size_t cap)
{
	size_t n = strlen(hex) / 2;

	ck_assert_uint_le(n, cap);
	for (size_t i = 0; i < n; i++) {
		unsigned b;

		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &b), 1);
		buf[i] = (uint8_t)b;
	}
	return n;
}
