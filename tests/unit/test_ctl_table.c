/* tools/ctl-table.c: keepquorumctl status for people -- readable durations, columns as wide as
 * their widest cell whatever the names, and every field an operator needs from the JSON. */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "tests/unit/testutil.h"
#include "tools/ctl.h"

static const struct {
	long long ms;
	const char *text;
} durations[] = {
	{-5, "0ms"}, {0, "0ms"}, {80, "80ms"}, {999, "999ms"}, {1000, "1.00s"}, {1640, "1.64s"},
	{9994, "9.99s"}, {9995, "10.0s"}, {12345, "12.3s"}, {59949, "59.9s"}, {59950, "1m00s"},
	{125000, "2m05s"}, {3599499, "59m59s"}, {3599500, "1h00m"}, {11000000, "3h03m"},
	{86370000, "1d00h"}, {200000000, "2d08h"},
};

START_TEST(test_duration)
{
	char buf[32];

	ctl_fmt_duration(buf, sizeof(buf), durations[_i].ms);
	ck_assert_str_eq(buf, durations[_i].text);
}
END_TEST

static char *render(const char *json)
{
	json_object *st = json_tokener_parse(json);
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);

	ck_assert_ptr_nonnull(st);
	ck_assert_ptr_nonnull(f);
	ctl_print_status(f, st);
	fclose(f);
	json_object_put(st);
	return out;
}

/* A leader of three with a long instance name, a sync group, a failing check, a promote hook. */
static const char leader_json[] = "{"
	"\"node\":\"db1\",\"version\":\"0.1.0\",\"config\":\"/etc/keepquorum/keepquorum.ini\","
	"\"uptime_ms\":7384000,\"paused\":true,"
	"\"quorum\":{\"role\":\"leader\",\"term\":7,\"leader\":\"db1\",\"has_quorum\":true,"
	"\"lease_remaining_ms\":1640,\"healthy\":true,\"lsn\":\"0/3000148\",\"priority\":150,"
	"\"fencing\":\"kernel-lifetime\",\"vip_lifetime_s\":1,\"elections\":2,"
	"\"dropped\":{\"bad_mac\":3,\"replay\":0},\"send_errors\":0,\"persist_errors\":0,"
	"\"members\":[{\"id\":\"db2\",\"reachable\":true,\"last_seen_ms\":80,\"healthy\":true,"
	"\"lsn\":\"0/3000148\",\"witness\":false,\"priority\":100},"
	"{\"id\":\"witness-in-another-room\",\"reachable\":false,\"last_seen_ms\":null,"
	"\"healthy\":false,\"lsn\":null,\"witness\":true,\"priority\":0}]},"
	"\"instances\":[{\"name\":\"db_write\",\"state\":\"MASTER\",\"vrid\":51,\"interface\":\"eth0\","
	"\"version\":3,\"priority\":150,\"effective_priority\":150,\"vips\":[\"10.0.0.100/24\"],"
	"\"vips_up\":true,\"master_ip\":\"10.0.0.1\",\"quorum_gated\":true,\"blocked_by\":null,"
	"\"fault_reason\":null,\"sync_group\":\"db\",\"db\":{\"role\":\"primary\","
	"\"promote\":{\"ok\":true,\"detail\":\"exit 0\",\"runs\":1,\"duration_ms\":1050,"
	"\"ago_ms\":123000},\"demote\":null}},"
	"{\"name\":\"a_rather_long_instance_name\",\"state\":\"FAULT\",\"vrid\":52,"
	"\"interface\":\"bond0.1234\",\"version\":2,\"priority\":100,\"effective_priority\":90,"
	"\"vips\":[\"10.0.1.100/24\",\"fd00::100/64\"],\"vips_up\":false,\"master_ip\":null,"
	"\"quorum_gated\":false,\"blocked_by\":\"interface\",\"fault_reason\":"
	"\"interface bond0.1234 down\",\"sync_group\":null,\"db\":null}],"
	"\"sync_groups\":[{\"name\":\"db\",\"state\":\"MASTER\",\"members\":[\"db_write\"]}],"
	"\"vrrp_dropped\":{\"version\":4,\"auth\":0},"
	"\"checks\":[{\"name\":\"pg\",\"type\":\"postgres\",\"ok\":true,\"state\":\"OK\","
	"\"detail\":\"primary, lsn 0/3000148, timeline 1\",\"last_run_ms_ago\":314,"
	"\"duration_ms\":8.81},"
	"{\"name\":\"chk_disk\",\"type\":\"script\",\"ok\":false,\"state\":\"FAILED\","
	"\"detail\":\"exit 1: disk full\",\"last_run_ms_ago\":1500,\"duration_ms\":20.2},"
	"{\"name\":\"bond0.1234\",\"type\":\"interface\",\"ok\":false,\"state\":\"FAILED\","
	"\"detail\":\"down\"}],"
	"\"hooks\":{\"running\":1,\"queued\":0,\"runs\":{\"promote\":{\"ok\":1,\"failed\":0},"
	"\"notify\":{\"ok\":3,\"failed\":1},\"demote\":{\"ok\":0}},"
	"\"fifo\":{\"path\":\"/run/keepquorum/notify.fifo\",\"written\":4,\"dropped\":0}}}";

static const char leader_text[] =
	"node      db1, keepquorum 0.1.0, up 2h03m\n"
	"config    /etc/keepquorum/keepquorum.ini\n"
	"PAUSED    maintenance: no election starts in the cluster until \"keepquorumctl resume\"; "
	"the leader keeps its lease and VIPs\n"
	"quorum    role leader, term 7, leader db1 (this node), has quorum yes, lease 1.64s left\n"
	"          this node: healthy yes, lsn 0/3000148, priority 150, elections 2, fencing "
	"kernel-lifetime (VIP lifetime 1s)\n"
	"\n"
	"MEMBER                   REACHABLE  LAST SEEN  HEALTHY  LSN        PRIORITY  WITNESS\n"
	"db2                      yes        80ms ago   yes      0/3000148  100       no\n"
	"witness-in-another-room  no         never      no       -          0         yes\n"
	"\n"
	"INSTANCE                     STATE   VRID  IFACE       PRIO  EFF  VIPS                        "
	"UP   MASTER    GATED  GROUP  BLOCKED BY\n"
	"db_write                     MASTER  51    eth0        150   150  10.0.0.100/24               "
	"yes  10.0.0.1  yes    db     -\n"
	"a_rather_long_instance_name  FAULT   52    bond0.1234  100   90   10.0.1.100/24,fd00::100/64  "
	"no   -         no     -      interface (interface bond0.1234 down)\n"
	"\n"
	"INSTANCE  DATABASE  LAST PROMOTE               LAST DEMOTE\n"
	"db_write  primary   exit 0 (1.05s, 2m03s ago)  -\n"
	"\n"
	"SYNC GROUP  STATE   MEMBERS\n"
	"db          MASTER  db_write\n"
	"\n"
	"CHECK       TYPE       OK   STATE   LAST RUN   TOOK  DETAIL\n"
	"pg          postgres   yes  OK      314ms ago  9ms   primary, lsn 0/3000148, timeline 1\n"
	"chk_disk    script     no   FAILED  1.50s ago  20ms  exit 1: disk full\n"
	"bond0.1234  interface  no   FAILED  -          -     down\n"
	"\n"
	"hooks     1 running, 0 queued; promote: ok 1; notify: ok 3, failed 1\n"
	"fifo      /run/keepquorum/notify.fifo: 4 lines written, 0 dropped\n"
	"dropped   VRRP adverts: version 4\n"
	"dropped   quorum datagrams: bad_mac 3\n";

START_TEST(test_leader)
{
	char *out = render(leader_json);

	ck_assert_str_eq(out, leader_text);
	free(out);
}
END_TEST

/* keepalived's way: no quorum (no GATED column), nothing paused, no hooks object. */
START_TEST(test_no_quorum)
{
	char *out = render("{\"node\":\"kqnode1\",\"version\":\"0.1.0\",\"paused\":false,"
			   "\"quorum\":null,\"instances\":[{\"name\":\"vi_51\",\"state\":\"BACKUP\","
			   "\"vrid\":51,\"interface\":\"eth0\",\"priority\":100,"
			   "\"effective_priority\":100,\"vips\":[],\"vips_up\":false,"
			   "\"master_ip\":\"10.77.0.2\",\"quorum_gated\":false,\"blocked_by\":null}],"
			   "\"sync_groups\":[],\"checks\":[]}");

	ck_assert_str_eq(out,
		"node      kqnode1, keepquorum 0.1.0, up -\n"
		"quorum    none (no [quorum] section: VIPs follow VRRP alone, as with keepalived)\n"
		"\n"
		"INSTANCE  STATE   VRID  IFACE  PRIO  EFF  VIPS  UP  MASTER     BLOCKED BY\n"
		"vi_51     BACKUP  51    eth0   100   100  -     no  10.77.0.2  -\n");
	free(out);
}
END_TEST

/* Whatever else answers, the view never crashes: wrong types and missing fields show as "-". */
START_TEST(test_odd_input)
{
	char *out = render("{\"node\":7,\"quorum\":{\"members\":[{}]},\"instances\":[{}],"
			   "\"checks\":{\"not\":\"an array\"},\"hooks\":{\"runs\":[1]}}");

	ck_assert_ptr_nonnull(strstr(out, "node      7, keepquorum -, up -\n"));
	ck_assert_ptr_nonnull(strstr(out, "quorum    role -, term -, leader -, has quorum -, lease -\n"));
	ck_assert_ptr_nonnull(strstr(out, "-       -          never      -        -    -         -\n"));
	free(out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctl_table");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_duration, 0, (int)ARRAY_SIZE(durations));
	tcase_add_test(tc, test_leader);
	tcase_add_test(tc, test_no_quorum);
	tcase_add_test(tc, test_odd_input);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
