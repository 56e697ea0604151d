/* Internals of conf/: the line scanner, the per-section reader and value parsers. */
#pragma once

#include "conf/conf.h"

/* --- scan.c: where every section and key is, and how it was written ----------------------- */

struct scan_key {
	char *key;      /* lower case, as iniparser stores it */
	unsigned line;
};

struct scan_section {
	char *written;  /* the text between the brackets, trimmed, case kept */
	char *type;     /* first word, lower case */
	char *name;     /* second word, case kept; NULL when there is none */
	unsigned line;
	bool duplicate;  /* reported; not read again */
	struct scan_key *keys;
	size_t n_keys;
};

struct scan {
	struct scan_section *secs;
	size_t n_secs;
	/* Lines iniparser must not see (syntax errors), as [first, last] pairs, so that the rest of
	 * the file can still be read and all of its problems reported in one pass. */
	unsigned (*bad)[2];
	size_t n_bad, bad_cap;
};

/* Scan the text of an ini file as iniparser 4.1 reads it. Problems (syntax, keys outside a
 * section, duplicate sections or keys, bad section headers) go to diags. Returns the number of
 * problems found. */
int scan_text(const char *file, const char *text, struct scan *out, struct conf_diags *diags);
void scan_free(struct scan *s);
/* The text with the bad lines blanked (line numbers kept). */
char *scan_clean_text(const struct scan *s, const char *text);
/* iniparser's name of a section: the written text, lower-cased. */
char *scan_dict_name(const struct scan_section *sec);

/* --- read.c: reading typed values of one section ------------------------------------------ */

struct conf_reader {
	const char *file;
	const void *dict;                 /* iniparser dictionary */
	const struct scan_section *sec;
	struct conf_diags *diags;
	int errors;                       /* problems reported through this reader */
};

/* The keys a section type knows. Unknown keys are reported by reader_check_keys(). */
void reader_check_keys(struct conf_reader *r, const char *const *known);
unsigned reader_key_line(const struct conf_reader *r, const char *key);
/* The raw value, or NULL when the key is absent. */
const char *reader_raw(const struct conf_reader *r, const char *key);
void reader_error(struct conf_reader *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A required key that is missing is reported at the section's line. */
bool reader_require(struct conf_reader *r, const char *key);

char *reader_str(struct conf_reader *r, const char *key, const char *def);
bool reader_bool(struct conf_reader *r, const char *key, bool def);
unsigned reader_uint(struct conf_reader *r, const char *key, unsigned def, unsigned min, unsigned max);
int reader_int(struct conf_reader *r, const char *key, int def, int min, int max);
double reader_seconds(struct conf_reader *r, const char *key, double def, double min, double max);
uint64_t reader_bytes(struct conf_reader *r, const char *key, uint64_t def);
bool reader_sockaddr(struct conf_reader *r, const char *key, struct conf_sockaddr *out);
/* A listening address (val_listen): a port alone means 127.0.0.1. */
bool reader_listen(struct conf_reader *r, const char *key, struct conf_sockaddr *out);
bool reader_addr(struct conf_reader *r, const char *key, struct conf_addr *out);
/* A command line split into words; false (and reported) when malformed. */
bool reader_cmd(struct conf_reader *r, const char *key, struct conf_cmd *out);
/* The hooks named in `which`, each read as a command into cmds[hook]. */
void reader_hooks(struct conf_reader *r, const enum conf_hook *which, size_t n, struct conf_cmd *cmds);
/* A comma- or space-separated list of words; *n = 0 when absent. */
char **reader_list(struct conf_reader *r, const char *key, size_t *n);

/* --- values.c: pure value parsers; each returns 0 or a static reason string ------------------ */

const char *val_bool(const char *s, bool *out);
const char *val_long(const char *s, long min, long max, long *out);
const char *val_seconds(const char *s, double min, double max, double *out);
const char *val_bytes(const char *s, uint64_t *out);
const char *val_sockaddr(const char *s, struct conf_sockaddr *out);
/* PORT (127.0.0.1:PORT), ADDRESS:PORT or [ADDRESS]:PORT */
const char *val_listen(const char *s, struct conf_sockaddr *out);
const char *val_prefix(const char *s, struct conf_addr *addr, unsigned *prefix, bool *has_prefix);
/* Words the way keepalived splits a script line: blanks separate, '...' and "..." quote,
 * backslash escapes. Returns a reason on unterminated quotes or an empty line. */
const char *val_words(const char *s, char ***argv, size_t *argc);
/* Split a list on commas and blanks. */
char **val_list(const char *s, size_t *n);
void val_strv_free(char **v);
bool val_name_ok(const char *s);
/* A quorum member's name: letters, digits, '.', '_', ':' and '-', not first, at most 63. */
bool val_node_name_ok(const char *s);

/* --- sections.c, instance.c: one function per section type ---------------------------------- */

void section_global(struct conf_reader *r, struct conf *c);
void section_quorum(struct conf_reader *r, struct conf *c);
void section_check(struct conf_reader *r, struct conf *c, enum conf_check_kind kind);
void section_instance(struct conf_reader *r, struct conf *c);
void section_group(struct conf_reader *r, struct conf *c);

/* --- validate.c: what can only be checked with the whole file read ------------------------- */

void validate_conf(struct conf *c, const struct scan *s, struct conf_diags *diags);

/* --- files.c: checks against the file system ----------------------------------------------- */

/* Is the command's program present, executable, and (under enable_script_security, when run as
 * root) writable by root only, itself and every directory above it? NULL or a reason. */
const char *files_check_script(const struct conf_cmd *cmd, bool security, bool runs_as_root,
			       char *buf, size_t len);
const char *files_check_secret(const char *path, char *buf, size_t len);

void conf_cmd_free(struct conf_cmd *c);
void conf_instance_free(struct conf_instance *in);
