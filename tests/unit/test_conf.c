/* conf/: every config problem is reported with its file, line, section, key and reason; valid
 * files load into the expected typed values. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "tests/unit/testutil.h"

/* A minimal valid instance, 4 lines. */
#define INST "[vrrp_instance VI_1]\ninterface = eth0\nvirtual_router_id = 51\nvirtual_ipaddress = 10.0.0.100/24\n"

struct bad_case {
	const char *text;
	const char *expect; /* a substring of the formatted problems, starting at ":LINE: " */
};

/* One line a problem; each is the whole expected tail "LINE: section ..., key ...: why". */
static const struct bad_case bad_cases[] = {
	/* scanner */
	{"[global]\nrouter_id db1\n", ":2: syntax error: expected [section] or key = value, got 'router_id db1'"},
	{"router_id = db1\n", ":1: key 'router_id' is outside any [section]"},
	{"[global\n", ":1: bad section header '[global' (no closing ']')"},
	{"[]\n", ":1: bad section header '[]'"},
	{"[global]\n[global]\n", ":2: section 'global': defined twice (first at line 1)"},
	{INST "[vrrp_instance vi_1]\ninterface = eth1\nvirtual_router_id = 52\nvirtual_ipaddress = 10.0.1.1\n",
	 ":5: section 'vrrp_instance vi_1': defined twice (first at line 1; names are compared ignoring case)"},
	{"[vrrp_instance a b]\n", ":1: section 'vrrp_instance a b': 'a b' is not a name"},
	{INST "[vrrp_instance  vi_1]\n", ":5: section 'vrrp_instance  vi_1': defined twice (first at line 1; names are compared ignoring case)"},
	{"[global]\nrouter_id = \"db1\" trailing\n", ":2: section 'global', key 'router_id': text after the closing quote ('trailing') would be ignored"},
	{"[global]\nrouter_id = a\\\n" "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\\\n" "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\\\n" "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd\n",
	 ":2: statement continued over lines 2-5 is"},
	{"[quorum]\npeers = ,\n", ":2: section 'quorum', key 'peers': names no peer"},
	{"[vrrp_instance VI_1]\ninterface = eth0\nvirtual_router_id = 1\nvirtual_ipaddress = ,\n", ":4: section 'vrrp_instance VI_1', key 'virtual_ipaddress': names no address"},
	{INST "priority = 255\ntrack_file = /etc/kq weight 2\n", ":6: section 'vrrp_instance VI_1', key 'track_file': priority 255 (address owner) cannot be changed by weights"},
	{"[vrrp_script s]\nscript = /bin/true\n" INST "track_script = s weight 254\n", ":7: section 'vrrp_instance VI_1', key 'track_script': s: weight 254 is out of range (-253 to 253)"},
	{"[vrrp_instance VI_1]\ninterface = eth0\nvirtual_router_id = 1\nvirtual_ipaddress = 10.0.0.1/24 brd fd00::1 scope link, 10.0.0.2\n", ":4: section 'vrrp_instance VI_1', key 'virtual_ipaddress': brd 'fd00::1' is not an IPv4 address\n"},
	{"[global]\nrouter_id = a\nrouter_id = b\n", ":3: section 'global', key 'router_id': set twice (first at line 2)"},
	/* sections */
	{"[bogus]\n", ":1: section 'bogus': unknown section type 'bogus'"},
	{"[vrrp_instance]\n", ":1: section 'vrrp_instance': needs a name: [vrrp_instance NAME]"},
	{"[global x]\n", ":1: section 'global x': [global] takes no name"},
	{"[vrrp_script a\"b]\nscript = /bin/true\n", ":1: section 'vrrp_script a\"b': 'a\"b' is not a name"},
	{"[global]\nfoo = 1\n", ":2: section 'global', key 'foo': unknown key in [global]"},
	/* [global] */
	{"[global]\nrouter_id = \n", ":2: section 'global', key 'router_id': must not be empty"},
	{"[global]\nscript_user = nosuchuser_kq\n", ":2: section 'global', key 'script_user': no such user 'nosuchuser_kq'"},
	{"[global]\nscript_user = root nosuchgroup_kq\n", ":2: section 'global', key 'script_user': no such group 'nosuchgroup_kq'"},
	{"[global]\nscript_user = a b c\n", ":2: section 'global', key 'script_user': 'a b c' is not USER or USER GROUP"},
	{"[global]\nenable_script_security = maybe\n", ":2: section 'global', key 'enable_script_security': 'maybe' is not a boolean"},
	{"[global]\nnotify_fifo = run/fifo\n", ":2: section 'global', key 'notify_fifo': 'run/fifo' is not an absolute path"},
	{"[global]\nmetrics_listen = 127.0.0.1\n", ":2: section 'global', key 'metrics_listen': '127.0.0.1' is not PORT, ADDRESS:PORT or [IPV6-ADDRESS]:PORT"},
	{"[global]\nmetrics_listen = 127.0.0.1:99999\n", ":2: section 'global', key 'metrics_listen': '127.0.0.1:99999' is not ADDRESS:PORT with a port from 1 to 65535"},
	{"[global]\nmetrics_listen = [::1:9650\n", ":2: section 'global', key 'metrics_listen': '[::1:9650' is not PORT, ADDRESS:PORT or [IPV6-ADDRESS]:PORT"},
	{"[global]\nmetrics_listen = 70000\n", ":2: section 'global', key 'metrics_listen': '70000' is not a port from 1 to 65535"},
	{"[global]\nmetrics_listen = db1:9650\n", ":2: section 'global', key 'metrics_listen': 'db1:9650' is not an IP address"},
	/* [quorum] */
	{"[quorum]\npeers = b@10.0.0.2:1, c@10.0.0.3:1\nsecret_file = /etc/passwd\n", ":1: section 'quorum': required key 'bind' is missing"},
	{"[quorum]\nbind = 10.0.0.1:5405\npeers = b10.0.0.2:1\n", ":3: section 'quorum', key 'peers': 'b10.0.0.2:1' is not ID@ADDRESS:PORT"},
	{"[quorum]\nbind = 10.0.0.1:5405\npeers = b@10.0.0.300:1\n", ":3: section 'quorum', key 'peers': peer 'b': '10.0.0.300:1' is not an IP address"},
	{"[quorum]\nnode_id = a b\n", ":2: section 'quorum', key 'node_id': 'a b' is not a node name"},
	{"[quorum]\nheartbeat_interval = 1\nelection_timeout = 2\n", ":3: section 'quorum', key 'election_timeout': election_timeout (2 s) must be at least 3 x heartbeat_interval (1 s)"},
	{"[quorum]\nheartbeat_interval = 0\n", ":2: section 'quorum', key 'heartbeat_interval': '0' is out of range (0.01 to 10 seconds)"},
	{"[quorum]\nwitness = perhaps\n", ":2: section 'quorum', key 'witness': 'perhaps' is not a boolean"},
	/* checks */
	{"[vrrp_script s]\ninterval = 1\n", ":1: section 'vrrp_script s': required key 'script' is missing"},
	{"[vrrp_script s]\nscript = true\n", ":2: section 'vrrp_script s', key 'script': 'true' must start with an absolute path"},
	{"[vrrp_script s]\nscript = /bin/echo \"oops\n", ":2: section 'vrrp_script s', key 'script': '/bin/echo \"oops': unterminated \" quote"},
	{"[vrrp_script s]\nscript = /nonexistent/chk\n", ":2: section 'vrrp_script s', key 'script': '/nonexistent/chk': No such file or directory"},
	{"[vrrp_script s]\nscript = /etc\n", ":2: section 'vrrp_script s', key 'script': '/etc' is not a regular file"},
	{"[vrrp_script s]\nscript = /etc/passwd\n", ":2: section 'vrrp_script s', key 'script': '/etc/passwd' is not executable"},
	{"[vrrp_script s]\nscript = /bin/true\ninterval = 0\n", ":3: section 'vrrp_script s', key 'interval': '0' is out of range (0.01 to 3600 seconds)"},
	{"[vrrp_script s]\nscript = /bin/true\ninterval = 1s\n", ":3: section 'vrrp_script s', key 'interval': '1s' is not a number of seconds"},
	{"[vrrp_script s]\nscript = /bin/true\nrise = 0\n", ":3: section 'vrrp_script s', key 'rise': '0' is out of range (1 to 1000)"},
	{"[vrrp_script s]\nscript = /bin/true\nfall = x\n", ":3: section 'vrrp_script s', key 'fall': 'x' is not a whole number (1 to 1000)"},
	{"[vrrp_script s]\nscript = /bin/true\nweight = 254\n", ":3: section 'vrrp_script s', key 'weight': '254' is out of range (-253 to 253)"},
	{"[vrrp_script s]\nscript = /bin/true\nweight = 10 backwards\n", ":3: section 'vrrp_script s', key 'weight': '10 backwards' is not a weight"},
	{"[vrrp_script s]\nscript = /bin/true\nuser = nosuchuser_kq\n", ":3: section 'vrrp_script s', key 'user': no such user 'nosuchuser_kq'"},
	{"[vrrp_script s]\nscript = /bin/true\nmax_lag = 1MB\n", ":3: section 'vrrp_script s', key 'max_lag': unknown key in [vrrp_script]"},
	{"[pg_check p]\ninterval = 1\n", ":1: section 'pg_check p': required key 'conninfo' is missing"},
	{"[pg_check p]\nconninfo = host=/run/postgresql bogus=1\n", ":2: section 'pg_check p', key 'conninfo': libpq cannot parse it: invalid connection option \"bogus\""},
	{"[pg_check p]\nconninfo = dbname=postgres\nmax_lag = 16 parsecs\n", ":3: section 'pg_check p', key 'max_lag': '16 parsecs' is not a size"},
	{"[pg_check p]\nconninfo = dbname=postgres\n[vrrp_script p]\nscript = /bin/true\n", ":3: section 'vrrp_script p': the name is also used by [pg_check p]"},
	/* [vrrp_instance] */
	{"[vrrp_instance VI_1]\nvirtual_router_id = 1\nvirtual_ipaddress = 10.0.0.1\n", ":1: section 'vrrp_instance VI_1': required key 'interface' is missing"},
	{INST "state = PRIMARY\n", ":5: section 'vrrp_instance VI_1', key 'state': 'PRIMARY' is not MASTER or BACKUP"},
	{INST "priority = 256\n", ":5: section 'vrrp_instance VI_1', key 'priority': '256' is out of range (1 to 255)"},
	{"[vrrp_instance VI_1]\ninterface = eth0\nvirtual_router_id = 0\nvirtual_ipaddress = 10.0.0.1\n", ":3: section 'vrrp_instance VI_1', key 'virtual_router_id': '0' is out of range (1 to 255)"},
	{"[vrrp_instance VI_1]\ninterface = eth0\nvirtual_router_id = 1\nvirtual_ipaddress = 10.0.0.256/24\n", ":4: section 'vrrp_instance VI_1', key 'virtual_ipaddress': '10.0.0.256/24' is not an IP address"},
	{"[vrrp_instance VI_1]\ninterface = eth0\nvirtual_router_id = 1\nvirtual_ipaddress = fd00::1/129\n", ":4: section 'vrrp_instance VI_1', key 'virtual_ipaddress': 'fd00::1/129' is not ADDRESS/PREFIX with a prefix of 0 to 128"},
	{"[vrrp_instance VI_1]\ninterface = eth0\nvirtual_router_id = 1\nvirtual_ipaddress = 10.0.0.1 dev\n", ":4: section 'vrrp_instance VI_1', key 'virtual_ipaddress': 'dev' needs a value"},
	{"[vrrp_instance VI_1]\ninterface = eth0\nvirtual_router_id = 1\nvirtual_ipaddress = 10.0.0.1 label averyveryverylonglabel\n", ":4: section 'vrrp_instance VI_1', key 'virtual_ipaddress': label 'averyveryverylonglabel' is longer than 15 characters"},
	{"[vrrp_instance VI_1]\ninterface = eth0\nvirtual_router_id = 1\nvirtual_ipaddress = 10.0.0.1 scope galaxy\n", ":4: section 'vrrp_instance VI_1', key 'virtual_ipaddress': scope 'galaxy' is not global, site, link, host or nowhere"},
	{"[vrrp_instance VI_1]\ninterface = eth0\nvirtual_router_id = 1\nvirtual_ipaddress = 10.0.0.1/24 brd fd00::1\n", ":4: section 'vrrp_instance VI_1', key 'virtual_ipaddress': brd 'fd00::1' is not an IPv4 address"},
	{"[vrrp_instance VI_1]\ninterface = eth0\nvirtual_router_id = 1\nvirtual_ipaddress = 10.0.0.1/24, fd00::1/64\n", ":4: section 'vrrp_instance VI_1', key 'virtual_ipaddress': mixes IPv4 and IPv6 addresses"},
	{"[vrrp_instance VI_1]\ninterface = eth0\nvirtual_router_id = 1\nvirtual_ipaddress = fd00::1/64\nversion = 2\n", ":5: section 'vrrp_instance VI_1', key 'version': IPv6 addresses need VRRP version 3"},
	{INST "version = 4\n", ":5: section 'vrrp_instance VI_1', key 'version': '4' is out of range (2 to 3)"},
	{INST "advert_int = 0.5\n", ":5: section 'vrrp_instance VI_1', key 'advert_int': VRRPv2 advertises whole seconds (1 to 255); use version = 3 for 0.5 s"},
	{INST "version = 3\nadvert_int = 41\n", ":6: section 'vrrp_instance VI_1', key 'advert_int': VRRPv3 allows at most 40.95 s"},
	{INST "version = 3\nadvert_int = 0.125\n", ":6: section 'vrrp_instance VI_1', key 'advert_int': VRRPv3 advertises centiseconds; 0.125 s is not a multiple of 0.01"},
	{INST "preempt_delay = 1001\n", ":5: section 'vrrp_instance VI_1', key 'preempt_delay': '1001' is out of range (0 to 1000 seconds)"},
	{INST "auth_type = AH\nauth_pass = x\n", ":5: section 'vrrp_instance VI_1', key 'auth_type': AH is not supported"},
	{INST "auth_type = MD5\n", ":5: section 'vrrp_instance VI_1', key 'auth_type': 'MD5' is not PASS"},
	{INST "auth_type = PASS\n", ":5: section 'vrrp_instance VI_1', key 'auth_type': auth_type PASS needs auth_pass"},
	{INST "auth_pass = secret\n", ":5: section 'vrrp_instance VI_1', key 'auth_pass': auth_pass needs auth_type = PASS"},
	{INST "auth_type = PASS\nauth_pass = 123456789\n", ":6: section 'vrrp_instance VI_1', key 'auth_pass': must be 1 to 8 characters"},
	{INST "version = 3\nauth_type = PASS\nauth_pass = secret\n", ":6: section 'vrrp_instance VI_1', key 'auth_type': VRRPv3 has no authentication"},
	{INST "unicast_src_ip = 10.0.0.x\n", ":5: section 'vrrp_instance VI_1', key 'unicast_src_ip': '10.0.0.x' is not an IPv4 or IPv6 address"},
	{INST "unicast_peer = 10.0.0.2, nohost\n", ":5: section 'vrrp_instance VI_1', key 'unicast_peer': 'nohost' is not an IPv4 or IPv6 address"},
	{INST "unicast_src_ip = fd00::1\n", ":5: section 'vrrp_instance VI_1', key 'unicast_src_ip': fd00::1 is not of the VIPs' address family"},
	{INST "unicast_peer = fd00::2\n", ":5: section 'vrrp_instance VI_1', key 'unicast_peer': fd00::2 is not of the VIPs' address family"},
	{INST "track_script = weight 10\n", ":5: section 'vrrp_instance VI_1', key 'track_script': 'weight' must follow a name"},
	{INST "track_interface = eth1 weight x\n", ":5: section 'vrrp_instance VI_1', key 'track_interface': eth1: weight x is not a whole number (-254 to 254)"},
	{INST "track_script = nope\n", ":5: section 'vrrp_instance VI_1', key 'track_script': 'nope' is not a defined [vrrp_script] or [pg_check]"},
	{INST "track_file = relative/file\n", ":5: section 'vrrp_instance VI_1', key 'track_file': 'relative/file' is not an absolute path"},
	{INST "priority = 255\ntrack_interface = eth1 weight -10\n", ":6: section 'vrrp_instance VI_1', key 'track_interface': priority 255 (address owner) cannot be changed by weights"},
	{"[vrrp_script s]\nscript = /bin/true\nweight = 5\n" INST "priority = 255\ntrack_script = s\n", ":9: section 'vrrp_instance VI_1', key 'track_script': priority 255 (address owner) cannot be changed by weights; 's' has a weight"},
	{INST "state = MASTER\nnopreempt = yes\n", ":6: section 'vrrp_instance VI_1', key 'nopreempt': nopreempt needs state = BACKUP"},
	{INST "quorum = yes\n", ":5: section 'vrrp_instance VI_1', key 'quorum': quorum = yes needs a [quorum] section"},
	{INST "notify = bin/notify\n", ":5: section 'vrrp_instance VI_1', key 'notify': 'bin/notify' must start with an absolute path"},
	{INST "promote = \"\"\n", ":5: section 'vrrp_instance VI_1', key 'promote': '': empty command"},
	{INST "garp_master_repeat = 0\n", ":5: section 'vrrp_instance VI_1', key 'garp_master_repeat': '0' is out of range (1 to 1000)"},
	{INST "[vrrp_instance VI_2]\ninterface = eth0\nvirtual_router_id = 51\nvirtual_ipaddress = 10.0.0.101/24\n",
	 ":7: section 'vrrp_instance VI_2', key 'virtual_router_id': VRID 51 on eth0 (IPv4) is also used by instance 'VI_1'"},
	/* [vrrp_sync_group] */
	{"[vrrp_sync_group G]\nnotify = /bin/true\n", ":1: section 'vrrp_sync_group G': required key 'group' is missing"},
	{"[vrrp_sync_group G]\ngroup = VI_9\n", ":2: section 'vrrp_sync_group G', key 'group': 'VI_9' is not a defined [vrrp_instance]"},
	{INST "[vrrp_sync_group G]\ngroup = VI_1\n[vrrp_sync_group H]\ngroup = VI_1\n", ":8: section 'vrrp_sync_group H', key 'group': instance 'VI_1' is already in group 'G'"},
	{"[vrrp_sync_group G]\ngroup = ,\n", ":2: section 'vrrp_sync_group G', key 'group': names no instance"},
	{"[quorum]\nsecret_file = /etc\n", ":2: section 'quorum', key 'secret_file': '/etc' is not a regular file"},
	{"[vrrp_sync_group G]\ngroup = VI_1\npromote = /bin/true\n", ":3: section 'vrrp_sync_group G', key 'promote': unknown key in [vrrp_sync_group]"},
};

START_TEST(test_bad_config)
{
	const struct bad_case *bc = &bad_cases[_i];
	struct conf_diags d = {0};
	struct conf *c = NULL;
	char *all;
	int r;

	r = tu_load(bc->text, &c, &d);
	all = tu_diags(&d);
	ck_assert_msg(r < 0 && c == NULL, "case %d loaded although it is broken:\n%s", _i, bc->text);
	ck_assert_msg(strstr(all, bc->expect), "case %d:\n--- config:\n%s--- expected:\n%s\n--- got:\n%s",
		      _i, bc->text, bc->expect, all);
	free(all);
	conf_diags_free(&d);
}
END_TEST

START_TEST(test_valid_full)
{
	struct conf_diags d = {0};
	struct conf *c = NULL;
	const struct conf_instance *in;
	char *key = tu_write("cluster.key", "0123456789abcdef0123456789abcdef\n", 0600), *text, *all;
	int r;

	text = xasprintf(
		"; a comment\n"
		"# another\n"
		"[global]\n"
		"router_id = DB1\n"
		"enable_script_security = yes\n"
		"notify_fifo = /run/keepquorum/notify.fifo ; inline comment\n"
		"metrics_listen = [::1]:9650\n"
		"[quorum]\n"
		"bind = 10.0.0.1:5405\n"
		"peers = db2@10.0.0.2:5405, witness@[fd00::3]:5405\n"
		"secret_file = %s\n"
		"[vrrp_script Chk_PG]\n"
		"script = /bin/sh -c 'exit 0'\n"
		"interval = 0.5\n"
		"weight = -20 reverse\n"
		"[pg_check pg]\n"
		"conninfo = host=/run/postgresql dbname=postgres\n"
		"max_lag = 16MB\n"
		"[vrrp_instance DB_Write]\n"
		"state = master\n"
		"interface = eth0\n"
		"virtual_router_id = 51\n"
		"priority = 150\n"
		"version = 3\n"
		"advert_int = 0.05\n"
		"virtual_ipaddress = 10.0.0.100/24 dev eth0 label eth0:vip, \\\n"
		"   10.0.0.101 brd 10.0.0.255 scope link\n"
		"unicast_src_ip = 10.0.0.1\n"
		"unicast_peer = 10.0.0.2 10.0.0.3\n"
		"track_interface = eth0, eth1 weight -10\n"
		"track_script = Chk_PG weight 5, pg\n"
		"quorum = yes\n"
		"notify = /bin/echo \"two words\" x\\ y\n"
		"[vrrp_sync_group G]\n"
		"group = DB_Write\n",
		key);
	r = tu_load(text, &c, &d);
	all = tu_diags(&d);
	ck_assert_msg(r == 0, "valid config refused:\n%s", all);
	ck_assert_str_eq(c->global.router_id, "DB1");
	ck_assert(c->global.enable_script_security);
	ck_assert_str_eq(c->global.notify_fifo, "/run/keepquorum/notify.fifo");
	ck_assert(c->global.metrics_listen_set && c->global.metrics_listen.port == 9650);
	ck_assert_int_eq(c->global.metrics_listen.addr.family, AF_INET6);
	ck_assert_ptr_nonnull(c->quorum);
	ck_assert_str_eq(c->quorum->node_id, "DB1"); /* defaults to router_id */
	ck_assert_int_eq(c->quorum->n_peers, 2);
	ck_assert_str_eq(c->quorum->peers[1].id, "witness");
	ck_assert_int_eq(c->quorum->peers[1].addr.addr.family, AF_INET6);
	ck_assert(c->quorum->heartbeat_interval == 0.2 && c->quorum->election_timeout == 2);
	ck_assert_int_eq(c->n_checks, 2);
	ck_assert_str_eq(c->checks[0].name, "Chk_PG");
	ck_assert_int_eq(c->checks[0].weight, -20);
	ck_assert(c->checks[0].reverse);
	ck_assert_int_eq(c->checks[0].script.argc, 3);
	ck_assert_str_eq(c->checks[0].script.argv[2], "exit 0");
	ck_assert(c->checks[0].interval == 0.5 && c->checks[0].timeout == 0);
	ck_assert_int_eq(c->checks[1].kind, CONF_CHECK_PG);
	ck_assert_uint_eq(c->checks[1].max_lag, 16u << 20);
	ck_assert_uint_eq(c->checks[1].fall, 3);
	in = conf_instance_find(c, "DB_Write");
	ck_assert_ptr_nonnull(in);
	ck_assert_int_eq(in->state, CONF_STATE_MASTER);
	ck_assert_uint_eq(in->vrid, 51);
	ck_assert_uint_eq(in->priority, 150);
	ck_assert(in->advert_int == 0.05);
	ck_assert_int_eq(in->n_vips, 2);
	ck_assert_str_eq(in->vips[0].dev, "eth0");
	ck_assert_str_eq(in->vips[0].label, "eth0:vip");
	ck_assert_uint_eq(in->vips[0].prefix, 24);
	ck_assert_uint_eq(in->vips[1].prefix, 32);
	ck_assert(in->vips[1].brd_set);
	ck_assert_str_eq(in->vips[1].scope, "link");
	ck_assert_int_eq(in->n_unicast_peers, 2);
	ck_assert_int_eq(in->n_track_ifs, 2);
	ck_assert(in->track_ifs[1].weight_set && in->track_ifs[1].weight == -10);
	ck_assert_int_eq(in->n_track_scripts, 2);
	ck_assert_ptr_eq(in->track_scripts[0].check, &c->checks[0]);
	ck_assert(in->quorum);
	ck_assert_int_eq(in->hooks[CONF_HOOK_NOTIFY].argc, 3);
	ck_assert_str_eq(in->hooks[CONF_HOOK_NOTIFY].argv[1], "two words");
	ck_assert_str_eq(in->hooks[CONF_HOOK_NOTIFY].argv[2], "x y");
	ck_assert_str_eq(in->sync_group, "G");
	free(all);
	free(text);
	free(key);
	conf_free(c);
}
END_TEST

START_TEST(test_defaults)
{
	struct conf_diags d = {0};
	struct conf *c = NULL;
	const struct conf_instance *in;

	ck_assert_int_eq(tu_load(INST, &c, &d), 0);
	in = &c->instances[0];
	ck_assert_int_eq(in->state, CONF_STATE_BACKUP);
	ck_assert_uint_eq(in->priority, 100);
	ck_assert_uint_eq(in->version, 2);  /* keepalived's default vrrp_version */
	ck_assert(in->advert_int == 1);
	ck_assert(!in->nopreempt && in->preempt_delay == 0);
	ck_assert(in->garp_master_delay == 5 && in->garp_master_repeat == 5);
	ck_assert(!in->quorum);
	ck_assert_ptr_null(c->quorum);
	ck_assert_ptr_nonnull(c->global.router_id);
	ck_assert_ptr_nonnull(c->global.script_user);
	conf_free(c);
	/* IPv6 VIPs make version 3 the default */
	ck_assert_int_eq(tu_load("[vrrp_instance v6]\ninterface = eth0\nvirtual_router_id = 1\n"
				 "virtual_ipaddress = fd00::1/64\n", &c, &d), 0);
	ck_assert_uint_eq(c->instances[0].version, 3);
	ck_assert_int_eq(c->instances[0].family, AF_INET6);
	conf_free(c);
	/* the same VRID is fine on another interface and in the other family (RFC 5798 1) */
	ck_assert_int_eq(tu_load(INST "[vrrp_instance b]\ninterface = eth1\nvirtual_router_id = 51\n"
				 "virtual_ipaddress = 10.0.1.1\n[vrrp_instance c]\ninterface = eth0\n"
				 "virtual_router_id = 51\nvirtual_ipaddress = fd00::1\n", &c, &d), 0);
	conf_free(c);
	ck_assert_int_eq(d.n, 0);
}
END_TEST

START_TEST(test_every_problem_at_once)
{
	struct conf_diags d = {0};
	struct conf *c = NULL;

	ck_assert_int_lt(tu_load("[global]\nrouter_id = a b\nbogus = 1\n[vrrp_instance x]\n"
				 "interface = eth0\nvirtual_router_id = 999\nvirtual_ipaddress = 1.2.3.4\n"
				 "priority = 0\nsyntax error here\n", &c, &d), 0);
	ck_assert_int_eq(d.n, 5);
	/* sorted by line */
	ck_assert_uint_eq(d.v[0].line, 2);
	ck_assert_uint_eq(d.v[1].line, 3);
	ck_assert_uint_eq(d.v[2].line, 6);
	ck_assert_uint_eq(d.v[3].line, 8);
	ck_assert_uint_eq(d.v[4].line, 9);
	conf_diags_free(&d);
}
END_TEST

START_TEST(test_vip_option_recovery)
{
	/* a bad option is reported once; the VIP's other options are not taken for addresses */
	struct conf_diags d = {0};
	struct conf *c = NULL;

	ck_assert_int_lt(tu_load("[vrrp_instance a]\ninterface = eth0\nvirtual_router_id = 1\n"
				 "virtual_ipaddress = 10.0.0.1/24 brd fd00::1 scope link label a:1, 10.0.0.2\n",
				 &c, &d), 0);
	ck_assert_int_eq(d.n, 1);
	conf_diags_free(&d);
}
END_TEST

START_TEST(test_files)
{
	struct conf_diags d = {0};
	struct conf *c = NULL;
	char *all;

	/* missing file */
	ck_assert_int_lt(conf_load("/nonexistent/keepquorum.ini", &c, &d), 0);
	all = tu_diags(&d);
	ck_assert_msg(strstr(all, "/nonexistent/keepquorum.ini: cannot read: No such file or directory"), "%s", all);
	free(all);
	conf_diags_free(&d);
	/* a NUL byte: reported with its line */
	{
		char *path = tu_write_bytes("nul.ini", "[global]\nrouter_id = a\0b\n", 26, 0644);

		ck_assert_int_lt(conf_load(path, &c, &d), 0);
		all = tu_diags(&d);
		ck_assert_msg(strstr(all, "nul.ini:2: contains a NUL byte: not a text file"), "%s", all);
		free(all);
		free(path);
		conf_diags_free(&d);
	}
	/* larger than 4 MiB: refused without reading it all */
	{
		char *big = xmalloc((4u << 20) + 2);

		memset(big, '\n', (4u << 20) + 1);
		big[(4u << 20) + 1] = '\0';
		ck_assert_int_lt(tu_load(big, &c, &d), 0);
		all = tu_diags(&d);
		ck_assert_msg(strstr(all, "cannot read: larger than 4 MiB, not a config file"), "%s", all);
		free(all);
		conf_diags_free(&d);
		/* exactly 4 MiB of blank lines is a (useless but) valid file */
		big[4u << 20] = '\0';
		ck_assert_int_eq(tu_load(big, &c, &d), 0);
		conf_free(c);
		free(big);
	}
	/* binary garbage */
	ck_assert_int_lt(tu_load("[global]\nrouter_id = a\n\x01\x02\xff\n", &c, &d), 0);
	ck_assert_int_ge(d.n, 1);
	conf_diags_free(&d);
	/* a line longer than iniparser can read */
	{
		char *longline = xmalloc(5000);

		memset(longline, 'x', 4999);
		longline[4999] = '\0';
		memcpy(longline, "[global]\nrouter_id = ", 21);
		ck_assert_int_lt(tu_load(longline, &c, &d), 0);
		all = tu_diags(&d);
		ck_assert_msg(strstr(all, ":2: line is 4990 bytes long; at most 1022 are allowed"), "%s", all);
		free(all);
		free(longline);
		conf_diags_free(&d);
	}
}
END_TEST

START_TEST(test_secret_size)
{
	struct conf_diags d = {0};
	struct conf *c = NULL;
	char *huge = xmalloc(65537), *huge_key, *t, *all;

	/* a key of exactly 64 KiB is taken, one byte more is not */
	memset(huge, 'k', 65537);
	t = xasprintf("[quorum]\nbind = 10.0.0.1:5405\npeers = b@10.0.0.2:5405, c@10.0.0.3:5405\n"
		      "secret_file = %s/huge.key\n", tu_dir());
	huge_key = tu_write_bytes("huge.key", huge, 65536, 0600);
	ck_assert_int_eq(tu_load(t, &c, &d), 0);
	conf_free(c);
	free(huge_key);
	huge_key = tu_write_bytes("huge.key", huge, 65537, 0600);
	ck_assert_int_lt(tu_load(t, &c, &d), 0);
	all = tu_diags(&d);
	ck_assert_msg(strstr(all, "larger than 64 KiB"), "%s", all);
	free(all);
	conf_diags_free(&d);
	free(huge_key);
	free(huge);
	free(t);
}
END_TEST

static char *test_quorum_text(const char *secret, const char *extra)
{
	return xasprintf("[quorum]\nbind = 10.0.0.1:5405\npeers = %s\nsecret_file = %s\n",
			 extra, secret);
}

START_TEST(test_quorum_rules)
{
	struct conf_diags d = {0};
	struct conf *c = NULL;
	char *good = tu_write("good.key", "0123456789abcdef0123\n", 0600);
	char *open_key = tu_write("open.key", "0123456789abcdef0123\n", 0644);
	char *short_key = tu_write("short.key", "short\n", 0600);
	static const struct {
		int which;
		const char *peers, *expect;
	} cases[] = {
		{0, "b@10.0.0.2:5405", ":5: section 'quorum', key 'peers': a quorum of 2 members cannot survive"},
		{0, "b@10.0.0.2:5405, b@10.0.0.3:5405", "peer 'b' is named twice"},
		{0, "b@10.0.0.2:5405, c@10.0.0.2:5405", "peers 'b' and 'c' have the same address"},
		{0, "node@10.0.0.2:5405, c@10.0.0.3:5405", "peer 'node' is this node's own node_id"},
		{1, "b@10.0.0.2:5405, c@10.0.0.3:5405", ":6: section 'quorum', key 'secret_file': "},
		{2, "b@10.0.0.2:5405, c@10.0.0.3:5405", "holds 6 bytes; a key needs at least 16"},
		{3, "b@10.0.0.2:5405, c@10.0.0.3:5405", "No such file or directory"},
	};
	const char *keys[] = {good, open_key, short_key, "/nonexistent.key"};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *t = test_quorum_text(keys[cases[i].which], cases[i].peers), *t2, *all;

		t2 = xasprintf("[global]\nrouter_id = node\n%s", t);
		ck_assert_int_lt(tu_load(t2, &c, &d), 0);
		all = tu_diags(&d);
		ck_assert_msg(strstr(all, cases[i].expect), "case %zu: expected %s, got\n%s", i, cases[i].expect, all);
		free(all);
		free(t);
		free(t2);
		conf_diags_free(&d);
	}
	/* world-readable key: the message says how to fix it */
	{
		char *t = test_quorum_text(open_key, "b@10.0.0.2:5405, c@10.0.0.3:5405"), *all;

		ck_assert_int_lt(tu_load(t, &c, &d), 0);
		all = tu_diags(&d);
		ck_assert_msg(strstr(all, "is accessible by every user (mode 0644)"), "%s", all);
		free(all);
		free(t);
		conf_diags_free(&d);
	}
	/* a witness may not run a gated instance */
	{
		char *t = test_quorum_text(good, "b@10.0.0.2:5405, c@10.0.0.3:5405"), *t2, *all;

		t2 = xasprintf("%switness = yes\n" INST "quorum = yes\n", t);
		ck_assert_int_lt(tu_load(t2, &c, &d), 0);
		all = tu_diags(&d);
		ck_assert_msg(strstr(all, ":10: section 'vrrp_instance VI_1', key 'quorum': this node is a witness"), "%s", all);
		free(all);
		free(t);
		free(t2);
		conf_diags_free(&d);
	}
	free(good);
	free(open_key);
	free(short_key);
}
END_TEST

START_TEST(test_script_security)
{
	struct conf_diags d = {0};
	struct conf *c = NULL;
	char *safe = tu_write("safe.sh", "#!/bin/sh\nexit 0\n", 0755);
	char *unsafe = tu_write("unsafe.sh", "#!/bin/sh\nexit 0\n", 0777);
	char *t, *all;

	t = xasprintf("[global]\nscript_user = root\nenable_script_security = yes\n"
		      "[vrrp_script ok]\nscript = %s\n", safe);
	ck_assert_int_eq(tu_load(t, &c, &d), 0);
	conf_free(c);
	free(t);
	t = xasprintf("[global]\nscript_user = root\nenable_script_security = yes\n"
		      "[vrrp_script bad]\nscript = %s arg\n", unsafe);
	ck_assert_int_lt(tu_load(t, &c, &d), 0);
	all = tu_diags(&d);
	ck_assert_msg(strstr(all, ":5: section 'vrrp_script bad', key 'script': ") &&
		      strstr(all, "is writable by a non-root user"), "%s", all);
	free(all);
	free(t);
	conf_diags_free(&d);
	/* without enable_script_security the same script is accepted, as keepalived does */
	t = xasprintf("[global]\nscript_user = root\n[vrrp_script bad]\nscript = %s\n", unsafe);
	ck_assert_int_eq(tu_load(t, &c, &d), 0);
	conf_free(c);
	free(t);
	free(safe);
	free(unsafe);
}
END_TEST

START_TEST(test_example_parses)
{
	/* The shipped example, with its key path pointed at a key the test owns: everything else in
	 * it must be valid as written. */
	char *path = xasprintf("%s/conf/keepquorum.ini.example", KQ_TEST_SRCDIR), *text, *key, *fixed, *p;
	struct conf_diags d = {0};
	struct conf *c = NULL;
	size_t len;

	ck_assert_int_eq(util_read_file(path, 1 << 20, &text, &len), 0);
	key = tu_write("cluster.key", "0123456789abcdef0123456789abcdef\n", 0600);
	p = strstr(text, "/etc/keepquorum/cluster.key");
	ck_assert_ptr_nonnull(p);
	*p = '\0';
	fixed = xasprintf("%s%s%s", text, key, p + strlen("/etc/keepquorum/cluster.key"));
	if (access("/usr/bin/pg_isready", X_OK) == 0 && access("/usr/bin/logger", X_OK) == 0) {
		char *all;
		int r = tu_load(fixed, &c, &d);

		all = tu_diags(&d);
		ck_assert_msg(r == 0, "example refused:\n%s", all);
		free(all);
		ck_assert_int_eq(c->n_instances, 1);
		conf_free(c);
	}
	free(fixed);
	free(key);
	free(text);
	free(path);
}
END_TEST

START_TEST(test_instance_same)
{
	/* what decides whether a reload keeps an instance's state and VIPs */
	static const char *const variants[] = {
		"priority = 101\n", "advert_int = 2\n", "nopreempt = yes\n",
		"track_interface = eth1\n", "unicast_peer = 10.0.0.9\n", "garp_master_delay = 1\n",
		"auth_type = PASS\nauth_pass = x\n",
	};
	/* hooks are read at each transition: changing them keeps the instance (and the database
	 * is neither demoted nor promoted for an edit to a script's path) */
	static const char *const kept[] = {
		"notify = /bin/true\n", "promote = /bin/true\ndemote = /bin/false\n",
		"promote_timeout = 5\nnotify_timeout = 1\n",
	};
	struct conf_diags d = {0};
	struct conf *a = NULL, *b = NULL;

	ck_assert_int_eq(tu_load(INST, &a, &d), 0);
	ck_assert_int_eq(tu_load("; only a comment differs\n" INST, &b, &d), 0);
	ck_assert(conf_instance_same(&a->instances[0], &b->instances[0]));
	conf_free(b);
	for (size_t i = 0; i < ARRAY_SIZE(variants); i++) {
		char *t = xasprintf(INST "%s", variants[i]);

		ck_assert_int_eq(tu_load(t, &b, &d), 0);
		ck_assert_msg(!conf_instance_same(&a->instances[0], &b->instances[0]),
			      "'%s' did not count as a change", variants[i]);
		conf_free(b);
		free(t);
	}
	for (size_t i = 0; i < ARRAY_SIZE(kept); i++) {
		char *t = xasprintf(INST "%s", kept[i]);

		ck_assert_int_eq(tu_load(t, &b, &d), 0);
		ck_assert_msg(conf_instance_same(&a->instances[0], &b->instances[0]),
			      "'%s' counted as a change", kept[i]);
		conf_free(b);
		free(t);
	}
	conf_free(a);
}
END_TEST

static Suite *conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_bad_config, 0, (int)ARRAY_SIZE(bad_cases));
	tcase_add_test(tc, test_valid_full);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_every_problem_at_once);
	tcase_add_test(tc, test_files);
	tcase_add_test(tc, test_vip_option_recovery);
	tcase_add_test(tc, test_quorum_rules);
	tcase_add_test(tc, test_secret_size);
	tcase_add_test(tc, test_script_security);
	tcase_add_test(tc, test_example_parses);
	tcase_add_test(tc, test_instance_same);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(conf_suite());
}
