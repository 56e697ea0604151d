/* kq-link-watch: the interface monitor (vrrp/link.c) seen from outside, for the netns scenarios.
 *
 *   kq-link-watch [--ignore ADDR]... [--debug]
 *
 * Opens the monitor on an sd-event loop, registers the --ignore addresses as the engine registers
 * its VIPs, prints the table, then one line per callback, flushed at once, until SIGTERM or
 * SIGINT (exit 0). Lines:
 *
 *   table NAME UP|DOWN primary=ADDR|- ll=ADDR|- mac=XX:XX:XX:XX:XX:XX|-   (at start, per interface)
 *   ready                                                                 (the table is printed)
 *   iface NAME UP|DOWN|GONE|PRIMARY primary=ADDR|- ll=ADDR|-               (cbs.iface)
 *   addr_del NAME ADDR/PREFIX                                             (cbs.addr_del; NAME is
 *                                                                          #IFINDEX if unknown)
 *   error WHAT                                     (the table disagrees with a callback: a bug)
 *
 * The log goes to stderr. Exit 1 when the monitor cannot be opened, 2 on a usage error. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-event.h>

#include "common/util.h"
#include "daemon/log.h"
#include "vrrp/link.h"

struct watch {
	struct vrrp_link *link;
};

static const char *watch_addr(bool has, const struct conf_addr *a, char *buf, size_t len)
{
	return has ? conf_addr_str(a, buf, len) : "-";
}

static void watch_print_if(const char *prefix, const struct vrrp_link_if *li, const char *what)
{
	char p4[INET6_ADDRSTRLEN], ll[INET6_ADDRSTRLEN];

	printf("%s %s %s primary=%s ll=%s", prefix, li->name, what,
	       watch_addr(li->has_primary4, &li->primary4, p4, sizeof(p4)),
	       watch_addr(li->has_linklocal6, &li->linklocal6, ll, sizeof(ll)));
}

/* What the table says during a callback must agree with the callback. */
static void watch_check(const struct watch *w, const struct vrrp_link_if *li,
			enum vrrp_link_change what)
{
	const struct vrrp_link_if *by_index = vrrp_link_get(w->link, li->ifindex);
	const struct vrrp_link_if *by_name = vrrp_link_find(w->link, li->name);

	if (what == VRRP_LINK_GONE) {
		if (by_name && by_name->ifindex == li->ifindex)
			printf("error %s GONE but still found by name\n", li->name);
		return;
	}
	if (by_index != li || by_name != li)
		printf("error %s: the callback's interface is not the table's\n", li->name);
}

static void watch_iface(void *ud, const struct vrrp_link_if *li, enum vrrp_link_change what)
{
	static const char *const names[] = {
		[VRRP_LINK_UP] = "UP", [VRRP_LINK_DOWN] = "DOWN", [VRRP_LINK_GONE] = "GONE",
		[VRRP_LINK_PRIMARY] = "PRIMARY",
	};

	watch_print_if("iface", li, names[what]);
	printf("\n");
	watch_check(ud, li, what);
	fflush(stdout);
}

static void watch_addr_del(void *ud, unsigned ifindex, const struct conf_addr *addr, unsigned prefix)
{
	const struct watch *w = ud;
	const struct vrrp_link_if *li = vrrp_link_get(w->link, ifindex);
	char a[INET6_ADDRSTRLEN];

	if (li)
		printf("addr_del %s %s/%u\n", li->name, conf_addr_str(addr, a, sizeof(a)), prefix);
	else
		printf("addr_del #%u %s/%u\n", ifindex, conf_addr_str(addr, a, sizeof(a)), prefix);
	fflush(stdout);
}

static void watch_print_table(const struct vrrp_link *l)
{
	const struct vrrp_link_if *li;

	for (size_t i = 0; (li = vrrp_link_at(l, i)); i++) {
		watch_print_if("table", li, li->up ? "UP" : "DOWN");
		if (li->has_mac)
			printf(" mac=%02x:%02x:%02x:%02x:%02x:%02x\n", li->mac[0], li->mac[1], li->mac[2],
			       li->mac[3], li->mac[4], li->mac[5]);
		else
			printf(" mac=-\n");
	}
	printf("ready\n");
	fflush(stdout);
}

static int watch_on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *ud)
{
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

int main(int argc, char **argv)
{
	static const struct vrrp_link_cbs cbs = {.iface = watch_iface, .addr_del = watch_addr_del};
	struct conf_addr *ignore = NULL;
	size_t n_ignore = 0;
	struct watch w = {0};
	sd_event *ev = NULL;
	sigset_t ss;
	int r;

	log_open(true);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--ignore") == 0 && i + 1 < argc) {
			if (conf_addr_parse(argv[++i], XAPPEND(ignore, n_ignore)) < 0) {
				fprintf(stderr, "kq-link-watch: bad address: %s\n", argv[i]);
				return 2;
			}
		} else if (strcmp(argv[i], "--debug") == 0) {
			log_set_level(LOG_DEBUG);
		} else {
			fprintf(stderr, "Usage: kq-link-watch [--ignore ADDR]... [--debug]\n");
			return 2;
		}
	}
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0 || sd_event_default(&ev) < 0 ||
	    sd_event_add_signal(ev, NULL, SIGTERM, watch_on_signal, NULL) < 0 ||
	    sd_event_add_signal(ev, NULL, SIGINT, watch_on_signal, NULL) < 0) {
		fprintf(stderr, "kq-link-watch: cannot set up the event loop\n");
		return 1;
	}
	if (vrrp_link_open(ev, &cbs, &w, &w.link) < 0)
		return 1;
	for (size_t i = 0; i < n_ignore; i++)
		vrrp_link_ignore_addr(w.link, &ignore[i]);
	watch_print_table(w.link);
	r = sd_event_loop(ev);
	vrrp_link_close(w.link);
	sd_event_unref(ev);
	free(ignore);
	if (r < 0) {
		fprintf(stderr, "kq-link-watch: event loop: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}
