/* Tracked files (keepalived's track_file): each holds a number, read when the file is written,
 * created, replaced or removed, through inotify watches on the files' directories in the event
 * loop. A missing file, or one without a number, counts as 0 (keepalived reads it so). */
#pragma once

#include <stddef.h>
#include <systemd/sd-event.h>

/* value: the file's number; detail: what was read, for status and the log. */
typedef void (*health_file_fn)(void *userdata, const char *path, long value, const char *detail);

struct health_files;

struct health_files *health_files_new(sd_event *ev, health_file_fn fn, void *userdata);
/* Forget every file watched. */
void health_files_clear(struct health_files *f);
/* Watch path (absolute) and report its value now. */
void health_files_watch(struct health_files *f, const char *path);
void health_files_free(struct health_files *f);

/* The number in a file's text: optional blanks, an optional sign, decimal digits; anything
 * after them is ignored, as keepalived's reader does. 0 and a detail when there is none. */
long health_file_parse(const char *text, char *detail, size_t len);
