/* Logging: to the journal (structured) when stderr is connected to it and -l was not given, else
 * plain lines on stderr. Every line names the object it is about: "(db_write) BACKUP -> MASTER". */
#pragma once

#include <stdbool.h>
#include <syslog.h>

void log_open(bool force_stderr);
void log_set_level(int level);
int log_get_level(void);
/* "error", "warning", "notice", "info", "debug" → LOG_*, or -1. */
int log_level_parse(const char *s);

/* obj: the object the message is about ("db_write", "ctl", "check pg"), or NULL. */
void log_obj(int level, const char *obj, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Stable MESSAGE_IDs of the journal entries an operator looks for (`journalctl MESSAGE_ID=...`),
 * listed in keepquorumd(8) under JOURNAL. Never change one: searches and alerts are built on them. */
#define LOG_MSGID_STARTED        "bad37ef85cf846c5993d0ed2a36eeb43" /* the daemon is up */
#define LOG_MSGID_STOPPED        "05ccc19606db4a7586eebde18c3dce50" /* the daemon stopped */
#define LOG_MSGID_RELOAD         "a2f0e1707b9549769164c5c93b9a7bbf" /* reloaded, or refused */
#define LOG_MSGID_VRRP_STATE     "504b98a55ba245519d2ce93ba6d6ca7a" /* an instance changed state */
#define LOG_MSGID_GROUP_STATE    "8c11b078a3264c83a648cd66989f434b" /* a sync group changed state */
#define LOG_MSGID_QUORUM_ROLE    "6a4c449b235d4fccab81e2a4928aa6e2" /* this node's quorum role */
#define LOG_MSGID_QUORUM_LEADER  "c3fff86121ba4f7fa3675f883fad52d6" /* a leader known (or none) */
#define LOG_MSGID_HANDOVER       "fc517494625f42b1ba312b215e557d23" /* a hand-over begun, done, failed */
#define LOG_MSGID_HOOK_RESULT    "1a1439a4c7dd4789a6a2bc837195dd90" /* a hook or notify script ended */
#define LOG_MSGID_STATE_DUMP     "4d9f1e378ee3407b80f17b6f7b9d539b" /* SIGUSR1: the full state */

/* The structured fields of an event (NULL: not sent). The journal gets them as
 * KEEPQUORUM_INSTANCE=, KEEPQUORUM_STATE=, ...; stderr gets the message alone. */
struct log_fields {
	const char *msgid;
	const char *instance;     /* an instance or sync group */
	const char *state;        /* the state entered, the quorum role taken, the hook's state */
	const char *prev_state;
	const char *hook;         /* promote, demote, notify_master, ... */
	const char *result;       /* a hook's: ok, failed, timeout, error */
	const char *leader;
	unsigned long long term;  /* 0: the term the quorum last told (log_set_term), if any */
};

/* The node's name and the quorum's current term, sent with every journal entry
 * (KEEPQUORUM_NODE=, KEEPQUORUM_TERM=; term 0: none). */
void log_set_node(const char *node);
void log_set_term(unsigned long long term);

void log_event(int level, const char *obj, const struct log_fields *f, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define log_error(...) log_obj(LOG_ERR, NULL, __VA_ARGS__)
#define log_warning(...) log_obj(LOG_WARNING, NULL, __VA_ARGS__)
#define log_notice(...) log_obj(LOG_NOTICE, NULL, __VA_ARGS__)
#define log_info(...) log_obj(LOG_INFO, NULL, __VA_ARGS__)
#define log_debug(...) log_obj(LOG_DEBUG, NULL, __VA_ARGS__)
