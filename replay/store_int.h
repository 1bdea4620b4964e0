/*
 * store_int.h - what store.c shares with the other files that write the
 * history (store_node.c). Private to replay/.
 */
#ifndef MR_REPLAY_STORE_INT_H
#define MR_REPLAY_STORE_INT_H

#include <sqlite3.h>

#include "replay/store.h"

struct mr_store_node;

/* The connection, once every queued write has run. */
sqlite3 *mr_store_handle(mr_store *st);
/* The queue the write path binds and steps through (sqlq.h). */
struct mr_sqlq *mr_store_q(mr_store *st);
/* A statement failed: the store is failed, its message names WHAT and
 * SQLite's error. Returns MR_EDB. */
int mr_store_fail(mr_store *st, const char *what);
/* SQL as one read-only statement (else MR_EDB with a message). */
int mr_store_prepare_ro(mr_store *st, const char *sql, sqlite3_stmt **out);
/* The store is failed with MSG (after its file name). */
void mr_store_set_error(mr_store *st, const char *msg);
/* The node history's state (NULL until the first node row). */
struct mr_store_node **mr_store_node_slot(mr_store *st);

/* store_node.c: write the still-open rows (the replay's end), free. */
int mr_store_node_close(mr_store *st);
void mr_store_node_free(struct mr_store_node *n);

#endif
