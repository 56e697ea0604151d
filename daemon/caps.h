/* The capabilities keepquorumd needs for its config: CAP_NET_ADMIN and CAP_NET_RAW with VRRP
 * instances; CAP_SETUID, CAP_SETGID and CAP_KILL when scripts run as another user. */
#pragma once

#include <stddef.h>

#include "conf/conf.h"

/* 0 when the effective set has them (or cannot be read); -1 with "CAP_X (why), ...: advice"
 * in err when some are missing. */
int daemon_caps_check(const struct conf *c, char *err, size_t len);
