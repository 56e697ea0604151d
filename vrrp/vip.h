/* Virtual addresses on interfaces, through libnl-route. */
#pragma once

#include "conf/conf.h"

/* keepquorumd --release: remove every VIP the config names from its interface, whoever added it.
 * Addresses that are not there are skipped. Returns the number removed, or -errno when the
 * netlink socket cannot be opened; per-address failures are logged and counted in *failed. */
int vip_release_all(const struct conf *c, unsigned *failed);
