/* The quorum's UDP socket on [quorum] bind, in the event loop: every datagram signed on the way
 * out and checked on the way in (quorum/message.h), members named in the config numbered 0 (this
 * node) and 1..n (the peers, in config order). */
#pragma once

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "conf/conf.h"
#include "quorum/raft.h"

struct quorum_transport;

/* An authentic, fresh message from a member, addressed to us. */
typedef void (*quorum_transport_rx_fn)(void *ud, const struct quorum_msg *m);
/* The low 32 bits of the sequence numbers ran out: persist a new epoch (> the old) in *epoch,
 * or return a negative errno (sending stops until it works). */
typedef int (*quorum_transport_epoch_fn)(void *ud, uint64_t *epoch);

struct quorum_transport_params {
	const struct conf_quorum *conf;
	const uint8_t *key;
	size_t key_len;
	uint64_t epoch;          /* persisted before the first datagram leaves */
	quorum_transport_rx_fn rx;
	quorum_transport_epoch_fn bump_epoch;
	void *ud;
};

/* Bind the socket. Returns 0, or -errno with a sentence in err. */
int quorum_transport_open(sd_event *ev, const struct quorum_transport_params *p,
			  struct quorum_transport **out, char *err, size_t err_len);
void quorum_transport_free(struct quorum_transport *t);
void quorum_transport_send(struct quorum_transport *t, const struct quorum_msg *m);
/* The member's name by number (0: this node). */
const char *quorum_transport_name(const struct quorum_transport *t, int member);
/* A member's number by name, or QUORUM_NONE. */
int quorum_transport_find(const struct quorum_transport *t, const char *name);
/* {"reason": count, ...} of the datagrams dropped, reasons without drops left out; and the
 * datagrams that could not be sent. */
json_object *quorum_transport_drops(const struct quorum_transport *t);
unsigned long quorum_transport_send_errors(const struct quorum_transport *t);
