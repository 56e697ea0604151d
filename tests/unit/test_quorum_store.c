/* quorum/store.c: the term and vote survive a save and a load exactly; a file that is corrupt,
 * truncated, oversized, another node's or unreadable stops the load with -EINVAL or -errno and a
 * sentence naming the path, what is wrong and what to do; a failed save says which step failed
 * and leaves no temporary file. */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/util.h"
#include "quorum/store.h"
#include "tests/unit/testutil.h"

#define STATE_PATH(dir) xasprintf("%s/" QUORUM_STORE_FILE, dir)
/* Who the permission tests run as when the suite runs as root (root reads and writes anyway). */
#define NOBODY 65534

/* An independent CRC-32 (IEEE, table-driven where the store computes bit by bit): the oracle
 * that checks the store writes the standard checksum, and seals hand-made files. */
static uint32_t oracle_crc32(const char *s, size_t len)
{
	static uint32_t table[256];
	uint32_t crc = 0xffffffffu;

	if (!table[1])
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	for (size_t i = 0; i < len; i++)
		crc = table[(crc ^ (unsigned char)s[i]) & 0xff] ^ (crc >> 8);
	return crc ^ 0xffffffffu;
}

/* A fresh directory of its own for each test, below the suite's temp dir. */
static char *fresh_dir(const char *name)
{
	char *dir = xasprintf("%s/%s", tu_dir(), name);

	ck_assert_int_eq(mkdir(dir, 0755), 0);
	return dir;
}

/* `body` with the checksum line it needs: well sealed, so that only what is under test is wrong. */
static char *sealed(const char *body)
{
	return xasprintf("%scrc32 %08" PRIx32 "\n", body, oracle_crc32(body, strlen(body)));
}

static void put(const char *dir, const char *text, size_t len)
{
	char *name = xasprintf("%s/" QUORUM_STORE_FILE, dir + strlen(tu_dir()) + 1);

	free(tu_write_bytes(name, text, len, 0600));
	free(name);
}

static char *slurp(const char *dir)
{
	char *path = STATE_PATH(dir), *text = NULL;

	ck_assert_int_eq(util_read_file(path, 65536, &text, NULL), 0);
	free(path);
	return text;
}

/* Loads `text` as node db1 and checks the error: -EINVAL, the path, and each of `words`. */
static void expect_bad(const char *dir, const char *text, size_t len, const char *const *words)
{
	struct quorum_store st = {.term = 99};
	char err[1024] = "", *path = STATE_PATH(dir);

	put(dir, text, len);
	ck_assert_int_eq(quorum_store_load(dir, "db1", &st, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, path), "no path in '%s'", err);
	for (; *words; words++)
		ck_assert_msg(strstr(err, *words), "'%s' not in '%s'", *words, err);
	ck_assert_msg(st.term == 99, "a failed load changed the state");
	free(path);
}

static void save_ok(const char *dir, const char *node, uint64_t term, const char *vote,
		    uint64_t epoch)
{
	struct quorum_store st = {.term = term, .epoch = epoch};
	char err[512] = "";

	snprintf(st.voted_for, sizeof(st.voted_for), "%s", vote);
	ck_assert_msg(quorum_store_save(dir, node, &st, err, sizeof(err)) == 0, "save: %s", err);
}

/* A save that must fail at `step` on the temporary file with `want`, and leave none behind.
 * Returns the number of the check that failed, or 0: it may run in a child (in_child). */
static int save_fails(const char *dir, int want, const char *step)
{
	char err[256] = "", *tmp = xasprintf("%s/.quorum.state.tmp", dir);
	char *sentence = xasprintf("cannot %s %s: %s", step, tmp, strerror(-want));
	struct quorum_store st = {.term = 8, .voted_for = "db3"};
	int bad = 0;

	if (quorum_store_save(dir, "db1", &st, err, sizeof(err)) != want)
		bad = 1;
	else if (strcmp(err, sentence) != 0)
		bad = 2;
	else if (access(tmp, F_OK) == 0)
		bad = 3;
	free(sentence);
	free(tmp);
	return bad;
}

/* Loads DIR as node db1 and checks what it holds. */
static void assert_state(const char *dir, uint64_t term, const char *vote, uint64_t epoch)
{
	struct quorum_store st;
	char err[256] = "";

	memset(&st, 0x5a, sizeof(st)); /* a load must set every field */
	ck_assert_msg(quorum_store_load(dir, "db1", &st, err, sizeof(err)) == 0, "load: %s", err);
	ck_assert_uint_eq(st.term, term);
	ck_assert_str_eq(st.voted_for, vote);
	ck_assert_uint_eq(st.epoch, epoch);
}

START_TEST(test_missing_is_first_start)
{
	char *dir = fresh_dir("missing");

	assert_state(dir, 0, "", 0);
	free(dir);
}
END_TEST

static const struct quorum_store round_trips[] = {
	{.term = 0, .voted_for = "", .epoch = 0},
	{.term = 7, .voted_for = "db2", .epoch = 12},
	{.term = 7, .voted_for = "", .epoch = 13},
	{.term = (1ULL << 63) - 1, .voted_for = "db1", .epoch = 1ULL << 40},
	{.term = (1ULL << 63) + 5, .voted_for = "w.itness-3_x", .epoch = 1},
	{.term = UINT64_MAX, .epoch = UINT64_MAX,
	 .voted_for = "n234567890123456789012345678901234567890123456789012345678901234"},
};

START_TEST(test_round_trip)
{
	const struct quorum_store *want = &round_trips[_i];
	char err[256] = "", *name = xasprintf("rt%d", _i), *dir = fresh_dir(name);

	ck_assert_int_eq(quorum_store_save(dir, "db1", want, err, sizeof(err)), 0);
	assert_state(dir, want->term, want->voted_for, want->epoch);
	free(dir);
	free(name);
}
END_TEST

/* The text is as documented, the checksum is the standard CRC-32, the mode is 0600, and the
 * temporary file is gone. */
START_TEST(test_file_format)
{
	char *dir = fresh_dir("format"), *path = STATE_PATH(dir), *tmp, *text, *crc;
	struct stat st;

	ck_assert_uint_eq(oracle_crc32("123456789", 9), 0xcbf43926u); /* the check value */
	save_ok(dir, "db1", 7, "db2", 12);
	text = slurp(dir);
	crc = strstr(text, "crc32 ");
	ck_assert_ptr_nonnull(crc);
	ck_assert_str_eq(text, "keepquorum-quorum-state 1\nnode db1\nterm 7\nvoted_for db2\n"
			       "epoch 12\ncrc32 310a5b59\n");
	ck_assert_uint_eq(strtoul(crc + 6, NULL, 16), oracle_crc32(text, (size_t)(crc - text)));
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	tmp = xasprintf("%s/.quorum.state.tmp", dir);
	ck_assert_int_eq(access(tmp, F_OK), -1);
	ck_assert_int_eq(errno, ENOENT);
	free(text);
	save_ok(dir, "db1", 7, "", 12);
	text = slurp(dir);
	ck_assert_ptr_nonnull(strstr(text, "\nvoted_for -\n"));
	free(text);
	free(tmp);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_save_replaces)
{
	char *dir = fresh_dir("replace");

	save_ok(dir, "db1", 3, "db3", 1);
	save_ok(dir, "db1", 4, "", 2);
	assert_state(dir, 4, "", 2);
	free(dir);
}
END_TEST

/* A digit changed after the checksum was computed: what a bad sector or a stray edit does. */
START_TEST(test_flipped_digit)
{
	static const char *const words[] = {"corrupt (checksum mismatch)", "restore it",
					    "certainly not running elsewhere", NULL};
	char *dir = fresh_dir("flip"), *text, *digit;

	save_ok(dir, "db1", 7, "db2", 12);
	text = slurp(dir);
	digit = strstr(text, "term 7");
	ck_assert_ptr_nonnull(digit);
	digit[5] = '8';
	expect_bad(dir, text, strlen(text), words);
	free(text);
	free(dir);
}
END_TEST

/* Cut short anywhere: in the first line, between lines, in and at the checksum line, and empty. */
START_TEST(test_truncated)
{
	static const char *const words[] = {"truncated", "restore it", NULL};
	char *dir = fresh_dir("trunc"), *text;
	size_t len;

	save_ok(dir, "db1", 7, "db2", 12);
	text = slurp(dir);
	len = strlen(text);
	const size_t cuts[] = {0, 1, 10, 25, 26, 40, len - 16, len - 15, len - 8, len - 1};

	for (size_t i = 0; i < ARRAY_SIZE(cuts); i++)
		expect_bad(dir, text, cuts[i], words);
	free(text);
	free(dir);
}
END_TEST

START_TEST(test_oversized)
{
	static const char *const words[] = {"larger than 4 KiB", NULL};
	char *dir = fresh_dir("big"), *text = xmalloc(5 * 1024);

	memset(text, 'x', 5 * 1024);
	expect_bad(dir, text, 5 * 1024, words);
	free(text);
	free(dir);
}
END_TEST

START_TEST(test_other_node)
{
	char err[512] = "", *dir = fresh_dir("other"), *want;
	struct quorum_store st;

	save_ok(dir, "db2", 7, "db2", 12);
	ck_assert_int_eq(quorum_store_load(dir, "db1", &st, err, sizeof(err)), -EINVAL);
	want = xasprintf("%s/quorum.state belongs to node 'db2', not 'db1'; is --state-dir shared?",
			 dir);
	ck_assert_str_eq(err, want);
	free(want);
	free(dir);
}
END_TEST

struct bad_case {
	const char *body; /* sealed with a good checksum unless `raw` */
	bool raw;
	const char *words[3];
};

#define HEAD "keepquorum-quorum-state 1\n"
#define GOOD_BODY HEAD "node db1\nterm 7\nvoted_for db2\nepoch 12\n"

/* Each is wrong in one way only. */
static const struct bad_case bad_cases[] = {
	{"hello world\nnode db1\n", false, {"not a keepquorum quorum state file", "'hello world'"}},
	{"keepquorum-quorum-state\n", false, {"not a keepquorum quorum state file"}},
	{"keepquorum-quorum-state 2\nwhatever\n", true, {"format version 2", "reads version 1"}},
	{"keepquorum-quorum-state x1\n", false, {"bad format version"}},
	{HEAD "node db1\nterm 7\nvoted_for db2\n", false, {"'epoch' line is missing", "restore it"}},
	{HEAD "node db1\nvoted_for db2\nepoch 12\n", false, {"'term' line is missing"}},
	{HEAD "term 7\nvoted_for db2\nepoch 12\n", false, {"'node' line is missing"}},
	{HEAD "node db1\nterm 7\nvoted_for -\n", false, {"'epoch' line is missing"}},
	{HEAD "node db1\nterm 7\nterm 7\nvoted_for db2\nepoch 12\n", false, {"duplicate 'term' line"}},
	{HEAD "node db1\nnode db1\nterm 7\nvoted_for db2\nepoch 12\n", false, {"duplicate 'node'"}},
	{GOOD_BODY "colour blue\n", false, {"unknown line 6 'colour blue'", "restore it"}},
	{GOOD_BODY "\n", false, {"unknown line 6 ''"}},
	{GOOD_BODY "epoch\n", false, {"unknown line 6 'epoch'"}},
	{HEAD "node db1\nterm 7x\nvoted_for db2\nepoch 12\n", false, {"bad number on line 3"}},
	{HEAD "node db1\nterm -1\nvoted_for db2\nepoch 12\n", false, {"bad number on line 3"}},
	{HEAD "node db1\nterm  7\nvoted_for db2\nepoch 12\n", false, {"bad number on line 3"}},
	{HEAD "node db1\nterm \nvoted_for db2\nepoch 12\n", false, {"bad number on line 3"}},
	{HEAD "node db1\nterm 18446744073709551616\nvoted_for db2\nepoch 12\n", false, {"bad number"}},
	{HEAD "node db1\nterm 7\nvoted_for db2\nepoch 0x10\n", false, {"bad number on line 5"}},
	{HEAD "node db1\nterm 7\nvoted_for db 2\nepoch 12\n", false, {"bad node name on line 4"}},
	{HEAD "node db1\nterm 7\nvoted_for \nepoch 12\n", false, {"bad node name on line 4"}},
	{HEAD "node db1\nterm 7\nvoted_for "
	 "n2345678901234567890123456789012345678901234567890123456789012345\nepoch 12\n", false,
	 {"bad node name on line 4"}},
	{HEAD "node db1 \nterm 7\nvoted_for db2\nepoch 12\n", false, {"bad node name on line 2"}},
	{GOOD_BODY "crc32 12345678\n", true, {"corrupt (checksum mismatch)"}},
	{GOOD_BODY "crc32 1234567G\n", true, {"bad checksum line"}},
	{GOOD_BODY "crc32 123456789\n", true, {"truncated"}},
	{GOOD_BODY "CRC32 12345678\n", true, {"truncated"}},
	{GOOD_BODY, true, {"truncated"}},
	{HEAD "crc32 12345678\n", true, {"checksum mismatch"}},
};

START_TEST(test_bad_file)
{
	const struct bad_case *c = &bad_cases[_i];
	char *name = xasprintf("bad%d", _i), *dir = fresh_dir(name);
	char *text = c->raw ? xstrdup(c->body) : sealed(c->body);

	expect_bad(dir, text, strlen(text), c->words);
	free(text);
	free(dir);
	free(name);
}
END_TEST

/* A NUL inside a value: the checksum holds, the name does not. */
START_TEST(test_nul_byte)
{
	static const char body[] = HEAD "node db1\nterm 7\nvoted_for d\0b\nepoch 12\n";
	static const char *const words[] = {"bad node name on line 4 'voted_for d?b'", NULL};
	char *dir = fresh_dir("nul"), text[256];
	size_t n = sizeof(body) - 1;

	memcpy(text, body, n);
	n += (size_t)snprintf(text + n, sizeof(text) - n, "crc32 %08" PRIx32 "\n",
			      oracle_crc32(body, n));
	expect_bad(dir, text, n, words);
	free(dir);
}
END_TEST

START_TEST(test_state_is_a_directory)
{
	char err[256] = "", *dir = fresh_dir("isdir"), *path = STATE_PATH(dir);
	struct quorum_store st = {.term = 1};

	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(quorum_store_load(dir, "db1", &st, err, sizeof(err)), -EISDIR);
	ck_assert_msg(strstr(err, "cannot read") && strstr(err, path), "'%s'", err);
	/* the rename over a directory fails, and the temporary file goes */
	ck_assert_int_eq(quorum_store_save(dir, "db1", &st, err, sizeof(err)), -EISDIR);
	ck_assert_msg(strstr(err, "cannot rename") && strstr(err, path), "'%s'", err);
	free(path);
	path = xasprintf("%s/.quorum.state.tmp", dir);
	ck_assert_int_eq(access(path, F_OK), -1);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_save_no_directory)
{
	char *dir = xasprintf("%s/no/such/dir", tu_dir());

	ck_assert_int_eq(save_fails(dir, -ENOENT, "create"), 0);
	free(dir);
}
END_TEST

/* Names that could not read back as themselves are refused before anything is written. */
START_TEST(test_save_bad_names)
{
	static const char *const nodes[] = {"", "-", "db 1", "db1\n"};
	static const char *const votes[] = {"-", "db 2", "x\ty"};
	char err[256] = "", *dir = fresh_dir("names"), *path = STATE_PATH(dir);
	struct quorum_store st = {.term = 1};

	for (size_t i = 0; i < ARRAY_SIZE(nodes); i++) {
		ck_assert_int_eq(quorum_store_save(dir, nodes[i], &st, err, sizeof(err)), -EINVAL);
		ck_assert_ptr_nonnull(strstr(err, "cannot store"));
	}
	for (size_t i = 0; i < ARRAY_SIZE(votes); i++) {
		snprintf(st.voted_for, sizeof(st.voted_for), "%s", votes[i]);
		ck_assert_int_eq(quorum_store_save(dir, "db1", &st, err, sizeof(err)), -EINVAL);
	}
	memset(st.voted_for, 'a', sizeof(st.voted_for)); /* no NUL at all */
	ck_assert_int_eq(quorum_store_save(dir, "db1", &st, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(access(path, F_OK), -1);
	free(path);
	free(dir);
}
END_TEST

/* Runs `fn` in a child, so that what it changes of its process (user, limits) stays there.
 * Returns what fn returns: 0 when all its checks held, else the number of the one that failed
 * (a child must not ck_assert: the suite runs without forking). */
static int in_child(int (*fn)(const char *dir), const char *dir)
{
	int status;
	pid_t pid;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(fn(dir));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* In a child: become a user file permissions apply to (root reads and writes anyway). */
static int drop_root(void)
{
	if (geteuid() != 0)
		return 0;
	return setgid(NOBODY) < 0 || setuid(NOBODY) < 0 ? -1 : 0;
}

/* Which check failed, by number: no ck_assert in a child. */
static int load_unreadable(const char *dir)
{
	char err[256] = "", *path = STATE_PATH(dir);
	struct quorum_store st;
	int bad = 0;

	if (drop_root() < 0)
		bad = 100;
	else if (quorum_store_load(dir, "db1", &st, err, sizeof(err)) != -EACCES)
		bad = 1;
	else if (!strstr(err, "cannot read") || !strstr(err, path) ||
		 !strstr(err, strerror(EACCES)))
		bad = 2;
	free(path);
	return bad;
}

START_TEST(test_unreadable)
{
	char *dir = fresh_dir("unreadable"), *path = STATE_PATH(dir);

	save_ok(dir, "db1", 7, "db2", 12);
	ck_assert_int_eq(chmod(path, 0), 0);
	ck_assert_int_eq(in_child(load_unreadable, dir), 0);
	free(path);
	free(dir);
}
END_TEST

static int save_read_only(const char *dir)
{
	return drop_root() < 0 ? 100 : save_fails(dir, -EACCES, "create");
}

START_TEST(test_read_only_directory)
{
	char *dir = fresh_dir("readonly");

	save_ok(dir, "db1", 7, "db2", 12);
	ck_assert_int_eq(chmod(dir, 0555), 0);
	ck_assert_int_eq(in_child(save_read_only, dir), 0);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	assert_state(dir, 7, "db2", 12); /* the old state stands */
	free(dir);
}
END_TEST

/* A file size limit of 40 bytes: the first write(2) is cut short, the next fails with EFBIG.
 * A writer that took the short write for the whole would rename a truncated file in place. */
static int save_past_limit(const char *dir)
{
	struct rlimit rl = {.rlim_cur = 40, .rlim_max = 40};

	signal(SIGXFSZ, SIG_IGN);
	return setrlimit(RLIMIT_FSIZE, &rl) < 0 ? 100 : save_fails(dir, -EFBIG, "write");
}

START_TEST(test_short_write)
{
	char *dir = fresh_dir("short");

	save_ok(dir, "db1", 7, "db2", 12);
	ck_assert_int_eq(in_child(save_past_limit, dir), 0);
	assert_state(dir, 7, "db2", 12); /* the old state stands */
	free(dir);
}
END_TEST

static Suite *store_suite(void)
{
	Suite *s = suite_create("quorum_store");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_missing_is_first_start);
	tcase_add_loop_test(tc, test_round_trip, 0, (int)ARRAY_SIZE(round_trips));
	tcase_add_test(tc, test_file_format);
	tcase_add_test(tc, test_save_replaces);
	tcase_add_test(tc, test_flipped_digit);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_oversized);
	tcase_add_test(tc, test_other_node);
	tcase_add_loop_test(tc, test_bad_file, 0, (int)ARRAY_SIZE(bad_cases));
	tcase_add_test(tc, test_nul_byte);
	tcase_add_test(tc, test_state_is_a_directory);
	tcase_add_test(tc, test_save_no_directory);
	tcase_add_test(tc, test_save_bad_names);
	tcase_add_test(tc, test_unreadable);
	tcase_add_test(tc, test_read_only_directory);
	tcase_add_test(tc, test_short_write);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(store_suite());
}
