/* The schema of keepquorum.ini: every section type and the keys each one accepts. The loader
 * rejects any key not listed here (load.c), and tests/conf/man-keys.sh fails when a key listed
 * here is not described in keepquorum.ini(5) or one described there is not listed here: one
 * table, so that the file format, its checker and its documentation cannot drift apart. */
#include "conf/conf.h"

#include <string.h>

static const char *const schema_global[] = {
	"router_id", "script_user", "enable_script_security", "notify_fifo", "metrics_listen", NULL};

static const char *const schema_quorum[] = {
	"node_id", "bind", "peers", "witness", "secret_file", "heartbeat_interval",
	"election_timeout", NULL};

static const char *const schema_script[] = {
	"script", "interval", "timeout", "rise", "fall", "weight", "user", NULL};

static const char *const schema_pg[] = {
	"conninfo", "interval", "timeout", "rise", "fall", "weight", "max_lag", NULL};

static const char *const schema_instance[] = {
	"state", "interface", "virtual_router_id", "priority", "advert_int", "version", "nopreempt",
	"preempt_delay", "virtual_ipaddress", "unicast_src_ip", "unicast_peer", "auth_type",
	"auth_pass", "track_interface", "track_script", "track_file", "quorum", "garp_master_delay",
	"garp_master_repeat", "garp_master_refresh", "promote", "demote", "notify_master",
	"notify_backup", "notify_fault", "notify_stop", "notify", "promote_timeout", "demote_timeout",
	"notify_timeout", NULL};

/* Instances' hooks but promote and demote: a group only notifies (validate.c). */
static const char *const schema_group[] = {
	"group", "notify_master", "notify_backup", "notify_fault", "notify_stop", "notify",
	"notify_timeout", NULL};

static const struct conf_schema_section schema[] = {
	{"global", false, schema_global},
	{"quorum", false, schema_quorum},
	{"vrrp_script", true, schema_script},
	{"pg_check", true, schema_pg},
	{"vrrp_instance", true, schema_instance},
	{"vrrp_sync_group", true, schema_group},
	{NULL, false, NULL},
};

const struct conf_schema_section *conf_schema(void)
{
	return schema;
}

const struct conf_schema_section *conf_schema_find(const char *type)
{
	for (const struct conf_schema_section *s = schema; s->type; s++)
		if (strcmp(s->type, type) == 0)
			return s;
	return NULL;
}
