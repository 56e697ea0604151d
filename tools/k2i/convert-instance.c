/* vrrp_instance and vrrp_sync_group (convert-int.h): keepalived's blocks of one item a line
 * become keepquorum's lists, and the options keepquorum has not are listed with the reason. */
#include "tools/k2i/convert-int.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

static const char *const k2i_inst_same[] = {
	"state", "interface", "virtual_router_id", "priority", "advert_int", "preempt_delay",
	"unicast_src_ip", "garp_master_delay", "garp_master_repeat", "garp_master_refresh",
	"version", NULL};

static size_t k2i_same_index(const char *kw)
{
	size_t j = 0;

	while (k2i_inst_same[j] && strcmp(k2i_inst_same[j], kw))
		j++;
	return j;
}

static const char *const k2i_hooks[] = {
	"notify_master", "notify_backup", "notify_fault", "notify_stop", "notify", NULL};

/* One item of a list block, or NULL (dropped): its words, of which options[] are kept with
 * the value after them and flags[] alone; any other word drops the item's rest. */
static char *k2i_item(struct k2i *k, const struct kconf_node *it, const char *const *options,
		      const char *const *flags)
{
	struct k2i_str b = {NULL, 0, 0};

	k2i_str_add(&b, it->words[0]);
	for (size_t i = 1; i < it->n_words; i++) {
		const char *w = it->words[i];
		bool opt = false, flag = false;

		for (size_t j = 0; options && options[j]; j++)
			opt = opt || !strcmp(w, options[j]);
		for (size_t j = 0; flags && flags[j]; j++)
			flag = flag || !strcmp(w, flags[j]);
		if (opt && i + 1 < it->n_words) {
			/* keepalived's "broadcast" is "brd" */
			k2i_str_add(&b, " ");
			k2i_str_add(&b, strcmp(w, "broadcast") ? w : "brd");
			k2i_str_add(&b, " ");
			k2i_str_add(&b, it->words[++i]);
		} else if (flag) {
			k2i_str_add(&b, " ");
			k2i_str_add(&b, w);
		} else {
			char *what = xasprintf("'%s' and what follows it are not converted", w);

			k2i_drop(k, it, what);
			free(what);
			break;
		}
	}
	return b.s;
}

/* The top-level track_file NAME { file PATH weight N }: "PATH [weight N]" for item it. */
static char *k2i_track_file(struct k2i *k, const struct kconf_node *it)
{
	const struct kconf_node *tf = k2i_track_file_find(k, it->words[0]), *file, *w;
	char *s;

	file = tf ? kconf_find(tf, "file") : NULL;
	if (!file || file->n_words < 2) {
		k2i_drop(k, it, "no track_file block with its file is defined under that name");
		return NULL;
	}
	w = kconf_find(tf, "weight");
	s = w && w->n_words > 1 ? xasprintf("%s weight %s", file->words[1], w->words[1])
				: xstrdup(file->words[1]);
	/* the instance's own weight or reverse wins */
	if (it->n_words > 1) {
		static const char *const opts[] = {"weight", NULL}, *const flags[] = {"reverse", NULL};
		char **words = xcalloc(it->n_words, sizeof(*words));
		struct kconf_node tmp = *it;

		words[0] = file->words[1];
		for (size_t i = 1; i < it->n_words; i++)
			words[i] = it->words[i];
		tmp.words = words;
		free(s);
		s = k2i_item(k, &tmp, opts, flags);
		free(words);
	}
	return s;
}

/* keepquorum's list keys that keepalived writes as blocks; an instance may repeat a block (its
 * items add up, as in keepalived), so they are gathered and written once, at the end. */
static const char *const k2i_list_keys[] = {
	"virtual_ipaddress", "unicast_peer", "track_interface", "track_script", "track_file", NULL};
#define K2I_N_LISTS 5

static size_t k2i_list_index(const char *kw)
{
	size_t j = 0;

	while (k2i_list_keys[j] && strcmp(k2i_list_keys[j], kw))
		j++;
	return j;
}

/* A list block (`virtual_ipaddress { ... }`): its items added to *acc ("a, b, ..."). */
static void k2i_list(struct k2i *k, const struct kconf_node *n, const char *key,
		     struct k2i_str *acc)
{
	static const char *const vip_opts[] = {"dev", "label", "brd", "broadcast", "scope", NULL};
	static const char *const weight[] = {"weight", NULL};
	static const char *const reverse[] = {"reverse", NULL};

	if (!n->block) {
		k2i_drop(k, n, "keepalived takes this as a block of one item a line");
		return;
	}
	for (size_t i = 0; i < n->n_kids; i++) {
		const struct kconf_node *it = &n->kids[i];
		char *item = NULL;

		if (!strcmp(key, "virtual_ipaddress"))
			item = k2i_item(k, it, vip_opts, NULL);
		else if (!strcmp(key, "unicast_peer"))
			item = k2i_item(k, it, NULL, NULL);
		else if (!strcmp(key, "track_file"))
			item = k2i_track_file(k, it);
		else if (it->n_words > 1 && !strcmp(it->words[it->n_words - 1], "noreverse")) {
			struct kconf_node tmp = *it;

			tmp.n_words--;    /* noreverse is the default */
			item = k2i_item(k, &tmp, weight, reverse);
		} else
			item = k2i_item(k, it, weight, reverse);
		if (!item)
			continue;
		k2i_str_item(acc, item);
		free(item);
	}
}

static void k2i_auth(struct k2i *k, const struct kconf_node *in, const struct kconf_node *n)
{
	const struct kconf_node *type = kconf_find(n, "auth_type"), *pass = kconf_find(n, "auth_pass");
	const struct kconf_node *v = kconf_find(in, "version");
	const char *version = v && v->n_words > 1 ? v->words[1] : k->version;

	if (version && !strcmp(version, "3")) {
		k2i_drop(k, n, "VRRPv3 has no authentication (RFC 5798); keepalived ignores it too");
		return;
	}
	if (!type || type->n_words < 2 || strcmp(type->words[1], "PASS")) {
		k2i_drop(k, n, "only auth_type PASS is supported (AH is not, as in RFC 5798)");
		return;
	}
	k2i_put(k, "auth_type = PASS\n");
	if (pass)
		k2i_one(k, pass, "auth_pass");
}

/* One option of an instance; false when it is none keepquorum knows. */
static bool k2i_inst_option(struct k2i *k, const struct kconf_node *in, const struct kconf_node *n,
			    bool *has, struct k2i_str *lists)
{
	const char *kw = n->words[0];

	for (size_t j = 0; k2i_inst_same[j]; j++)
		if (!strcmp(kw, k2i_inst_same[j])) {
			k2i_one(k, n, kw);
			has[j] = true;
			return true;
		}
	for (size_t j = 0; k2i_hooks[j]; j++)
		if (!strcmp(kw, k2i_hooks[j])) {
			k2i_command(k, n, kw, NULL);
			return true;
		}
	if (!strcmp(kw, "nopreempt"))
		k2i_put(k, "nopreempt = yes\n");
	else if (!strcmp(kw, "mcast_src_ip")) /* keepalived's synonym */
		has[k2i_same_index("unicast_src_ip")] = k2i_one(k, n, "unicast_src_ip");
	else if (k2i_list_index(kw) < K2I_N_LISTS)
		k2i_list(k, n, kw, &lists[k2i_list_index(kw)]);
	else if (!strcmp(kw, "authentication"))
		k2i_auth(k, in, n);
	else
		return false;
	return true;
}

void k2i_instance(struct k2i *k, const struct kconf_node *in)
{
	bool has[ARRAY_SIZE(k2i_inst_same)] = {false};
	struct k2i_str lists[K2I_N_LISTS] = {{NULL, 0, 0}};

	if (in->n_words != 2) {
		k2i_drop(k, in, "needs exactly one name");
		return;
	}
	k2i_put(k, "[vrrp_instance %s]\n", in->words[1]);
	for (size_t i = 0; i < in->n_kids; i++) {
		const struct kconf_node *n = &in->kids[i];

		if (!k2i_inst_option(k, in, n, has, lists))
			k2i_other(k, K2I_INSTANCE, n, "keepquorum's [vrrp_instance] has no such option");
	}
	for (size_t j = 0; j < K2I_N_LISTS; j++) {
		if (lists[j].len)
			k2i_put(k, "%s = %s\n", k2i_list_keys[j], lists[j].s);
		free(lists[j].s);
	}
	/* global_defs' defaults for what the instance leaves out */
	if (k->version && !has[k2i_same_index("version")])
		k2i_put(k, "version = %s\n", k->version);
	if (k->garp_delay && !has[k2i_same_index("garp_master_delay")])
		k2i_put(k, "garp_master_delay = %s\n", k->garp_delay);
	if (k->garp_repeat && !has[k2i_same_index("garp_master_repeat")])
		k2i_put(k, "garp_master_repeat = %s\n", k->garp_repeat);
	if (k->garp_refresh && !has[k2i_same_index("garp_master_refresh")])
		k2i_put(k, "garp_master_refresh = %s\n", k->garp_refresh);
	k2i_put(k, "\n");
}

void k2i_group(struct k2i *k, const struct kconf_node *g)
{
	if (g->n_words != 2) {
		k2i_drop(k, g, "needs exactly one name");
		return;
	}
	k2i_put(k, "[vrrp_sync_group %s]\n", g->words[1]);
	for (size_t i = 0; i < g->n_kids; i++) {
		const struct kconf_node *n = &g->kids[i];
		bool hook = false;

		for (size_t j = 0; k2i_hooks[j]; j++)
			hook = hook || !strcmp(n->words[0], k2i_hooks[j]);
		if (hook) {
			k2i_command(k, n, n->words[0], NULL);
		} else if (!strcmp(n->words[0], "group") && n->block) {
			struct k2i_str list = {NULL, 0, 0};

			k2i_str_add(&list, "");
			for (size_t j = 0; j < n->n_kids; j++)
				for (size_t w = 0; w < n->kids[j].n_words; w++)
					k2i_str_item(&list, n->kids[j].words[w]);
			k2i_put(k, "group = %s\n", list.s);
			free(list.s);
		} else {
			k2i_other(k, K2I_GROUP, n, "keepquorum's [vrrp_sync_group] has no such option");
		}
	}
	k2i_put(k, "\n");
}
