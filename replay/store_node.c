/*
 * store_node.c - the simulated node in the history: the machine profile
 * the replay used (its /proc files, table `machine`) and, as intervals
 * over steps, the buddy allocator's free blocks per zone, order and
 * migratetype (`buddy_free`), its pageblocks per type (`buddy_blocks`)
 * and each CPU's list (`buddy_pcp`): everything buddyinfo, pagetypeinfo,
 * zoneinfo and the extfrag indices print (docs/schema.md).
 *
 * A row is written when it closes (its count changed at a step), the
 * rows still open when the replay ends with to_step NULL.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/errcode.h"
#include "replay/store_int.h"
#include "replay/sqlq.h"

struct mr_store_node {
	mr_buddy_counts cur;  /* the counts of the open rows */
	mr_buddy_counts from; /* each open row's from_step */
	int zones[MR_ZONE__COUNT];
	int ncpus;
	sqlite3_stmt *ins[4]; /* buddy_free, buddy_blocks, buddy_pcp, slab */
	/* the slab caches: their names, the counts of their open rows and
	 * the rows' from_step */
	size_t nslab;
	char (*slab_name)[MR_SLAB_NAME_MAX];
	mr_slab_counts *slab_cur;
	uint64_t *slab_from;
};

static const char node_schema[] =
	"CREATE TABLE machine(file TEXT PRIMARY KEY, text TEXT);\n"
	"CREATE TABLE buddy_free(zone INTEGER, ord INTEGER,"
	" migratetype INTEGER, blocks INTEGER, from_step INTEGER,"
	" to_step INTEGER);\n"
	"CREATE TABLE buddy_blocks(zone INTEGER, migratetype INTEGER,"
	" pageblocks INTEGER, from_step INTEGER, to_step INTEGER);\n"
	"CREATE TABLE buddy_pcp(zone INTEGER, cpu INTEGER, pages INTEGER,"
	" high INTEGER, from_step INTEGER, to_step INTEGER);\n"
	"CREATE TABLE slab(cache TEXT, active_objs INTEGER, num_objs INTEGER,"
	" active_slabs INTEGER, num_slabs INTEGER, from_step INTEGER,"
	" to_step INTEGER);\n"
	"CREATE TABLE zone_name(zone INTEGER PRIMARY KEY, name TEXT);\n"
	"INSERT INTO zone_name VALUES(0,'DMA'),(1,'DMA32'),(2,'Normal');\n"
	"CREATE TABLE migratetype_name(migratetype INTEGER PRIMARY KEY,"
	" name TEXT);\n"
	"INSERT INTO migratetype_name VALUES(0,'Unmovable'),(1,'Movable'),"
	"(2,'Reclaimable'),(3,'HighAtomic'),(4,'Isolate');\n";

static const char *const ins_sql[4] = {
	"INSERT INTO buddy_free VALUES(?,?,?,?,?,?)",
	"INSERT INTO buddy_blocks VALUES(?,?,?,?,?)",
	"INSERT INTO buddy_pcp VALUES(?,?,?,?,?,?)",
	"INSERT INTO slab VALUES(?,?,?,?,?,?,?)",
};

void mr_store_node_free(struct mr_store_node *n)
{
	int i;

	if (!n)
		return;
	for (i = 0; i < 4; i++)
		sqlite3_finalize(n->ins[i]);
	free(n->slab_name);
	free(n->slab_cur);
	free(n->slab_from);
	free(n);
}

int mr_store_machine(mr_store *st, const char *source, const char *const text[],
		     const char *const names[], int nfiles,
		     const mr_buddy_profile *p)
{
	sqlite3 *db = mr_store_handle(st);
	struct mr_store_node *n;
	sqlite3_stmt *s = NULL;
	int i;

	if (*mr_store_node_slot(st))
		return 0;
	n = calloc(1, sizeof(*n));
	if (!n)
		return MR_ENOMEM;
	*mr_store_node_slot(st) = n;
	for (i = 0; i < MR_ZONE__COUNT; i++)
		n->zones[i] = p->zone[i].exists;
	n->ncpus = p->ncpus;
	if (sqlite3_exec(db, node_schema, NULL, NULL, NULL) != SQLITE_OK)
		return mr_store_fail(st, "creating the node's tables");
	for (i = 0; i < 4; i++)
		if (sqlite3_prepare_v2(db, ins_sql[i], -1, &n->ins[i], NULL) !=
		    SQLITE_OK)
			return mr_store_fail(st, "preparing a node row");
	if (sqlite3_prepare_v2(db, "INSERT INTO machine VALUES(?,?)", -1, &s,
			       NULL) != SQLITE_OK)
		return mr_store_fail(st, "preparing the machine rows");
	for (i = 0; i < nfiles; i++) {
		if (!text[i])
			continue;
		sqlite3_bind_text(s, 1, names[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, text[i], -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE) {
			sqlite3_finalize(s);
			return mr_store_fail(st, "storing the machine");
		}
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	return mr_store_meta(st, "machine", source);
}

/* Run row statement S with its NV values from parameter FIRST, then
 * TO (OPEN: NULL), through the store's queue: a failure is reported by
 * a later call. */
static int put_at(mr_store *st, sqlite3_stmt *s, int first, const int64_t *v,
		  int nv, uint64_t to, int open)
{
	struct mr_sqlq *q = mr_store_q(st);
	int i;

	for (i = 0; i < nv; i++)
		mr_sqlq_int(q, s, first + i, v[i]);
	if (open)
		mr_sqlq_null(q, s, first + nv);
	else
		mr_sqlq_int(q, s, first + nv, (int64_t)to);
	mr_sqlq_step(q, s, "storing a node row");
	return mr_store_failed(st) ? MR_EDB : 0;
}

static int put(mr_store *st, sqlite3_stmt *s, const int64_t *v, int nv,
	       uint64_t to, int open)
{
	return put_at(st, s, 1, v, nv, to, open);
}

/*
 * Close the rows whose counts NEW changes at STEP and open new ones (ALL:
 * every row, without comparing: the first call, and with OPEN_END the
 * end, which writes each open row with to_step NULL).
 */
static int rows(mr_store *st, struct mr_store_node *n,
		const mr_buddy_counts *nw, uint64_t step, int all, int open_end,
		unsigned mask)
{
	int z, mt, cpu, rc = 0;
	unsigned o;

	for (z = 0; z < MR_ZONE__COUNT && !rc; z++) {
		if (!n->zones[z] || !(mask & (1u << z)))
			continue;
		for (o = 0; o < MR_NR_ORDERS; o++)
			for (mt = 0; mt < MR_MT__COUNT && !rc; mt++) {
				int64_t v[5] = {
					z, (int64_t)o, mt,
					(int64_t)n->cur.free[z][o][mt],
					(int64_t)n->from.free[z][o][mt]};

				if (!all &&
				    nw->free[z][o][mt] == (uint64_t)v[3])
					continue;
				if (!(all && !open_end))
					rc = put(st, n->ins[0], v, 5, step,
						 open_end);
				n->from.free[z][o][mt] = step;
			}
		for (mt = 0; mt < MR_MT__COUNT && !rc; mt++) {
			int64_t v[4] = {z, mt, (int64_t)n->cur.blocks[z][mt],
					(int64_t)n->from.blocks[z][mt]};

			if (!all && nw->blocks[z][mt] == (uint64_t)v[2])
				continue;
			if (!(all && !open_end))
				rc = put(st, n->ins[1], v, 4, step, open_end);
			n->from.blocks[z][mt] = step;
		}
		for (cpu = 0; cpu < n->ncpus && !rc; cpu++) {
			int64_t v[5] = {z, cpu, (int64_t)n->cur.pcp[z][cpu],
					(int64_t)n->cur.high[z][cpu],
					(int64_t)n->from.pcp[z][cpu]};

			if (!all && nw->pcp[z][cpu] == (uint64_t)v[2] &&
			    nw->high[z][cpu] == (uint64_t)v[3])
				continue;
			if (!(all && !open_end))
				rc = put(st, n->ins[2], v, 5, step, open_end);
			n->from.pcp[z][cpu] = step;
		}
	}
	for (z = 0; z < MR_ZONE__COUNT && nw != &n->cur; z++)
		if (mask & (1u << z)) {
			memcpy(n->cur.free[z], nw->free[z],
			       sizeof(nw->free[z]));
			memcpy(n->cur.blocks[z], nw->blocks[z],
			       sizeof(nw->blocks[z]));
			memcpy(n->cur.pcp[z], nw->pcp[z], sizeof(nw->pcp[z]));
			memcpy(n->cur.high[z], nw->high[z],
			       sizeof(nw->high[z]));
		}
	return rc;
}

int mr_store_node(mr_store *st, uint64_t step, const mr_buddy_counts *c,
		  unsigned zones)
{
	struct mr_store_node *n = *mr_store_node_slot(st);

	if (!n || mr_store_failed(st))
		return n ? MR_EDB : 0;
	if (step == 0)
		return rows(st, n, c, 0, 1, 0, ~0u);
	return rows(st, n, c, step, 0, 0, zones);
}

/* The row of slab cache I: closed at TO (OPEN: still open). */
static int slab_row(mr_store *st, struct mr_store_node *n, size_t i,
		    uint64_t to, int open)
{
	const mr_slab_counts *k = &n->slab_cur[i];
	int64_t v[5] = {(int64_t)k->active_objs, (int64_t)k->num_objs,
			(int64_t)k->active_slabs, (int64_t)k->num_slabs,
			(int64_t)n->slab_from[i]};

	mr_sqlq_text(mr_store_q(st), n->ins[3], 1, n->slab_name[i], -1);
	return put_at(st, n->ins[3], 2, v, 5, to, open);
}

int mr_store_slab(mr_store *st, uint64_t step, const mr_slab_profile *p,
		  const mr_slab_counts *c)
{
	struct mr_store_node *n = *mr_store_node_slot(st);
	size_t i;
	int rc = 0;

	if (!n || mr_store_failed(st))
		return n ? MR_EDB : 0;
	if (!n->slab_cur) { /* the first: every cache opens */
		n->slab_name = calloc(p->n ? p->n : 1, sizeof(*n->slab_name));
		n->slab_cur = calloc(p->n ? p->n : 1, sizeof(*n->slab_cur));
		n->slab_from = calloc(p->n ? p->n : 1, sizeof(*n->slab_from));
		if (!n->slab_name || !n->slab_cur || !n->slab_from)
			return MR_ENOMEM;
		n->nslab = p->n;
		for (i = 0; i < p->n; i++) {
			memcpy(n->slab_name[i], p->v[i].name, MR_SLAB_NAME_MAX);
			n->slab_cur[i] = c[i];
			n->slab_from[i] = step;
		}
		return 0;
	}
	for (i = 0; i < n->nslab && !rc; i++) {
		if (!memcmp(&n->slab_cur[i], &c[i], sizeof(c[i])))
			continue;
		rc = slab_row(st, n, i, step, 0);
		n->slab_cur[i] = c[i];
		n->slab_from[i] = step;
	}
	return rc;
}

int mr_store_node_close(mr_store *st)
{
	struct mr_store_node *n = *mr_store_node_slot(st);
	mr_buddy_counts keep;
	size_t i;
	int rc;

	if (!n)
		return 0;
	keep = n->from; /* rows() moves from_step: each row keeps its own */
	rc = rows(st, n, &n->cur, 0, 1, 1, ~0u);
	n->from = keep;
	for (i = 0; i < n->nslab && !rc; i++)
		rc = slab_row(st, n, i, 0, 1);
	return rc;
}

/* ---- reading ---- */

/* Whether the history has the node's tables. */
static int has_node(sqlite3 *db)
{
	sqlite3_stmt *s = NULL;
	int yes = 0;

	if (sqlite3_prepare_v2(db,
			       "SELECT 1 FROM sqlite_master WHERE type='table' "
			       "AND name='buddy_free'",
			       -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		yes = 1;
	sqlite3_finalize(s);
	return yes;
}

int mr_store_node_at(mr_store *st, uint64_t at, mr_machine_files *mf,
		     mr_buddy_counts *c)
{
	sqlite3 *db = mr_store_handle(st);
	static const char *const q[3] = {
		"SELECT zone, ord, migratetype, blocks, 0 FROM buddy_free",
		"SELECT zone, migratetype, pageblocks, 0, 0 FROM buddy_blocks",
		"SELECT zone, cpu, pages, high, 0 FROM buddy_pcp",
	};
	char source[4096] = "";
	sqlite3_stmt *s = NULL;
	int i, rc = 0;

	memset(c, 0, sizeof(*c));
	memset(mf, 0, sizeof(*mf));
	if (!has_node(db))
		return 1;
	if (sqlite3_prepare_v2(db, "SELECT file, text FROM machine", -1, &s,
			       NULL) != SQLITE_OK)
		return mr_store_fail(st, "reading the machine");
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);

		for (i = 0; name && i < MR_MF__COUNT; i++)
			if (!strcmp(name, mr_machine_file_names[i]) &&
			    !mf->text[i]) {
				const char *t =
					(const char *)sqlite3_column_text(s, 1);

				mf->text[i] = strdup(t ? t : "");
				if (!mf->text[i])
					rc = MR_ENOMEM;
			}
	}
	sqlite3_finalize(s);
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key='machine'",
			       -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		snprintf(source, sizeof(source), "%s",
			 (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	snprintf(mf->source, sizeof(mf->source), "%s", source);
	for (i = 0; i < 3 && !rc; i++) {
		char sql[256];

		snprintf(sql, sizeof(sql),
			 "%s WHERE from_step <= ?1 AND (to_step IS NULL OR "
			 "to_step > ?1)",
			 q[i]);
		if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
			return mr_store_fail(st, "reading the node");
		sqlite3_bind_int64(s, 1, (int64_t)at);
		while (sqlite3_step(s) == SQLITE_ROW) {
			int64_t z = sqlite3_column_int64(s, 0);
			int64_t a = sqlite3_column_int64(s, 1);
			int64_t b = sqlite3_column_int64(s, 2);
			int64_t d = sqlite3_column_int64(s, 3);

			if (z < 0 || z >= MR_ZONE__COUNT)
				continue;
			if (i == 0 && a >= 0 && a < MR_NR_ORDERS && b >= 0 &&
			    b < MR_MT__COUNT)
				c->free[z][a][b] = (uint64_t)d;
			else if (i == 1 && a >= 0 && a < MR_MT__COUNT)
				c->blocks[z][a] = (uint64_t)b;
			else if (i == 2 && a >= 0 && a < MR_BUDDY_MAX_CPUS) {
				c->pcp[z][a] = (uint64_t)b;
				c->high[z][a] = (uint64_t)d;
			}
		}
		sqlite3_finalize(s);
	}
	return rc;
}

int mr_store_node_walk(mr_store *st,
		       int (*fn)(void *ctx, uint64_t step,
				 const mr_buddy_counts *c),
		       void *ctx)
{
	sqlite3 *db = mr_store_handle(st);
	sqlite3_stmt *s = NULL;
	mr_buddy_counts *c;
	uint64_t cur = 0;
	int have = 0, rc = 0;

	if (!has_node(db))
		return 1;
	c = calloc(1, sizeof(*c));
	if (!c)
		return MR_ENOMEM;
	if (sqlite3_prepare_v2(db,
			       "SELECT from_step, zone, ord, migratetype, "
			       "blocks FROM buddy_free ORDER BY from_step",
			       -1, &s, NULL) != SQLITE_OK) {
		free(c);
		return mr_store_fail(st, "reading the node");
	}
	while (!rc && sqlite3_step(s) == SQLITE_ROW) {
		uint64_t step = (uint64_t)sqlite3_column_int64(s, 0);
		int64_t z = sqlite3_column_int64(s, 1);
		int64_t o = sqlite3_column_int64(s, 2);
		int64_t mt = sqlite3_column_int64(s, 3);

		if (have && step != cur)
			rc = fn(ctx, cur, c);
		cur = step;
		have = 1;
		if (z >= 0 && z < MR_ZONE__COUNT && o >= 0 &&
		    o < MR_NR_ORDERS && mt >= 0 && mt < MR_MT__COUNT)
			c->free[z][o][mt] =
				(uint64_t)sqlite3_column_int64(s, 4);
	}
	if (!rc && have)
		rc = fn(ctx, cur, c);
	sqlite3_finalize(s);
	free(c);
	return rc;
}

int mr_store_slab_at(mr_store *st, uint64_t at, const mr_slab_profile *p,
		     mr_slab_counts *c)
{
	sqlite3 *db = mr_store_handle(st);
	sqlite3_stmt *s = NULL;
	size_t i;
	int found = 0;

	for (i = 0; i < p->n; i++) { /* a cache with no row: as profiled */
		c[i].active_objs = p->v[i].active_objs;
		c[i].num_objs = p->v[i].num_objs;
		c[i].active_slabs = p->v[i].active_slabs;
		c[i].num_slabs = p->v[i].num_slabs;
	}
	if (sqlite3_prepare_v2(db,
			       "SELECT cache, active_objs, num_objs, "
			       "active_slabs, num_slabs FROM slab WHERE "
			       "from_step <= ?1 AND (to_step IS NULL OR "
			       "to_step > ?1)",
			       -1, &s, NULL) != SQLITE_OK)
		return 1; /* no slab table: a history of no slab model */
	sqlite3_bind_int64(s, 1, (int64_t)at);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);

		found = 1;
		for (i = 0; name && i < p->n; i++)
			if (!strcmp(p->v[i].name, name)) {
				c[i].active_objs =
					(uint64_t)sqlite3_column_int64(s, 1);
				c[i].num_objs =
					(uint64_t)sqlite3_column_int64(s, 2);
				c[i].active_slabs =
					(uint64_t)sqlite3_column_int64(s, 3);
				c[i].num_slabs =
					(uint64_t)sqlite3_column_int64(s, 4);
				break;
			}
	}
	sqlite3_finalize(s);
	return found ? 0 : 1;
}
