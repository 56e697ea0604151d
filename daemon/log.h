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

#define log_error(...) log_obj(LOG_ERR, NULL, __VA_ARGS__)
#define log_warning(...) log_obj(LOG_WARNING, NULL, __VA_ARGS__)
#define log_notice(...) log_obj(LOG_NOTICE, NULL, __VA_ARGS__)
#define log_info(...) log_obj(LOG_INFO, NULL, __VA_ARGS__)
#define log_debug(...) log_obj(LOG_DEBUG, NULL, __VA_ARGS__)
