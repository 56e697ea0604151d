/* The control socket's protocol, shared by keepquorumd and keepquorumctl.
 *
 * One request per connection: the client writes one JSON object followed by a newline (or shuts
 * down its write side), e.g. {"command":"switchover","to":"db2"}. The daemon answers with one
 * JSON object, {"ok":true,"result":...} or {"ok":false,"error":"why"}, and closes. */
#pragma once

#define CTL_DEFAULT_SOCKET "/run/keepquorum/keepquorumd.sock"
/* Requests are tiny; anything longer is refused rather than buffered. */
#define CTL_MAX_REQUEST 4096
/* A client that has not sent its whole request by then is dropped, so none can stall the loop. */
#define CTL_REQUEST_TIMEOUT_USEC (2 * 1000 * 1000ULL)
/* How long a client may take to read the answer. */
#define CTL_REPLY_TIMEOUT_USEC (5 * 1000 * 1000ULL)
#define CTL_SOCKET_MODE 0660
/* switchover waits for demote, the successor's catching up and its election: its answer may
 * take this long (the client waits as long) */
#define CTL_DEFER_TIMEOUT_USEC (180 * 1000 * 1000ULL)
