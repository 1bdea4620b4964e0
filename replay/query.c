/*
 * query.c - `mmreplay query DB SQL`: one read-only statement, its named
 * parameters bound from --param, its rows printed plain ('|' between
 * columns, as sqlite3 prints them), as an aligned table, as CSV (RFC
 * 4180) or as JSON (an array of objects, numbers as numbers, NULL as
 * null).
 */
#include "replay/query.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/errcode.h"
#include "replay/store_int.h"

/* Bind NAME=VALUE to the parameter :NAME (or @NAME, $NAME) of Q: an
 * integer or a real when VALUE is one, else text. 0, or -1. */
static int bind_param(sqlite3_stmt *q, const char *nv, char *err, size_t errlen)
{
	const char *eq = strchr(nv, '=');
	static const char prefixes[] = ":@$";
	char name[128];
	const char *v;
	char *end;
	long long iv;
	double dv;
	int i = 0, k;

	if (!eq || eq == nv || (size_t)(eq - nv) >= sizeof(name) - 1) {
		snprintf(err, errlen, "--param: expected NAME=VALUE, not '%s'",
			 nv);
		return -1;
	}
	v = eq + 1;
	for (k = 0; prefixes[k] && !i; k++) {
		snprintf(name, sizeof(name), "%c%.*s", prefixes[k],
			 (int)(eq - nv), nv);
		i = sqlite3_bind_parameter_index(q, name);
	}
	if (!i) {
		snprintf(err, errlen, "--param %.*s: the query has no :%.*s",
			 (int)(eq - nv), nv, (int)(eq - nv), nv);
		return -1;
	}
	errno = 0;
	iv = strtoll(v, &end, 0);
	if (*v && !*end && !errno)
		return sqlite3_bind_int64(q, i, iv) == SQLITE_OK ? 0 : -1;
	dv = strtod(v, &end);
	if (*v && !*end)
		return sqlite3_bind_double(q, i, dv) == SQLITE_OK ? 0 : -1;
	return sqlite3_bind_text(q, i, v, -1, SQLITE_TRANSIENT) == SQLITE_OK
		       ? 0
		       : -1;
}

static void csv_field(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n") && *s != ' ') {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

void mr_json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* A row of N texts. */
struct rows {
	char **cell; /* row-major */
	size_t n, cap;
};

static int keep_row(struct rows *r, sqlite3_stmt *q, int n)
{
	int i;

	if ((r->n + 1) * (size_t)n > r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64 * (size_t)n;
		char **v = realloc(r->cell, cap * sizeof(*v));

		if (!v)
			return -1;
		r->cell = v;
		r->cap = cap;
	}
	for (i = 0; i < n; i++) {
		const char *t = (const char *)sqlite3_column_text(q, i);

		r->cell[r->n * (size_t)n + (size_t)i] = strdup(t ? t : "");
		if (!r->cell[r->n * (size_t)n + (size_t)i])
			return -1;
	}
	r->n++;
	return 0;
}

/* The kept rows as a table: columns as wide as their widest cell,
 * numbers right-aligned. */
static void print_table(FILE *out, sqlite3_stmt *q, const struct rows *r, int n)
{
	size_t *w = calloc((size_t)n, sizeof(*w)), k;
	int i;

	if (!w)
		return;
	for (i = 0; i < n; i++)
		w[i] = strlen(sqlite3_column_name(q, i));
	for (k = 0; k < r->n * (size_t)n; k++)
		if (strlen(r->cell[k]) > w[k % (size_t)n])
			w[k % (size_t)n] = strlen(r->cell[k]);
	for (i = 0; i < n; i++)
		fprintf(out, "%s%-*s", i ? "  " : "", (int)w[i],
			sqlite3_column_name(q, i));
	fputc('\n', out);
	for (i = 0; i < n; i++) {
		size_t j;

		fputs(i ? "  " : "", out);
		for (j = 0; j < w[i]; j++)
			fputc('-', out);
	}
	fputc('\n', out);
	for (k = 0; k < r->n * (size_t)n; k++) {
		const char *c = r->cell[k];
		int col = (int)(k % (size_t)n);
		int num = *c && strspn(c, "-0123456789.") == strlen(c);

		fprintf(out, "%s%*s", col ? "  " : "",
			num ? (int)w[col] : -(int)w[col], c);
		if (col == n - 1)
			fputc('\n', out);
	}
	free(w);
}

int mr_store_query_fmt(mr_store *st, FILE *out, const char *sql, int format,
		       int header, const char *const *params, int nparams)
{
	sqlite3_stmt *q = NULL;
	struct rows rows = {0};
	char err[256];
	int rc, i, n, first = 1;
	size_t k;

	if (mr_store_prepare_ro(st, sql, &q))
		return MR_EDB;
	for (i = 0; i < nparams; i++)
		if (bind_param(q, params[i], err, sizeof(err))) {
			sqlite3_finalize(q);
			mr_store_set_error(st, err);
			return MR_EDB;
		}
	n = sqlite3_column_count(q);
	if (format == MR_QUERY_CSV && n) {
		for (i = 0; i < n; i++) {
			fputs(i ? "," : "", out);
			csv_field(out, sqlite3_column_name(q, i));
		}
		fputs("\r\n", out);
	}
	if (format == MR_QUERY_PLAIN && header && n) {
		for (i = 0; i < n; i++)
			fprintf(out, "%s%s", i ? "|" : "",
				sqlite3_column_name(q, i));
		fputc('\n', out);
	}
	if (format == MR_QUERY_JSON)
		fputc('[', out);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		switch (format) {
		case MR_QUERY_TABLE:
			if (keep_row(&rows, q, n))
				rc = SQLITE_NOMEM;
			break;
		case MR_QUERY_CSV:
			for (i = 0; i < n; i++) {
				const char *t =
					(const char *)sqlite3_column_text(q, i);

				fputs(i ? "," : "", out);
				csv_field(out, t ? t : "");
			}
			fputs("\r\n", out);
			break;
		case MR_QUERY_JSON:
			fputs(first ? "\n  {" : ",\n  {", out);
			first = 0;
			for (i = 0; i < n; i++) {
				int ty = sqlite3_column_type(q, i);
				const char *t =
					(const char *)sqlite3_column_text(q, i);

				fputs(i ? ", " : "", out);
				mr_json_string(out, sqlite3_column_name(q, i));
				fputs(": ", out);
				if (ty == SQLITE_NULL)
					fputs("null", out);
				else if (ty == SQLITE_INTEGER ||
					 ty == SQLITE_FLOAT)
					fputs(t, out);
				else
					mr_json_string(out, t ? t : "");
			}
			fputc('}', out);
			break;
		default:
			for (i = 0; i < n; i++) {
				const char *t =
					(const char *)sqlite3_column_text(q, i);

				fprintf(out, "%s%s", i ? "|" : "", t ? t : "");
			}
			fputc('\n', out);
		}
		if (rc == SQLITE_NOMEM)
			break;
	}
	if (format == MR_QUERY_JSON)
		fputs(first ? "]\n" : "\n]\n", out);
	if (format == MR_QUERY_TABLE && rc == SQLITE_DONE)
		print_table(out, q, &rows, n);
	for (k = 0; k < rows.n * (size_t)n; k++)
		free(rows.cell[k]);
	free(rows.cell);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		mr_store_set_error(st, rc == SQLITE_NOMEM
					       ? "query: out of memory"
					       : "query failed");
		return MR_EDB;
	}
	return 0;
}
