/* The capabilities the daemon needs, checked at start (caps.h). Without them it would not fail
 * at once but half-work: MASTER without its VIP (no CAP_NET_ADMIN) while its adverts keep the
 * others from taking it, or FAULT for good (no CAP_NET_RAW), or checks that never run as their
 * user. Better to refuse to start, saying which are missing and why. */
#include "daemon/caps.h"

#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/util.h"

struct caps_need {
	int cap;
	const char *name, *why;
};

static const struct caps_need caps_vrrp[] = {
	{CAP_NET_ADMIN, "CAP_NET_ADMIN", "to add and remove the VIPs"},
	{CAP_NET_RAW, "CAP_NET_RAW", "for the VRRP, ARP and neighbour advertisement sockets"},
};
static const struct caps_need caps_scripts[] = {
	{CAP_SETUID, "CAP_SETUID", "to run scripts as their user"},
	{CAP_SETGID, "CAP_SETGID", "to run scripts with their user's groups"},
	{CAP_KILL, "CAP_KILL", "to stop scripts of another user at their timeout"},
};

static bool caps_have(const uint32_t eff[2], int cap)
{
	return eff[cap / 32] & (1u << (cap % 32));
}

/* Does a script of this user run as another user than the daemon's? */
static bool caps_other_user(const char *user)
{
	const struct passwd *pw = user ? getpwnam(user) : NULL;

	return pw && pw->pw_uid != geteuid();
}

static bool caps_scripts_switch_user(const struct conf *c)
{
	if (caps_other_user(c->global.script_user))
		return true;
	for (size_t i = 0; i < c->n_checks; i++)
		if (caps_other_user(c->checks[i].user))
			return true;
	return false;
}

static void caps_add(const uint32_t eff[2], const struct caps_need *need, size_t n, char *err,
		     size_t len)
{
	for (size_t i = 0; i < n; i++) {
		size_t used = strlen(err);

		if (!caps_have(eff, need[i].cap))
			snprintf(err + used, len - used, "%s%s (%s)", used ? ", " : "", need[i].name,
				 need[i].why);
	}
}

int daemon_caps_check(const struct conf *c, char *err, size_t len)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2];
	uint32_t eff[2];
	size_t used;

	err[0] = '\0';
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) < 0)
		return 0;   /* cannot tell: the sockets will say */
	eff[0] = d[0].effective;
	eff[1] = d[1].effective;
	if (c->n_instances)
		caps_add(eff, caps_vrrp, ARRAY_SIZE(caps_vrrp), err, len);
	if (caps_scripts_switch_user(c))
		caps_add(eff, caps_scripts, ARRAY_SIZE(caps_scripts), err, len);
	if (!err[0])
		return 0;
	used = strlen(err);
	snprintf(err + used, len - used, ": run it as root, with these in the unit's "
		 "CapabilityBoundingSet= (keepquorumd(8), CAPABILITIES)");
	return -1;
}
