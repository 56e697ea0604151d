/* `keepquorumctl status` for people: the status object of SPEC.md as a few lines about the node
 * and the quorum, then tables whose columns are as wide as their widest cell. Every value comes
 * from the JSON as it is: null or absent shows as "-", booleans as yes/no, durations in units a
 * person reads ("1.64s", "80ms ago"). Scripts use --json. */
#include "tools/ctl.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* --- a table: cells row by row, row 0 the header; the last column is not padded ---------- */

struct ctl_tbl {
	size_t ncols, n, cap;
	char **cell;
};

static void tbl_cell(struct ctl_tbl *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void tbl_cell(struct ctl_tbl *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	XGROW(t->cell, t->n, t->cap);
	t->cell[t->n++] = xvasprintf(fmt, ap);
	va_end(ap);
}

static void tbl_init(struct ctl_tbl *t, const char *const *header, size_t ncols)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	for (size_t i = 0; i < ncols; i++)
		tbl_cell(t, "%s", header[i]);
}

/* Columns a string takes on a terminal: UTF-8 continuation bytes take none. */
static size_t tbl_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

static void tbl_print(FILE *f, struct ctl_tbl *t)
{
	size_t *w = xcalloc(t->ncols, sizeof(*w));

	for (size_t i = 0; i < t->n; i++) {
		size_t cw = tbl_width(t->cell[i]);

		if (cw > w[i % t->ncols])
			w[i % t->ncols] = cw;
	}
	for (size_t i = 0; i < t->n; i++) {
		size_t col = i % t->ncols;

		fputs(t->cell[i], f);
		if (col + 1 == t->ncols || i + 1 == t->n)
			fputc('\n', f);
		else
			fprintf(f, "%*s", (int)(w[col] - tbl_width(t->cell[i]) + 2), "");
		free(t->cell[i]);
	}
	free(t->cell);
	free(w);
}

/* --- values ------------------------------------------------------------------------------ */

void ctl_fmt_duration(char *buf, size_t size, int64_t ms)
{
	int64_t v;

	if (ms < 0)
		ms = 0;
	if (ms < 1000) {
		snprintf(buf, size, "%" PRId64 "ms", ms);
	} else if ((v = (ms + 5) / 10) < 1000) {
		snprintf(buf, size, "%" PRId64 ".%02" PRId64 "s", v / 100, v % 100);
	} else if ((v = (ms + 50) / 100) < 600) {
		snprintf(buf, size, "%" PRId64 ".%" PRId64 "s", v / 10, v % 10);
	} else if ((v = (ms + 500) / 1000) < 3600) {
		snprintf(buf, size, "%" PRId64 "m%02" PRId64 "s", v / 60, v % 60);
	} else if ((v = (ms + 30000) / 60000) < 1440) {
		snprintf(buf, size, "%" PRId64 "h%02" PRId64 "m", v / 60, v % 60);
	} else {
		v = (ms + 1800000) / 3600000;
		snprintf(buf, size, "%" PRId64 "d%02" PRId64 "h", v / 24, v % 24);
	}
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* A field as text: null or absent "-", booleans yes/no. */
static const char *str(json_object *o, const char *key)
{
	json_object *v = get(o, key);

	if (!v)
		return "-";
	if (json_object_is_type(v, json_type_boolean))
		return json_object_get_boolean(v) ? "yes" : "no";
	return json_object_get_string(v);
}

static bool is_true(json_object *o, const char *key)
{
	json_object *v = get(o, key);

	return v && json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

/* A duration in milliseconds: "-" when null or absent, else e.g. "1.64s" + suffix. */
static const char *dur(char *buf, size_t size, json_object *o, const char *key, const char *suffix)
{
	json_object *v = get(o, key);

	if (!v || !(json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)))
		return "-";
	ctl_fmt_duration(buf, size, (int64_t)(json_object_get_double(v) + 0.5));
	strncat(buf, suffix, size - strlen(buf) - 1);
	return buf;
}

static size_t len(json_object *arr)
{
	return arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
}

static char *join(json_object *arr)
{
	char *s = xstrdup(""), *t;

	for (size_t i = 0; i < len(arr); i++) {
		t = xasprintf("%s%s%s", s, i ? "," : "", json_object_get_string(
				      json_object_array_get_idx(arr, i)));
		free(s);
		s = t;
	}
	return s[0] ? s : (free(s), xstrdup("-"));
}

/* "name N, name N" of the non-zero counters of an object; NULL when all are zero. */
static char *nonzero(json_object *counts)
{
	char *s = NULL, *t;

	if (!counts || !json_object_is_type(counts, json_type_object))
		return NULL;
	json_object_object_foreach(counts, k, v) {
		if (json_object_get_int64(v) <= 0)
			continue;
		t = xasprintf("%s%s%s %" PRId64, s ? s : "", s ? ", " : "", k, json_object_get_int64(v));
		free(s);
		s = t;
	}
	return s;
}

/* --- sections ------------------------------------------------------------------------------ */

static void print_node(FILE *f, json_object *st)
{
	char up[32];

	fprintf(f, "node      %s, keepquorum %s, up %s\n", str(st, "node"), str(st, "version"),
		dur(up, sizeof(up), st, "uptime_ms", ""));
	if (get(st, "config"))
		fprintf(f, "config    %s\n", str(st, "config"));
	if (is_true(st, "paused"))
		fprintf(f, "PAUSED    maintenance: no election starts in the cluster until "
			"\"keepquorumctl resume\"; the leader keeps its lease and VIPs\n");
}

static void print_quorum(FILE *f, json_object *st)
{
	static const char *const hdr[] = {"MEMBER", "REACHABLE", "LAST SEEN", "HEALTHY", "LSN",
					  "PRIORITY", "WITNESS"};
	json_object *q = get(st, "quorum"), *members = get(q, "members");
	const char *leader = str(q, "leader");
	char lease[32], seen[32];
	struct ctl_tbl t;

	if (!q) {
		fprintf(f, "quorum    none (no [quorum] section: VIPs follow VRRP alone, as with "
			"keepalived)\n");
		return;
	}
	fprintf(f, "quorum    role %s, term %s, leader %s%s, has quorum %s, lease %s\n",
		str(q, "role"), str(q, "term"), leader,
		strcmp(leader, str(st, "node")) ? "" : " (this node)", str(q, "has_quorum"),
		strcmp(str(q, "role"), "leader") ? "-" :
		dur(lease, sizeof(lease), q, "lease_remaining_ms", " left"));
	fprintf(f, "          this node: healthy %s, lsn %s, priority %s, elections %s, fencing %s",
		str(q, "healthy"), str(q, "lsn"), str(q, "priority"), str(q, "elections"),
		str(q, "fencing"));
	if (json_object_get_int64(get(q, "vip_lifetime_s")) > 0)
		fprintf(f, " (VIP lifetime %ss)", str(q, "vip_lifetime_s"));
	fputc('\n', f);
	if (!len(members))
		return;
	fputc('\n', f);
	tbl_init(&t, hdr, ARRAY_SIZE(hdr));
	for (size_t i = 0; i < len(members); i++) {
		json_object *m = json_object_array_get_idx(members, i);

		tbl_cell(&t, "%s", str(m, "id"));
		tbl_cell(&t, "%s", str(m, "reachable"));
		tbl_cell(&t, "%s", get(m, "last_seen_ms") ? dur(seen, sizeof(seen), m, "last_seen_ms",
								  " ago") : "never");
		tbl_cell(&t, "%s", str(m, "healthy"));
		tbl_cell(&t, "%s", str(m, "lsn"));
		tbl_cell(&t, "%s", str(m, "priority"));
		tbl_cell(&t, "%s", str(m, "witness"));
	}
	tbl_print(f, &t);
}

/* The columns of the instance table; GATED only with a quorum, GROUP only with sync groups. */
enum { I_NAME, I_STATE, I_VRID, I_IFACE, I_PRIO, I_EFF, I_VIPS, I_UP, I_MASTER, I_GATED, I_GROUP,
       I_BLOCKED, I_N };

static void print_instances(FILE *f, json_object *st, json_object *arr)
{
	static const char *const names[I_N] = {"INSTANCE", "STATE", "VRID", "IFACE", "PRIO", "EFF",
					       "VIPS", "UP", "MASTER", "GATED", "GROUP",
					       "BLOCKED BY"};
	const char *hdr[I_N];
	bool show[I_N];
	size_t n = 0;
	struct ctl_tbl t;

	if (!len(arr))
		return;
	for (size_t c = 0; c < I_N; c++)
		show[c] = true;
	show[I_GATED] = get(st, "quorum") != NULL;
	show[I_GROUP] = len(get(st, "sync_groups")) > 0;
	for (size_t c = 0; c < I_N; c++)
		if (show[c])
			hdr[n++] = names[c];
	fputc('\n', f);
	tbl_init(&t, hdr, n);
	for (size_t i = 0; i < len(arr); i++) {
		json_object *in = json_object_array_get_idx(arr, i);
		char *vips = join(get(in, "vips"));
		const char *why = str(in, "fault_reason"), *blocked = str(in, "blocked_by");

		tbl_cell(&t, "%s", str(in, "name"));
		tbl_cell(&t, "%s", str(in, "state"));
		tbl_cell(&t, "%s", str(in, "vrid"));
		tbl_cell(&t, "%s", str(in, "interface"));
		tbl_cell(&t, "%s", str(in, "priority"));
		tbl_cell(&t, "%s", str(in, "effective_priority"));
		tbl_cell(&t, "%s", vips);
		tbl_cell(&t, "%s", str(in, "vips_up"));
		tbl_cell(&t, "%s", str(in, "master_ip"));
		if (show[I_GATED])
			tbl_cell(&t, "%s", str(in, "quorum_gated"));
		if (show[I_GROUP])
			tbl_cell(&t, "%s", str(in, "sync_group"));
		if (strcmp(why, "-") && strcmp(blocked, "-"))
			tbl_cell(&t, "%s (%s)", blocked, why);
		else
			tbl_cell(&t, "%s", strcmp(why, "-") ? why : blocked);
		free(vips);
	}
	tbl_print(f, &t);
}

/* "exit 0 (1.05s, 2m03s ago)" for an instance's last promote or demote. */
static char *hook_last(json_object *h)
{
	char took[32], ago[32];

	if (!h)
		return xstrdup("-");
	return xasprintf("%s (%s, %s ago)", str(h, "detail"), dur(took, sizeof(took), h, "duration_ms", ""),
			 dur(ago, sizeof(ago), h, "ago_ms", ""));
}

static void print_db(FILE *f, json_object *arr)
{
	static const char *const hdr[] = {"INSTANCE", "DATABASE", "LAST PROMOTE", "LAST DEMOTE"};
	struct ctl_tbl t;
	bool any = false;

	for (size_t i = 0; i < len(arr); i++)
		any |= get(json_object_array_get_idx(arr, i), "db") != NULL;
	if (!any)
		return;
	fputc('\n', f);
	tbl_init(&t, hdr, ARRAY_SIZE(hdr));
	for (size_t i = 0; i < len(arr); i++) {
		json_object *db = get(json_object_array_get_idx(arr, i), "db");
		char *p, *d;

		if (!db)
			continue;
		p = hook_last(get(db, "promote"));
		d = hook_last(get(db, "demote"));
		tbl_cell(&t, "%s", str(json_object_array_get_idx(arr, i), "name"));
		tbl_cell(&t, "%s", str(db, "role"));
		tbl_cell(&t, "%s", p);
		tbl_cell(&t, "%s", d);
		free(p);
		free(d);
	}
	tbl_print(f, &t);
}

static void print_groups(FILE *f, json_object *arr)
{
	static const char *const hdr[] = {"SYNC GROUP", "STATE", "MEMBERS"};
	struct ctl_tbl t;

	if (!len(arr))
		return;
	fputc('\n', f);
	tbl_init(&t, hdr, ARRAY_SIZE(hdr));
	for (size_t i = 0; i < len(arr); i++) {
		json_object *g = json_object_array_get_idx(arr, i);
		char *m = join(get(g, "members"));

		tbl_cell(&t, "%s", str(g, "name"));
		tbl_cell(&t, "%s", str(g, "state"));
		tbl_cell(&t, "%s", m);
		free(m);
	}
	tbl_print(f, &t);
}

static void print_checks(FILE *f, json_object *arr)
{
	static const char *const hdr[] = {"CHECK", "TYPE", "OK", "STATE", "LAST RUN", "TOOK",
					  "DETAIL"};
	struct ctl_tbl t;

	if (!len(arr))
		return;
	fputc('\n', f);
	tbl_init(&t, hdr, ARRAY_SIZE(hdr));
	for (size_t i = 0; i < len(arr); i++) {
		json_object *k = json_object_array_get_idx(arr, i);
		char ago[32], took[32];

		tbl_cell(&t, "%s", str(k, "name"));
		tbl_cell(&t, "%s", str(k, "type"));
		tbl_cell(&t, "%s", is_true(k, "ok") ? "yes" : "no");
		tbl_cell(&t, "%s", str(k, "state"));
		tbl_cell(&t, "%s", dur(ago, sizeof(ago), k, "last_run_ms_ago", " ago"));
		tbl_cell(&t, "%s", dur(took, sizeof(took), k, "duration_ms", ""));
		tbl_cell(&t, "%s", str(k, "detail"));
	}
	tbl_print(f, &t);
}

/* The hooks' runs that happened, the fifo, and every counter of dropped packets above 0. */
static void print_counts(FILE *f, json_object *st)
{
	json_object *hooks = get(st, "hooks"), *fifo = get(hooks, "fifo"), *q = get(st, "quorum");
	char *runs = NULL, *t, *dv = nonzero(get(st, "vrrp_dropped")), *dq = nonzero(get(q, "dropped"));

	if (hooks) {
		json_object *r = get(hooks, "runs");

		if (r && json_object_is_type(r, json_type_object)) {
			json_object_object_foreach(r, name, counts) {
				char *c = nonzero(counts);

				if (!c)
					continue;
				t = xasprintf("%s%s%s: %s", runs ? runs : "", runs ? "; " : "", name, c);
				free(runs);
				free(c);
				runs = t;
			}
		}
		fprintf(f, "\nhooks     %s running, %s queued; %s\n", str(hooks, "running"),
			str(hooks, "queued"), runs ? runs : "none has run");
		if (fifo)
			fprintf(f, "fifo      %s: %s lines written, %s dropped\n", str(fifo, "path"),
				str(fifo, "written"), str(fifo, "dropped"));
	}
	if (dv)
		fprintf(f, "dropped   VRRP adverts: %s\n", dv);
	if (dq)
		fprintf(f, "dropped   quorum datagrams: %s\n", dq);
	if (q && (json_object_get_int64(get(q, "send_errors")) > 0 ||
		  json_object_get_int64(get(q, "persist_errors")) > 0))
		fprintf(f, "errors    quorum: %s sends failed, %s writes of the term and vote failed\n",
			str(q, "send_errors"), str(q, "persist_errors"));
	free(runs);
	free(dv);
	free(dq);
}

void ctl_print_status(FILE *f, json_object *st)
{
	json_object *inst = get(st, "instances");

	print_node(f, st);
	print_quorum(f, st);
	print_instances(f, st, inst);
	print_db(f, inst);
	print_groups(f, get(st, "sync_groups"));
	print_checks(f, get(st, "checks"));
	print_counts(f, st);
}
