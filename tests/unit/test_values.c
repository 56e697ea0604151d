/* conf/values.c: the pure value parsers, with byte-exact inputs. */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "tests/unit/testutil.h"
#include "conf/conf-int.h"

START_TEST(test_bool)
{
	bool b;

	ck_assert_ptr_null(val_bool("YES", &b));
	ck_assert(b);
	ck_assert_ptr_null(val_bool("off", &b));
	ck_assert(!b);
	ck_assert_ptr_nonnull(val_bool("y", &b));
	ck_assert_ptr_nonnull(val_bool("", &b));
}
END_TEST

START_TEST(test_numbers)
{
	long l;
	double d;
	uint64_t u;

	ck_assert_ptr_null(val_long("-253", -253, 253, &l));
	ck_assert_int_eq(l, -253);
	ck_assert_str_eq(val_long("254", -253, 253, &l), "out of range");
	ck_assert_str_eq(val_long(" 1", 0, 9, &l), "not a whole number");
	ck_assert_str_eq(val_long("1x", 0, 9, &l), "not a whole number");
	ck_assert_str_eq(val_long("99999999999999999999", 0, 9, &l), "out of range");
	ck_assert_ptr_null(val_seconds("0.05", 0.01, 40.95, &d));
	ck_assert(d == 0.05);
	ck_assert_ptr_nonnull(val_seconds("nan", 0, 10, &d));
	ck_assert_ptr_nonnull(val_seconds("inf", 0, 10, &d));
	ck_assert_ptr_nonnull(val_seconds("1e400", 0, 10, &d));
	ck_assert_ptr_null(val_bytes("16MB", &u));
	ck_assert_uint_eq(u, 16u << 20);
	ck_assert_ptr_null(val_bytes("512", &u));
	ck_assert_uint_eq(u, 512);
	ck_assert_ptr_null(val_bytes("2 GB", &u));
	ck_assert_uint_eq(u, 2ULL << 30);
	ck_assert_ptr_nonnull(val_bytes("-1MB", &u));
	ck_assert_ptr_nonnull(val_bytes("99999999999TB", &u));
}
END_TEST

START_TEST(test_addresses)
{
	struct conf_sockaddr sa;
	struct conf_addr a;
	unsigned prefix;
	bool has;
	char buf[64];

	ck_assert_ptr_null(val_sockaddr("10.0.0.1:5405", &sa));
	ck_assert_int_eq(sa.addr.family, AF_INET);
	ck_assert_uint_eq(sa.port, 5405);
	ck_assert_ptr_null(val_sockaddr("[fd00::1]:1", &sa));
	ck_assert_int_eq(sa.addr.family, AF_INET6);
	ck_assert_str_eq(conf_sockaddr_str(&sa, buf, sizeof(buf)), "[fd00::1]:1");
	ck_assert_ptr_nonnull(val_sockaddr("fd00::1:5405", &sa));
	ck_assert_ptr_nonnull(val_sockaddr("10.0.0.1:0", &sa));
	ck_assert_ptr_nonnull(val_sockaddr("host:80", &sa));
	ck_assert_ptr_nonnull(val_sockaddr("[fd00::1]", &sa));
	/* metrics_listen: a port alone is loopback; anything else as val_sockaddr, worded for it */
	ck_assert_ptr_null(val_listen("9650", &sa));
	ck_assert_str_eq(conf_sockaddr_str(&sa, buf, sizeof(buf)), "127.0.0.1:9650");
	ck_assert_ptr_null(val_listen("[::1]:9650", &sa));
	ck_assert_str_eq(conf_sockaddr_str(&sa, buf, sizeof(buf)), "[::1]:9650");
	ck_assert_ptr_null(val_listen("0.0.0.0:80", &sa));
	ck_assert_str_eq(conf_sockaddr_str(&sa, buf, sizeof(buf)), "0.0.0.0:80");
	ck_assert_str_eq(val_listen("0", &sa), "not a port from 1 to 65535");
	ck_assert_str_eq(val_listen("65536", &sa), "not a port from 1 to 65535");
	ck_assert_str_eq(val_listen("127.0.0.1", &sa), "not PORT, ADDRESS:PORT or [IPV6-ADDRESS]:PORT");
	ck_assert_str_eq(val_listen("-1", &sa), "not PORT, ADDRESS:PORT or [IPV6-ADDRESS]:PORT");
	ck_assert_str_eq(val_listen("", &sa), "not PORT, ADDRESS:PORT or [IPV6-ADDRESS]:PORT");
	ck_assert_str_eq(val_listen("::1:9650", &sa), "not PORT, ADDRESS:PORT or [IPV6-ADDRESS]:PORT");
	ck_assert_str_eq(val_listen("1.2.3.4:0", &sa), "not ADDRESS:PORT with a port from 1 to 65535");
	ck_assert_str_eq(val_listen("localhost:9650", &sa), "not an IP address");
	ck_assert_ptr_null(val_prefix("10.0.0.100/24", &a, &prefix, &has));
	ck_assert(has && prefix == 24);
	ck_assert_str_eq(conf_addr_str(&a, buf, sizeof(buf)), "10.0.0.100");
	ck_assert_ptr_null(val_prefix("fd00::100", &a, &prefix, &has));
	ck_assert(!has && prefix == 128);
	ck_assert_ptr_nonnull(val_prefix("10.0.0.1/", &a, &prefix, &has));
	ck_assert_ptr_nonnull(val_prefix("10.0.0.1/-1", &a, &prefix, &has));
}
END_TEST

START_TEST(test_words)
{
	char **v;
	size_t n;

	ck_assert_ptr_null(val_words("/bin/x  'a b' \"c \\\"d\" e\\ f", &v, &n));
	ck_assert_int_eq(n, 4);
	ck_assert_str_eq(v[0], "/bin/x");
	ck_assert_str_eq(v[1], "a b");
	ck_assert_str_eq(v[2], "c \"d");
	ck_assert_str_eq(v[3], "e f");
	ck_assert_ptr_null(v[4]);
	val_strv_free(v);
	ck_assert_ptr_null(val_words("/bin/x ''", &v, &n));
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(v[1], "");
	val_strv_free(v);
	ck_assert_str_eq(val_words("/bin/x 'a", &v, &n), "unterminated ' quote");
	ck_assert_str_eq(val_words("   ", &v, &n), "empty command");
}
END_TEST

START_TEST(test_lists_and_names)
{
	size_t n;
	char **v = val_list(" a, b\tc,,d ", &n);

	ck_assert_int_eq(n, 4);
	ck_assert_str_eq(v[3], "d");
	val_strv_free(v);
	v = val_list("", &n);
	ck_assert_int_eq(n, 0);
	val_strv_free(v);
	ck_assert(val_name_ok("db_write-1.x"));
	ck_assert(!val_name_ok(""));
	ck_assert(!val_name_ok("a b"));
	ck_assert(!val_name_ok("a'b"));
	ck_assert(!val_name_ok("0123456789012345678901234567890123456789012345678901234567890123"));
}
END_TEST

START_TEST(test_scan)
{
	struct conf_diags d = {0};
	struct scan s;
	char *clean;

	ck_assert_int_eq(scan_text("f", "[Vrrp_Instance DB]\nA = 1\nb = x \\\n y\n[global]\n", &s, &d), 0);
	ck_assert_int_eq(s.n_secs, 2);
	ck_assert_str_eq(s.secs[0].type, "vrrp_instance");
	ck_assert_str_eq(s.secs[0].name, "DB");
	ck_assert_int_eq(s.secs[0].n_keys, 2);
	ck_assert_str_eq(s.secs[0].keys[0].key, "a");
	ck_assert_uint_eq(s.secs[0].keys[1].line, 3);
	ck_assert_uint_eq(s.secs[1].line, 5);
	scan_free(&s);
	ck_assert_int_eq(scan_text("f", "[g]\nbad line\nk = v\r\n", &s, &d), 1);
	clean = scan_clean_text(&s, "[g]\nbad line\nk = v\r\n");
	ck_assert_str_eq(clean, "[g]\n\nk = v\r\n");
	free(clean);
	scan_free(&s);
	conf_diags_free(&d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("values");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_bool);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_addresses);
	tcase_add_test(tc, test_words);
	tcase_add_test(tc, test_lists_and_names);
	tcase_add_test(tc, test_scan);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
