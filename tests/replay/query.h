/*
 * query.h - a read-only SQL query against a history file, its rows as
 * text (columns separated by '|', one row per line), for the replay
 * tests. Include after <cmocka.h>.
 */
#ifndef MR_TESTS_REPLAY_QUERY_H
#define MR_TESTS_REPLAY_QUERY_H

#include <stdio.h>

#include "replay/store.h"

/* The rows SQL gives on DB; malloc'd. */
static char *query(const char *db, const char *sql)
{
	mr_store *st;
	char err[512], *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_int_equal(mr_store_open_ro(&st, db, err, sizeof(err)), 0);
	assert_int_equal(mr_store_query(st, f, sql, 0), 0);
	fclose(f);
	mr_store_close(st, 0);
	return buf;
}

#endif
