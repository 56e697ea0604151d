/* keepalived.conf's files as one stream of words (kconf.h): includes, comments, quotes,
 * parameters and @ID lines. kconf-tree.c makes the statements and blocks of it. */
#include "tools/k2i/kconf-int.h"

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* keepalived's own limits are similar: a runaway include is a mistake, not a config */
#define KCONF_MAX_DEPTH 16
#define KCONF_MAX_FILES 256
#define KCONF_MAX_FILE (4u << 20)
#define KCONF_MAX_PARAM_DEPTH 8
/* what expansion may add to all lines together, as much as a file may hold: a parameter that
 * uses itself twice doubles at every level of KCONF_MAX_PARAM_DEPTH, and many lines naming it
 * would multiply that again (a fuzzing build allows less, to stay fast on such inputs) */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define KCONF_MAX_EXPANDED (64u << 10)
#else
#define KCONF_MAX_EXPANDED KCONF_MAX_FILE
#endif

void kconf_error_add(struct kconf_errors *e, const char *file, unsigned line, const char *fmt, ...)
{
	struct kconf_error *x = XAPPEND(e->v, e->n);
	va_list ap;

	x->file = xstrdup(file ? file : "");
	x->line = line;
	va_start(ap, fmt);
	x->what = xvasprintf(fmt, ap);
	va_end(ap);
}

void kconf_errors_free(struct kconf_errors *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->v[i].file);
		free(e->v[i].what);
	}
	free(e->v);
	e->v = NULL;
	e->n = 0;
}

static void kconf_tok_add(struct kconf_reader *r, char *s, bool quoted, size_t file,
			  unsigned line)
{
	struct kconf_tok *t;

	XGROW(r->toks, r->n_toks, r->cap_toks);
	t = &r->toks[r->n_toks++];
	memset(t, 0, sizeof(*t));

	t->s = s;
	t->quoted = quoted;
	t->file = file;
	t->line = line;
}

static const char *kconf_param(const struct kconf_reader *r, const char *name, size_t len)
{
	for (size_t i = r->n_params; i-- > 0;)
		if (strlen(r->params[i].name) == len && !strncmp(r->params[i].name, name, len))
			return r->params[i].value;
	return NULL;
}

/* $NAME and ${NAME} replaced by their values (again, for a value that uses another);
 * an unknown name is left as written, as keepalived does. NULL: the result would be longer than
 * the room left of KCONF_MAX_EXPANDED. */
static char *kconf_expand(const struct kconf_reader *r, const char *in, int depth)
{
	size_t cap = strlen(in) + 1, n = 0, room = KCONF_MAX_EXPANDED - r->expanded;
	char *out = xmalloc(cap);
	bool again = false;

	for (const char *p = in; *p;) {
		const char *name = NULL, *v;
		size_t len = 0, skip = 0, vl;

		if (p[0] == '$' && p[1] == '{') {
			/* a name, then '}' (not strchr: a line of "${" would be searched to its end
			 * at every one) */
			while (isalnum((unsigned char)p[2 + len]) || p[2 + len] == '_')
				len++;
			if (p[2 + len] == '}') {
				name = p + 2;
				skip = len + 3;
			}
		} else if (p[0] == '$' && (isalpha((unsigned char)p[1]) || p[1] == '_')) {
			name = p + 1;
			while (isalnum((unsigned char)name[len]) || name[len] == '_')
				len++;
			skip = len + 1;
		}
		v = name ? kconf_param(r, name, len) : NULL;
		if (!v) {
			XGROW(out, n + 1, cap);
			out[n++] = *p++;
			continue;
		}
		vl = strlen(v);
		if (n + vl >= room) {
			free(out);
			return NULL;
		}
		out = xgrow(out, &cap, n + vl + 1, 1);
		memcpy(out + n, v, vl);
		n += vl;
		p += skip;
		again = again || strchr(v, '$');
	}
	out = xgrow(out, &cap, n + 1, 1);
	out[n] = '\0';
	if (again && depth < KCONF_MAX_PARAM_DEPTH) {
		char *o = kconf_expand(r, out, depth + 1);

		free(out);
		out = o;
	}
	return out;
}

/* One line's words (after expansion): quotes (double or single) keep blanks, '{' and '}' stand alone, '#' or '!'
 * at the start of a word ends the line. false: a quote is not closed. */
static bool kconf_split(struct kconf_reader *r, const char *s, size_t file, unsigned line)
{
	const char *p = s;

	for (;;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#' || *p == '!')
			return true;
		if (*p == '{' || *p == '}') {
			kconf_tok_add(r, xstrndup(p, 1), false, file, line);
			p++;
		} else if (*p == '"' || *p == '\'') {
			const char *end = strchr(p + 1, *p);

			if (!end)
				return false;
			kconf_tok_add(r, xstrndup(p + 1, (size_t)(end - p - 1)), true, file, line);
			p = end + 1;
		} else {
			const char *b = p;

			while (*p && !isspace((unsigned char)*p) && *p != '{' && *p != '}' && *p != '"' &&
			       *p != '\'')
				p++;
			kconf_tok_add(r, xstrndup(b, (size_t)(p - b)), false, file, line);
		}
	}
}

/* "@ID rest" / "@^ID rest": the rest when it applies to this config id, else NULL. */
static const char *kconf_conditional(const struct kconf_reader *r, const char *s)
{
	bool negate = s[1] == '^';
	const char *id = s + (negate ? 2 : 1), *end = id;
	bool match;

	while (*end && !isspace((unsigned char)*end))
		end++;
	match = r->config_id && strlen(r->config_id) == (size_t)(end - id) &&
		!strncmp(r->config_id, id, (size_t)(end - id));
	if (match == negate)
		return NULL;
	while (*end && isspace((unsigned char)*end))
		end++;
	return end;
}

static void kconf_read_file(struct kconf_reader *r, const char *path, const char *from,
			    unsigned from_line, int depth);

/* include PATTERN...: each a glob, relative to the including file's directory. The include's
 * own words (from first_tok on) are taken off the stream first: the files read append to it. */
static void kconf_include(struct kconf_reader *r, size_t first_tok, size_t file, unsigned line,
			  int depth)
{
	const char *cur = r->tree->files[file];
	const char *slash = strrchr(cur, '/');
	char *dir = slash ? xstrndup(cur, (size_t)(slash - cur)) : xstrdup(".");
	size_t n_pats = r->n_toks - first_tok - 1;
	char **pats = xcalloc(n_pats + 1, sizeof(*pats));

	for (size_t i = 0; i < n_pats; i++)
		pats[i] = r->toks[first_tok + 1 + i].s;
	free(r->toks[first_tok].s);
	r->n_toks = first_tok;
	if (!n_pats)
		kconf_error_add(r->errs, cur, line, "include names no file");
	for (size_t i = 0; i < n_pats; i++) {
		const char *pat = pats[i];
		char *full = pat[0] == '/' ? xstrdup(pat) : xasprintf("%s/%s", dir, pat);
		glob_t g;
		int gr = glob(full, 0, NULL, &g);

		if (gr == GLOB_NOMATCH && !strpbrk(pat, "*?["))
			kconf_error_add(r->errs, cur, line, "include %s: no such file", pat);
		else if (gr != 0 && gr != GLOB_NOMATCH)
			kconf_error_add(r->errs, cur, line, "include %s: cannot be read", pat);
		for (size_t k = 0; gr == 0 && k < g.gl_pathc; k++)
			kconf_read_file(r, g.gl_pathv[k], cur, line, depth + 1);
		if (gr == 0)
			globfree(&g);
		free(full);
	}
	util_strv_free(pats);
	free(dir);
}

/* One logical line: an @ID line's rest, a $NAME=value definition, an include, or words. */
static void kconf_line(struct kconf_reader *r, const char *text, size_t file, unsigned line,
		       int depth)
{
	const char *s = text;
	char *x;

	while (*s && isspace((unsigned char)*s))
		s++;
	if (*s == '@' && !(s = kconf_conditional(r, s)))
		return;
	if (*s == '$') {
		const char *eq = strchr(s, '='), *n = s + 1;

		while (isalnum((unsigned char)*n) || *n == '_')
			n++;
		if (eq && n > s + 1 && eq == n) {
			struct kconf_param *p = XAPPEND(r->params, r->n_params);
			const char *v = eq + 1;
			size_t vl;

			while (*v && isspace((unsigned char)*v))
				v++;
			vl = strlen(v);
			while (vl && isspace((unsigned char)v[vl - 1]))
				vl--;
			p->name = xstrndup(s + 1, (size_t)(n - s - 1));
			p->value = xstrndup(v, vl);
			return;
		}
	}
	x = kconf_expand(r, s, 0);
	if (!x) {
		/* said once: every later line naming a parameter would fail the same way */
		if (!r->expansion_refused)
			kconf_error_add(r->errs, r->tree->files[file], line, "the parameters expand "
					"to more than %u KiB in all (a parameter that uses itself?)",
					KCONF_MAX_EXPANDED >> 10);
		r->expansion_refused = true;
		return;
	}
	if (strlen(x) > strlen(s))
		r->expanded += strlen(x) - strlen(s);
	/* a parameter defined over continued lines expands to as many lines, each of which may be
	 * an include (whose patterns end with its own line, not the parameter's last) */
	for (char *seg = x, *nl; seg; seg = nl ? nl + 1 : NULL) {
		size_t mark = r->n_toks;

		nl = strchr(seg, '\n');
		if (nl)
			*nl = '\0';
		if (!kconf_split(r, seg, file, line))
			kconf_error_add(r->errs, r->tree->files[file], line, "a quote is not closed");
		if (r->n_toks > mark && !r->toks[mark].quoted && !strcmp(r->toks[mark].s, "include"))
			kconf_include(r, mark, file, line, depth);
		else if (r->n_toks > mark)
			kconf_tok_add(r, NULL, false, file, line);   /* the end of the line */
	}
	free(x);
}

static void kconf_read_file(struct kconf_reader *r, const char *path, const char *from,
			    unsigned from_line, int depth)
{
	char *buf = NULL, *p, *acc = NULL;
	size_t len = 0, file, acc_len = 0, acc_cap = 0;
	unsigned line = 0, acc_line = 0;
	int e;

	if (depth > KCONF_MAX_DEPTH) {
		kconf_error_add(r->errs, from, from_line, "include %s: nested more than %d deep "
				"(an include loop?)", path, KCONF_MAX_DEPTH);
		return;
	}
	/* a glob matching its own file, or two files including each other with globs, would be
	 * read again at every level of nesting: a bound on the files, not only on the depth */
	if (r->tree->n_files >= KCONF_MAX_FILES) {
		kconf_error_add(r->errs, from, from_line, "include %s: more than %d files read "
				"(an include loop?)", path, KCONF_MAX_FILES);
		return;
	}
	/* an include of a FIFO, a terminal or /dev/stdin would wait for input, of /dev/zero read
	 * up to the size bound: only regular files, checked on the open file (the file named on
	 * the command line may be any) */
	e = from ? util_read_regular_file(path, KCONF_MAX_FILE, &buf, &len)
		 : util_read_file(path, KCONF_MAX_FILE, &buf, &len);
	if (e == -EINVAL && from) {
		kconf_error_add(r->errs, from, from_line, "include %s: not a regular file", path);
		return;
	}
	if (e < 0) {
		kconf_error_add(r->errs, from ? from : path, from ? from_line : 0, "%s: %s", path,
				e == -EFBIG ? "larger than 4 MiB" : strerror(-e));
		return;
	}
	file = r->tree->n_files;
	*(char **)XAPPEND(r->tree->files, r->tree->n_files) = xstrdup(path);
	for (p = buf; p && *p;) {
		char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		char *text = xstrndup(p, l);

		line++;
		p = nl ? nl + 1 : NULL;
		if (l && text[l - 1] == '\r')
			text[--l] = '\0';
		/* a trailing backslash continues the line (multi-line parameters); the pieces are
		 * appended in place, for a file of a million continued lines */
		if (l && text[l - 1] == '\\') {
			acc = xgrow(acc, &acc_cap, acc_len + l + 1, 1);
			memcpy(acc + acc_len, text, l - 1);
			acc_len += l - 1;
			acc[acc_len++] = '\n';
			acc[acc_len] = '\0';
			acc_line = acc_line ? acc_line : line;
			free(text);
			continue;
		}
		if (acc_len) {
			acc = xgrow(acc, &acc_cap, acc_len + l + 1, 1);
			memcpy(acc + acc_len, text, l + 1);
			kconf_line(r, acc, file, acc_line, depth);
			acc_len = 0;
		} else {
			kconf_line(r, text, file, line, depth);
		}
		acc_line = 0;
		free(text);
	}
	if (acc_len)
		kconf_line(r, acc, file, acc_line, depth);
	free(acc);
	free(buf);
}

void kconf_reader_run(struct kconf_reader *r, const char *path)
{
	kconf_read_file(r, path, NULL, 0, 0);
}

void kconf_reader_free(struct kconf_reader *r)
{
	for (size_t i = 0; i < r->n_toks; i++)
		free(r->toks[i].s);
	free(r->toks);
	for (size_t i = 0; i < r->n_params; i++) {
		free(r->params[i].name);
		free(r->params[i].value);
	}
	free(r->params);
}
