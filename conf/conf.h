/* keepquorum configuration: the typed form of keepquorum.ini (SPEC.md, keepquorum.ini(5)).
 *
 * conf_load() reads and validates a file and returns either a complete, valid struct conf or the
 * list of every problem found; never a half-valid config. The structs are plain data, owned by
 * the struct conf and freed with it. */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define CONF_DEFAULT_PATH "/etc/keepquorum/keepquorum.ini"

/* conf_load() flags */
enum {
	/* Return what could be read even when there are problems (for --release, which must remove
	 * the VIPs of a file that was edited into an invalid state). */
	CONF_LOAD_PARTIAL = 1 << 0,
};

/* One problem found in a config file, printed as FILE:LINE: section 'S', key 'K': msg. */
struct conf_diag {
	char *file;
	unsigned line;   /* 0 when it cannot be known */
	char *section;   /* as written, NULL for file-level problems */
	char *key;       /* NULL for section-level problems */
	char *msg;
};

struct conf_diags {
	struct conf_diag *v;
	size_t n, cap;
};

void conf_diags_add(struct conf_diags *d, const char *file, unsigned line, const char *section,
		    const char *key, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* "FILE:LINE: section 'S', key 'K': msg" into buf; returns buf. */
const char *conf_diag_format(const struct conf_diag *dg, char *buf, size_t len);
void conf_diags_free(struct conf_diags *d);

/* An IPv4 or IPv6 address. */
struct conf_addr {
	int family; /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} u;
};

struct conf_sockaddr {
	struct conf_addr addr;
	uint16_t port;
};

/* A command line, already split into words the way keepalived splits them. */
struct conf_cmd {
	char *text;   /* as written */
	char **argv;  /* NULL-terminated */
	size_t argc;
};

struct conf_global {
	char *router_id;
	char *script_user;           /* resolved default: keepalived_script if it exists, else root */
	char *script_group;          /* NULL: the user's primary group */
	bool script_user_set;
	bool enable_script_security;
	char *notify_fifo;           /* NULL: none */
	struct conf_sockaddr metrics_listen;
	bool metrics_listen_set;
};

struct conf_peer {
	char *id;
	struct conf_sockaddr addr;
};

struct conf_quorum {
	char *node_id;
	struct conf_sockaddr bind;
	struct conf_peer *peers;
	size_t n_peers;
	bool witness;
	char *secret_file;
	double heartbeat_interval; /* seconds */
	double election_timeout;   /* seconds */
};

enum conf_check_kind { CONF_CHECK_SCRIPT, CONF_CHECK_PG };

/* [vrrp_script NAME] and [pg_check NAME]: both are "checks" an instance can track_script. */
struct conf_check {
	enum conf_check_kind kind;
	char *name;
	double interval, timeout;  /* seconds; timeout 0 means interval (keepalived) */
	unsigned rise, fall;
	int weight;                /* -253..253 */
	bool reverse;
	/* script */
	struct conf_cmd script;
	char *user;                /* NULL: global script_user */
	char *group;               /* NULL: the user's primary group */
	/* pg */
	char *conninfo;
	uint64_t max_lag;          /* bytes; 0: no limit */
};

struct conf_vip {
	struct conf_addr addr;
	unsigned prefix;
	char *dev;     /* NULL: the instance's interface */
	char *label;
	struct conf_addr brd;
	bool brd_set;
	char *scope;   /* "global", "site", "link", "host" or "nowhere"; NULL: global */
	char *text;    /* the entry as written, for status */
};

/* A tracked object with an optional weight: track_interface, track_script, track_file. */
struct conf_track {
	char *name;        /* interface name, check name or file path */
	int weight;
	bool weight_set;
	bool reverse;
	const struct conf_check *check; /* track_script: resolved by validation */
};

enum conf_state_hint { CONF_STATE_BACKUP, CONF_STATE_MASTER };

enum conf_hook {
	CONF_HOOK_PROMOTE,
	CONF_HOOK_DEMOTE,
	CONF_HOOK_NOTIFY_MASTER,
	CONF_HOOK_NOTIFY_BACKUP,
	CONF_HOOK_NOTIFY_FAULT,
	CONF_HOOK_NOTIFY_STOP,
	CONF_HOOK_NOTIFY,
	CONF_HOOK_COUNT
};
const char *conf_hook_name(enum conf_hook h);

struct conf_instance {
	char *name;
	enum conf_state_hint state;
	char *interface;
	unsigned vrid;
	unsigned priority;
	double advert_int;
	unsigned version;        /* 2 or 3 */
	bool nopreempt;
	double preempt_delay;
	struct conf_vip *vips;
	size_t n_vips;
	int family;              /* of the VIPs and adverts */
	struct conf_addr unicast_src;
	bool unicast_src_set;
	struct conf_addr *unicast_peers;
	size_t n_unicast_peers;
	bool auth_pass_set;
	char auth_pass[8];       /* zero-padded, RFC 2338 simple text password */
	struct conf_track *track_ifs, *track_scripts, *track_files;
	size_t n_track_ifs, n_track_scripts, n_track_files;
	bool quorum;
	double garp_master_delay;
	unsigned garp_master_repeat;
	double garp_master_refresh;
	struct conf_cmd hooks[CONF_HOOK_COUNT]; /* argv NULL when not set */
	double promote_timeout, demote_timeout, notify_timeout; /* seconds */
	char *sync_group;        /* resolved by validation, NULL when in none */
};

struct conf_group {
	char *name;
	char **members;
	size_t n_members;
	struct conf_cmd hooks[CONF_HOOK_COUNT]; /* only the notify ones are allowed */
	double notify_timeout;
};

struct conf {
	char *path;
	struct conf_global global;
	struct conf_quorum *quorum;  /* NULL: no [quorum] section */
	struct conf_check *checks;
	size_t n_checks;
	struct conf_instance *instances;
	size_t n_instances;
	struct conf_group *groups;
	size_t n_groups;
};

/* Read, parse and validate. On success returns 0 and *out; otherwise returns -EINVAL (problems in
 * *diags, at least one) or -errno when the file cannot be read (also described in *diags). */
int conf_load(const char *path, struct conf **out, struct conf_diags *diags);
/* With CONF_LOAD_PARTIAL, *out is set whenever the file could be read, problems or not. */
int conf_load_flags(const char *path, unsigned flags, struct conf **out, struct conf_diags *diags);
void conf_free(struct conf *c);

const struct conf_instance *conf_instance_find(const struct conf *c, const char *name);
/* compare.c: true when b configures exactly what a does (a reload may keep the instance). */
bool conf_instance_same(const struct conf_instance *a, const struct conf_instance *b);
/* true when both are NULL or configure the same quorum member (the secret's content is not
 * compared: the key is read at start) */
bool conf_quorum_same(const struct conf_quorum *a, const struct conf_quorum *b);
const struct conf_check *conf_check_find(const struct conf *c, const char *name);

/* schema.c: the section types of keepquorum.ini and the keys each accepts, exactly what the
 * loader accepts (any other key is an error). Also read by the test that keeps keepquorum.ini(5)
 * complete (tests/conf/man-keys.sh). */
struct conf_schema_section {
	const char *type;          /* "global", "vrrp_instance", ... (lower case) */
	bool named;                /* written [TYPE NAME]; otherwise [TYPE] */
	const char *const *keys;   /* NULL-terminated, lower case */
};
/* Every section type, in the order keepquorum.ini(5) describes them; ends with type NULL. */
const struct conf_schema_section *conf_schema(void);
/* The section type `type` (lower case), or NULL when there is none. */
const struct conf_schema_section *conf_schema_find(const char *type);

/* Address helpers, shared with the daemon. */
int conf_addr_parse(const char *s, struct conf_addr *a);
const char *conf_addr_str(const struct conf_addr *a, char *buf, size_t len);
bool conf_addr_eq(const struct conf_addr *a, const struct conf_addr *b);
/* "10.0.0.1:5405", "[::1]:9650" */
const char *conf_sockaddr_str(const struct conf_sockaddr *a, char *buf, size_t len);
bool conf_sockaddr_eq(const struct conf_sockaddr *a, const struct conf_sockaddr *b);
