/*
 * query.h - one read-only SQL statement against a history, printed in
 * one of several formats (docs/cli.md, `mmreplay query`).
 */
#ifndef MR_REPLAY_QUERY_H
#define MR_REPLAY_QUERY_H

#include <stdio.h>

#include "replay/store.h"

enum mr_query_format {
	MR_QUERY_PLAIN, /* '|' between columns (sqlite3's list mode) */
	MR_QUERY_TABLE, /* aligned columns under a header */
	MR_QUERY_CSV,	/* RFC 4180, a header line, CRLF */
	MR_QUERY_JSON,	/* an array of objects */
};

/* SQL on ST into OUT in FORMAT (HEADER: plain's header line), the
 * NPARAMS "NAME=VALUE" PARAMS bound to :NAME. 0, or MR_EDB with
 * mr_store_errmsg() saying why. */
int mr_store_query_fmt(mr_store *st, FILE *out, const char *sql, int format,
		       int header, const char *const *params, int nparams);

/* S as a JSON string (quoted, escaped). */
void mr_json_string(FILE *out, const char *s);

#endif
