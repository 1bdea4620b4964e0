/*
 * store.c - the SQLite history: schema, journal hooks, maps and queries.
 *
 * The only file that sees SQLite. Interval rows are closed by rowid: the
 * journal consumer keeps the rowid of each live VMA in the VMA's cookie,
 * and small arrays map live tasks and mms to their open rows. A row opened
 * and closed within one step is deleted rather than kept with
 * from_step == to_step.
 */
#include "replay/store.h"
#include "replay/store_int.h"

#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/errcode.h"
#include "replay/histenc.h"
#include "replay/intern.h"
#include "replay/sqlq.h"

enum {
	S_STEP,
	S_VMA_ADD,
	S_VMA_CLOSE,
	S_VMA_DROP,
	S_TASK_ADD,
	S_TASK_CLOSE,
	S_TASK_DROP,
	S_MM_ADD,
	S_MM_CLOSE,
	S_MM_DROP,
	S_DIV,
	S_VIOL,
	S_META,
	S_PAGES,
	S_OP_ADD,
	S_KIND_ADD,
	S_CHOICE,
	S_AT_ADD,
	S_STEP_BATCH, /* BATCH rows of S_STEP in one statement */
	S_VMA_BATCH,  /* BATCH rows of S_VMA_ADD in one statement */
	S_MM_BATCH,   /* BATCH rows of S_MM_ADD in one statement */
	S_AT_BATCH,   /* BATCH rows of S_AT_ADD in one statement */
	S__COUNT
};

/*
 * Step rows and closed VMA rows wait in memory and go in BATCH at a time
 * through one multi-row INSERT: each statement run costs a cursor, a
 * B-tree descent and a halt, which then serve many rows.
 */
#define BATCH 64
/* how long a connection waits for another's lock (a writer's commit, a
 * reader's snapshot) before it reports the file busy */
#define BUSY_MS 10000
#define STEP_COLS 13
#define VMA_COLS 11
#define MM_COLS 20
#define AT_COLS 3

static const char *const stmt_sql[S__COUNT] = {
	[S_STEP] = "INSERT INTO step_data VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[S_VMA_ADD] = "INSERT INTO vma_data(id,kind,start,pages,pgoff,inode,"
		      "anon_vma,from_step,to_step,line,assumption) "
		      "VALUES(?,?,?,?,?,?,?,?,?,?,?)",
	[S_VMA_CLOSE] = "UPDATE vma_data SET to_step=? WHERE rowid=?",
	[S_VMA_DROP] = "DELETE FROM vma_data WHERE rowid=?",
	[S_TASK_ADD] = "INSERT INTO task(rowid,pid,mm,from_step) "
		       "VALUES(?,?,?,?)",
	[S_TASK_CLOSE] = "UPDATE task SET to_step=? WHERE rowid=?",
	[S_TASK_DROP] = "DELETE FROM task WHERE rowid=?",
	[S_MM_ADD] = "INSERT INTO mm(rowid,mm,pid,known,start_brk,brk,"
		     "mmap_base,gate,from_step,to_step,vm_peak_kb,rss_anon_kb,"
		     "rss_file_kb,rss_shmem_kb,swap_kb,hwm_kb,pte_kb,"
		     "start_code,end_code,lck_extra_kb) "
		     "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[S_MM_CLOSE] = "UPDATE mm SET to_step=? WHERE rowid=?",
	[S_MM_DROP] = "DELETE FROM mm WHERE rowid=?",
	[S_DIV] = "INSERT INTO divergence VALUES(?,?,?,?,?,?,?)",
	[S_VIOL] = "INSERT INTO violation VALUES(?,?,?,?,?,?,?)",
	[S_META] = "INSERT OR REPLACE INTO meta VALUES(?,?)",
	[S_PAGES] = "INSERT INTO pages VALUES(?,?,?,?,?,?)",
	[S_OP_ADD] = "INSERT INTO step_op VALUES(?,?,?,?,?,?,?,?,?)",
	[S_KIND_ADD] = "INSERT INTO vma_kind VALUES(?,?,?,?,?,?,?,?,?,?,?)",
	[S_CHOICE] = "INSERT INTO choice_data VALUES(?,?,?,?,?,?,?,?,?)",
	[S_AT_ADD] = "INSERT INTO vma_at_part VALUES(?,?,?)",
};

/*
 * The documented tables step and vma are views (docs/schema.md, "How the
 * rows are stored"): what many rows share is stored once (step_op,
 * vma_kind) and the text a view shows is rebuilt from formats and
 * numbers that print it back byte for byte (histenc.c).
 */
static const char schema[] =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);\n"
	"CREATE TABLE step_op(op INTEGER PRIMARY KEY, pid INTEGER,"
	" kind TEXT, name TEXT, verdict TEXT, fmt TEXT, ret_is_n0 INTEGER,"
	" pred_is_ret INTEGER, ts_unit INTEGER);\n"
	"CREATE TABLE step_data(step INTEGER PRIMARY KEY, op INTEGER,"
	" tid INTEGER, line INTEGER, ts INTEGER, n0 INTEGER, n1 INTEGER,"
	" n2 INTEGER, n3 INTEGER, ret INTEGER, predicted INTEGER,"
	" digest INTEGER, vmas INTEGER);\n"
	"CREATE TABLE vma_kind(kind INTEGER PRIMARY KEY, mm INTEGER,"
	" pid INTEGER, perms TEXT, flags INTEGER, path TEXT, dev TEXT,"
	" inferred INTEGER, rel INTEGER, shown_off INTEGER, fmt TEXT);\n"
	"CREATE TABLE vma_data(id INTEGER PRIMARY KEY, kind INTEGER,"
	" start INTEGER, pages INTEGER, pgoff INTEGER, inode INTEGER,"
	" anon_vma INTEGER, from_step INTEGER, to_step INTEGER,"
	" line TEXT, assumption INTEGER);\n"
	"CREATE VIEW step AS SELECT s.step AS step, o.pid AS pid,"
	" coalesce(s.tid, o.pid) AS tid, s.step + s.line AS line,"
	" s.ts * o.ts_unit + (SELECT CAST(value AS INTEGER) FROM meta"
	" WHERE key = 'ts_base') AS ts, o.kind AS kind, o.name AS name,"
	" CASE WHEN o.fmt IS NOT NULL THEN coalesce(printf(o.fmt, s.n0,"
	" s.n1, s.n2, s.n3), '') END AS args,"
	" CASE WHEN o.ret_is_n0 THEN s.n0 ELSE s.ret END AS ret,"
	" CASE WHEN o.pred_is_ret THEN CASE WHEN o.ret_is_n0 THEN s.n0"
	" ELSE s.ret END ELSE s.predicted END AS predicted,"
	" o.verdict AS verdict, printf('%016llx', s.digest) AS digest,"
	" s.vmas AS vmas FROM step_data s JOIN step_op o ON o.op = s.op;\n"
	"CREATE VIEW vma AS SELECT k.mm AS mm, k.pid AS pid,"
	" d.start AS start, d.start + (d.pages << 12) AS end,"
	" k.perms AS perms, k.flags AS flags, d.pgoff + CASE WHEN k.rel"
	" THEN d.start >> 12 ELSE 0 END AS pgoff, k.path AS path,"
	" k.dev AS dev, d.inode AS inode, d.anon_vma AS anon_vma,"
	" k.inferred AS inferred, d.from_step AS from_step,"
	" d.to_step AS to_step, coalesce(d.line, printf(k.fmt, d.start,"
	" d.start + (d.pages << 12), CASE WHEN k.shown_off THEN (d.pgoff +"
	" CASE WHEN k.rel THEN d.start >> 12 ELSE 0 END) << 12 ELSE 0 END,"
	" coalesce(d.inode, 0))) AS line, d.id AS id,"
	" d.assumption AS assumption"
	" FROM vma_data d JOIN vma_kind k ON k.kind = d.kind;\n"
	"CREATE TABLE task(pid INTEGER, mm INTEGER, from_step INTEGER,"
	" to_step INTEGER);\n"
	"CREATE TABLE mm(mm INTEGER, pid INTEGER, known INTEGER,"
	" start_brk INTEGER, brk INTEGER, mmap_base INTEGER,"
	" gate INTEGER, from_step INTEGER, to_step INTEGER,"
	" vm_peak_kb INTEGER, rss_anon_kb INTEGER, rss_file_kb INTEGER,"
	" rss_shmem_kb INTEGER, swap_kb INTEGER, hwm_kb INTEGER,"
	" pte_kb INTEGER, start_code INTEGER, end_code INTEGER,"
	" lck_extra_kb INTEGER);\n"
	"CREATE TABLE divergence(step INTEGER, pid INTEGER, line INTEGER,"
	" kind TEXT, expected TEXT, got TEXT, detail TEXT);\n"
	"CREATE TABLE violation(step INTEGER, pid INTEGER, line INTEGER,"
	" invariant TEXT, addr INTEGER, detail TEXT, context TEXT);\n"
	"CREATE TABLE pages(step INTEGER, mm INTEGER, pid INTEGER,"
	" start INTEGER, end INTEGER, kind TEXT);\n"
	/* the documented choice is a view (choice_view()): its texts are
	 * numbers here */
	"CREATE TABLE choice_data(id INTEGER PRIMARY KEY, step INTEGER,"
	" pid INTEGER, mm INTEGER, start INTEGER, pages INTEGER,"
	" written INTEGER, rule INTEGER, revised INTEGER);\n"
	/* vma_at as its rows close; renamed vma_at when the replay
	 * finishes (build_span_index) */
	"CREATE TABLE vma_at_part(mm INTEGER, span INTEGER, id INTEGER,"
	" PRIMARY KEY(mm, span, id)) WITHOUT ROWID;\n"
	/* One /proc/PID/maps line per VMA row (without the step filter):
	 * the line the model rendered (engine/format.c), kept as its
	 * kind's format and the row's numbers, checked at writing to print
	 * back the same bytes (or as the line itself). */
	"CREATE VIEW maps_line AS SELECT mm, pid, start, from_step, to_step,"
	" line FROM vma;\n";

/*
 * Built when the replay ends. The vma table's own index is vma_at,
 * built once its rows are final (below).
 */
static const char indexes[] =
	"CREATE INDEX IF NOT EXISTS task_pid ON task(pid, from_step);\n"
	"CREATE INDEX IF NOT EXISTS mm_mm ON mm(mm, from_step);\n";

struct open_row {
	int64_t key;   /* pid or mm id */
	int64_t rowid; /* its open row, 0 if none */
	uint64_t from; /* the step it was opened */
};

/* The open row of an mm (its scalars change with every brk). */
struct mrow {
	int64_t pid;		  /* owner */
	uint64_t start_brk, brk;  /* brk area */
	uint64_t mmap_base;	  /* mmap_base */
	uint64_t from;		  /* from_step */
	int64_t rowid;		  /* its row once written, else 0 */
	uint8_t open;		  /* the mm is alive */
	uint8_t known, brk_known; /* state known, brk known */
	uint8_t gate;		  /* [vsyscall] shown */
	uint8_t phys;		  /* the counters are modelled */
	uint64_t vm_peak;	  /* VmPeak, pages */
	uint64_t rss[MR_MM__COUNT]; /* RSS counters, pages */
	uint64_t hwm, pte;	  /* VmHWM pages, VmPTE bytes */
	uint64_t start_code, end_code; /* the executable's text */
	uint64_t lck_extra;	       /* VmLck beyond VM_LOCKED VMAs */
};

/* A VMA row not yet closed. */
struct vrow {
	int64_t mm, pid;       /* address space and its owner */
	mr_maps_row maps;      /* its maps line as fields (the name is
				  owned by the machine) */
	uint64_t flags, pgoff; /* vm_flags, vm_pgoff */
	uint8_t inferred;      /* adopted, not modelled */
	uint8_t live;	       /* slot in use */
	uint32_t anon_vma;     /* anon_vma id */
	uint32_t wchoice;      /* the assumption it rests on, 0: none */
	uint32_t next_free;    /* free list link (index + 1) */
	uint64_t from;	       /* from_step */
	int64_t rowid;	       /* its row once written, else 0 */
};

struct mr_store {
	sqlite3 *db;		    /* the connection */
	char *path;		    /* file name, for messages */
	sqlite3_stmt *st[S__COUNT]; /* prepared statements (write mode) */
	int in_tx;		    /* a transaction is open */
	int span_built;		    /* vma_at is built (rows final) */
	int lock_fd;		    /* PATH.lock held while writing, or -1 */
	int incomplete;		    /* read: meta.finished is 0 */
	int format1;		    /* read: a history of format 1 */
	char *lock_path;	    /* ... its name */
	int failed;		    /* a write failed */
	uint64_t step;		    /* step of the changes now reported */
	uint64_t last_step;	    /* the last step row stored */
	struct vrow *vrows;	    /* live VMA rows (cookie = index + 1) */
	size_t capv;		    /* slots in vrows */
	uint32_t vfree;		    /* first free slot + 1, 0 if none */
	uint64_t since_commit;	    /* steps since the last commit */
	struct open_row *tasks;	    /* open task rows, sorted by pid */
	size_t ntasks, captasks;
	struct mrow *mm_rows; /* open mm row per mm id */
	size_t cap_mm_rows;
	struct vpend {
		struct vrow r; /* a closed row */
		uint64_t to;   /* its to_step */
	} vpend[BATCH];	       /* closed VMA rows not yet written */
	size_t nvpend;
	struct mpend {
		struct mrow r; /* a closed mm row */
		uint32_t id;   /* its mm */
		uint64_t to;   /* its to_step */
	} mpend[BATCH];	       /* closed mm rows not yet written (every
				  counter change of a fault capture) */
	size_t nmpend;
	struct apend {
		int64_t mm, span, id;
	} * apend; /* vma_at rows not yet written (AT_SORT) */
	size_t napend;
	uint64_t at_max; /* the largest from_step and to_step of a VMA row */
	struct pstep {
		mr_step_row row;		/* its strings are not kept */
		int64_t op;			/* its step_op */
		int64_t num[MR_HIST_NUMS];	/* the numbers of its args */
		int nnum;			/* how many */
		uint8_t ret_is_n0, pred_is_ret; /* ret is num[0], predicted
						   is ret: not stored */
		uint8_t ts_us; /* ts is stored in us (else in ns) */
	} spend[BATCH]; /* step rows not yet written */
	size_t nspend;
	mr_intern *ops, *kinds; /* step_op and vma_kind rows written */
	int64_t nops, nkinds;	/* ids given */
	char *kbuf, *fbuf;	/* a key and a format being made */
	size_t kcap, fcap, klen;
	int64_t ts_base;      /* step_data.ts is relative to it */
	int has_ts_base;      /* ... which is known (meta.ts_base) */
	char errmsg[512];     /* last error */
	struct mr_store_node *node; /* the node's history (store_node.c) */
	mr_sqlq *q;		    /* the writes, in order (sqlq.h) */
	int64_t vma_ids, task_ids, mm_ids; /* the last row ids given */
};

static void set_err(mr_store *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->errmsg, sizeof(st->errmsg), fmt, ap);
	va_end(ap);
}

static int db_fail(mr_store *st, const char *what)
{
	if (!st->failed)
		set_err(st, "%s: %s: %s", st->path, what,
			sqlite3_errmsg(st->db));
	st->failed = 1;
	return MR_EDB;
}

static int store_failed(mr_store *st);

static int exec_sql(mr_store *st, const char *sql)
{
	char *err = NULL;

	if (st->q) { /* in order with the queued writes */
		mr_sqlq_exec(st->q, sql);
		return store_failed(st) ? MR_EDB : 0;
	}
	if (sqlite3_exec(st->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		set_err(st, "%s: %s", st->path, err ? err : "SQL error");
		sqlite3_free(err);
		st->failed = 1;
		return MR_EDB;
	}
	return 0;
}

sqlite3 *mr_store_handle(mr_store *st)
{
	if (st->q)
		mr_sqlq_sync(st->q);
	return st->db;
}

int mr_store_fail(mr_store *st, const char *what)
{
	return db_fail(st, what);
}

struct mr_store_node **mr_store_node_slot(mr_store *st)
{
	return &st->node;
}

const char *mr_store_errmsg(const mr_store *st)
{
	return st->errmsg;
}

/* Whether a write failed, here or in the writer thread. */
static int store_failed(mr_store *st)
{
	if (!st->failed && st->q && mr_sqlq_failed(st->q)) {
		set_err(st, "%s", mr_sqlq_errmsg(st->q));
		st->failed = 1;
	}
	return st->failed;
}

int mr_store_failed(mr_store *st)
{
	return store_failed(st);
}

static int store_alloc(mr_store **out, const char *path, char *errbuf,
		       size_t errlen)
{
	mr_store *st = calloc(1, sizeof(*st));

	*out = NULL;
	if (!st || !(st->path = strdup(path))) {
		free(st);
		if (errbuf)
			snprintf(errbuf, errlen, "%s: out of memory", path);
		return MR_ENOMEM;
	}
	st->lock_fd = -1;
	*out = st;
	return 0;
}

static void store_free(mr_store *st)
{
	int i;

	mr_sqlq_free(st->q);
	for (i = 0; i < S__COUNT; i++)
		sqlite3_finalize(st->st[i]);
	mr_store_node_free(st->node);
	sqlite3_close(st->db);
	if (st->lock_fd >= 0) { /* removed while still held */
		unlink(st->lock_path);
		close(st->lock_fd);
	}
	free(st->lock_path);
	free(st->tasks);
	free(st->mm_rows);
	free(st->vrows);
	free(st->apend);
	mr_intern_free(st->ops);
	mr_intern_free(st->kinds);
	free(st->kbuf);
	free(st->fbuf);
	free(st->path);
	free(st);
}

/*
 * The index build at the end sorts in memory runs of page_size * PMASZ
 * bytes before spilling to temporary files; 512 pages of 4 KiB (2 MiB)
 * keeps peak memory independent of trace length.
 * Only effective before SQLite initialises, hence once, here.
 */
static void sqlite_setup(void)
{
	static int done;

	if (!done) {
		sqlite3_config(SQLITE_CONFIG_PMASZ, 512);
		/* One thread uses one connection at a time: no mutexes, and no
		 * global memory statistics (they take a mutex per malloc). */
		sqlite3_config(SQLITE_CONFIG_SINGLETHREAD);
		sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
		done = 1;
	}
}

/*
 * The statement of WHICH (an INSERT ... VALUES(?,...) of COLS columns)
 * with BATCH rows of parameters; malloc'd, NULL when out of memory.
 */
static char *batch_sql(int which, int cols)
{
	const char *one = stmt_sql[which];
	const char *values = strstr(one, "VALUES(");
	size_t head = (size_t)(values - one) + strlen("VALUES");
	size_t row = (size_t)cols * 2 + 2; /* "(?,?)," */
	char *sql = malloc(head + row * BATCH + 1), *p;
	int i, c;

	if (!sql)
		return NULL;
	memcpy(sql, one, head);
	p = sql + head;
	for (i = 0; i < BATCH; i++) {
		*p++ = i ? ',' : ' ';
		*p++ = '(';
		for (c = 0; c < cols; c++) {
			*p++ = '?';
			if (c + 1 < cols)
				*p++ = ',';
		}
		*p++ = ')';
	}
	*p = 0;
	return sql;
}

/*
 * Hold PATH.lock while the history at PATH is written, so that a second
 * writer is refused before it touches PATH. The lock file is removed by
 * its holder when done; a writer that locked a file removed meanwhile
 * tries again with the new one.
 */
static int take_lock(mr_store *st, const char *path, char *errbuf,
		     size_t errlen)
{
	char lp[4200], pid[32];
	int tries, fd = -1;

	if ((size_t)snprintf(lp, sizeof(lp), "%s.lock", path) >= sizeof(lp)) {
		snprintf(errbuf, errlen, "%s: name too long", path);
		return -1;
	}
	for (tries = 0; tries < 8; tries++) {
		struct stat a, b;
		ssize_t n;

		fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0) {
			snprintf(errbuf, errlen, "%s: cannot lock it (%s: %s)",
				 path, lp, strerror(errno));
			return -1;
		}
		if (flock(fd, LOCK_EX | LOCK_NB)) {
			n = errno == EWOULDBLOCK ? read(fd, pid, sizeof(pid) - 1)
						 : -1;
			pid[n > 0 ? n : 0] = 0;
			pid[strcspn(pid, "\n")] = 0;
			snprintf(errbuf, errlen,
				 "%s is being written by another mmreplay%s%s%s"
				 ": give another --db, or wait for it",
				 path, pid[0] ? " (pid " : "", pid,
				 pid[0] ? ")" : "");
			close(fd);
			return -1;
		}
		if (!fstat(fd, &a) && !stat(lp, &b) && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino)
			break;
		close(fd); /* removed by the writer before: again */
		fd = -1;
	}
	if (fd < 0 || !(st->lock_path = strdup(lp))) {
		snprintf(errbuf, errlen, "%s: cannot lock it", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (ftruncate(fd, 0) == 0) {
		int n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());

		if (write(fd, pid, (size_t)n) != n) {
			/* the pid is only for the message */
		}
	}
	st->lock_fd = fd;
	return 0;
}

/* Is PATH an mmreplay history (its meta says so: its format, or the
 * finished row written first)? */
static int is_history(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	const unsigned char *v;
	int yes = 0;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) ==
		    SQLITE_OK &&
	    sqlite3_prepare_v2(db,
			       "SELECT coalesce((SELECT value FROM meta WHERE"
			       " key = 'format'), CASE WHEN EXISTS (SELECT 1"
			       " FROM meta WHERE key = 'finished') THEN "
			       "'mmreplay-history-' END)",
			       -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW &&
	    (v = sqlite3_column_text(q, 0)) &&
	    !strncmp((const char *)v, "mmreplay-history-", 17))
		yes = 1; /* also one killed before its meta was written */
	sqlite3_finalize(q);
	sqlite3_close(db);
	return yes;
}

/*
 * Make room for a new history at PATH: nothing there, an empty file, or
 * a history (with its -wal and -shm files) is replaced; anything else --
 * another file, a device node, a directory -- is refused, never removed.
 */
static int replace_history(const char *path, char *errbuf, size_t errlen)
{
	static const char *const side[] = {"-wal", "-shm", "-journal"};
	struct stat sb;
	char aux[4200];
	size_t i;

	if (lstat(path, &sb)) {
		if (errno == ENOENT)
			return 0;
		if (errbuf)
			snprintf(errbuf, errlen, "%s: %s", path,
				 strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode) || (sb.st_size && !is_history(path))) {
		if (errbuf)
			snprintf(errbuf, errlen,
				 "%s exists and is not an mmreplay history: "
				 "not replacing it (give a new file)",
				 path);
		return -1;
	}
	if (unlink(path)) {
		if (errbuf)
			snprintf(errbuf, errlen, "%s: cannot replace it: %s",
				 path, strerror(errno));
		return -1;
	}
	for (i = 0; i < sizeof(side) / sizeof(side[0]); i++) {
		int n = snprintf(aux, sizeof(aux), "%s%s", path, side[i]);

		if (n > 0 && (size_t)n < sizeof(aux) && !lstat(aux, &sb) &&
		    S_ISREG(sb.st_mode))
			unlink(aux);
	}
	return 0;
}

static int choice_view(mr_store *st);

int mr_store_create(mr_store **out, const char *path, char *errbuf,
		    size_t errlen)
{
	mr_store *st;
	int rc, i;

	sqlite_setup();
	rc = store_alloc(&st, path, errbuf, errlen);

	if (rc)
		return rc;
	if (strcmp(path, ":memory:") &&
	    (take_lock(st, path, errbuf, errlen) ||
	     replace_history(path, errbuf, errlen))) {
		store_free(st);
		return MR_EIO;
	}
	if (sqlite3_open_v2(path, &st->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				    SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK)
		goto out_fail;
	/* a reader (mmreplay query while the replay runs) may hold a
	 * lock for a moment, also while journal_mode=WAL wants the file
	 * alone: wait for it rather than fail */
	sqlite3_busy_timeout(st->db, BUSY_MS);
	/* 4 KiB pages (as fast as 64 KiB ones here, and 4% smaller on a
	 * large history, 90% on a small one) and an 8 MiB cache: peak
	 * memory that does not grow with the trace. */
	if (exec_sql(st, "PRAGMA page_size=4096; PRAGMA journal_mode=WAL;"
			 " PRAGMA synchronous=OFF; PRAGMA cache_size=-8192;") ||
	    exec_sql(st, schema) || choice_view(st) ||
	    /* committed at once: a run killed before its first commit
	     * still leaves a history that says it is incomplete */
	    exec_sql(st, "INSERT INTO meta VALUES('finished', '0'),"
			 " ('last_step', '0');"))
		goto out_fail;
	for (i = 0; i < S__COUNT; i++) {
		char *sql = i == S_STEP_BATCH  ? batch_sql(S_STEP, STEP_COLS)
			    : i == S_VMA_BATCH ? batch_sql(S_VMA_ADD, VMA_COLS)
			    : i == S_MM_BATCH  ? batch_sql(S_MM_ADD, MM_COLS)
			    : i == S_AT_BATCH  ? batch_sql(S_AT_ADD, AT_COLS)
					       : NULL;

		rc = sqlite3_prepare_v3(st->db, sql ? sql : stmt_sql[i], -1,
					SQLITE_PREPARE_PERSISTENT, &st->st[i],
					NULL);
		free(sql);
		if (rc != SQLITE_OK || !st->st[i]) {
			db_fail(st, "preparing statements");
			goto out_fail;
		}
	}
	if (exec_sql(st, "BEGIN"))
		goto out_fail;
	st->in_tx = 1;
	if (!(st->q = mr_sqlq_new(st->db, path, 0))) {
		set_err(st, "%s: out of memory", path);
		goto out_fail;
	}
	*out = st;
	return 0;

out_fail:
	if (errbuf)
		snprintf(errbuf, errlen, "%s",
			 st->errmsg[0] ? st->errmsg : sqlite3_errmsg(st->db));
	store_free(st);
	return MR_EDB;
}

int mr_store_open_ro(mr_store **out, const char *path, char *errbuf,
		     size_t errlen)
{
	mr_store *st;
	int rc = store_alloc(&st, path, errbuf, errlen);
	sqlite3_stmt *q = NULL;

	if (rc)
		return rc;
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READONLY, NULL) ==
		    SQLITE_OK &&
	    sqlite3_busy_timeout(st->db, BUSY_MS) == SQLITE_OK &&
	    sqlite3_prepare_v2(st->db, "SELECT count(*) FROM step", -1, &q,
			       NULL) != SQLITE_OK &&
	    sqlite3_errcode(st->db) == SQLITE_READONLY) {
		/* a history left in WAL mode (its replay did not finish) in
		 * a directory we may not write: read it as it is */
		char *uri = sqlite3_mprintf("file:%s?immutable=1", path);

		sqlite3_close(st->db);
		st->db = NULL;
		if (uri)
			sqlite3_open_v2(uri, &st->db,
					SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
					NULL);
		sqlite3_free(uri);
	}
	if (!st->db ||
	    (!q && sqlite3_prepare_v2(st->db, "SELECT count(*) FROM step", -1,
				      &q, NULL) != SQLITE_OK)) {
		if (errbuf)
			snprintf(errbuf, errlen,
				 "%s: not an mmreplay history: %s", path,
				 st->db ? sqlite3_errmsg(st->db)
					: "cannot open");
		sqlite3_finalize(q);
		store_free(st);
		return MR_EDB;
	}
	sqlite3_finalize(q);
	q = NULL;
	/* a history whose replay did not finish says so (histories made
	 * before meta.finished existed have no such row: finished) */
	if (sqlite3_prepare_v2(st->db,
			       "SELECT (SELECT value FROM meta WHERE key = "
			       "'finished'), (SELECT value FROM meta WHERE "
			       "key = 'last_step')",
			       -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW &&
	    sqlite3_column_type(q, 0) != SQLITE_NULL &&
	    !sqlite3_column_int(q, 0)) {
		st->incomplete = 1;
		fprintf(stderr,
			"mmreplay: %s is incomplete: its replay did not "
			"finish (interrupted, killed or refused) and it "
			"holds steps 1 to %s\n",
			path,
			sqlite3_column_text(q, 1)
				? (const char *)sqlite3_column_text(q, 1)
				: "?");
	}
	sqlite3_finalize(q);
	q = NULL;
	/* format 1 kept its vma_at buckets as level << 42 | block */
	if (sqlite3_prepare_v2(st->db,
			       "SELECT 1 FROM meta WHERE key = 'format' AND"
			       " value = 'mmreplay-history-1'",
			       -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		st->format1 = 1;
	sqlite3_finalize(q);
	*out = st;
	return 0;
}

/* ---- writing ---- */

/*
 * The write path's calls on the connection, run in order by the writer
 * thread (sqlq.h); a failure there reaches the store at its next
 * store_failed().
 */
static void q_int(mr_store *st, sqlite3_stmt *s, int i, int64_t v)
{
	mr_sqlq_int(st->q, s, i, v);
}

static void q_null(mr_store *st, sqlite3_stmt *s, int i)
{
	mr_sqlq_null(st->q, s, i);
}

static void q_text(mr_store *st, sqlite3_stmt *s, int i, const char *t, int len)
{
	mr_sqlq_text(st->q, s, i, t, len);
}

static void q_step(mr_store *st, sqlite3_stmt *s, const char *what)
{
	mr_sqlq_step(st->q, s, what);
}

/*
 * A row's numbers, bound with one record: column I (from 1) holds V when
 * HAS, else NULL.
 */
struct qrow {
	int64_t v[MM_COLS];
	uint64_t nulls;
	int n;
};

static void col(struct qrow *w, int i, int has, int64_t v)
{
	w->v[i - 1] = has ? v : 0;
	if (has)
		w->nulls &= ~(1ull << (i - 1));
	else
		w->nulls |= 1ull << (i - 1);
	if (i > w->n)
		w->n = i;
}

/* Bind W's columns as parameters BASE + 1 ... of S. */
static void q_row(mr_store *st, sqlite3_stmt *s, int base, const struct qrow *w)
{
	mr_sqlq_ints(st->q, s, base + 1, w->v, w->nulls, w->n);
}

static void bind_text_or_null(mr_store *st, sqlite3_stmt *s, int i,
			      const char *t)
{
	if (t)
		q_text(st, s, i, t, -1);
	else
		q_null(st, s, i);
}

void mr_store_set_step(mr_store *st, uint64_t step)
{
	st->step = step;
}

/*
 * Live VMA rows wait in memory until they close, so that an interval is
 * written once, complete, instead of inserted and later updated. Rows
 * still live at a commit are written then (to_step NULL) and updated when
 * they close, so every commit leaves the whole state in the file.
 */
static struct vrow *vrow_new(mr_store *st)
{
	struct vrow *r;

	if (!st->vfree) {
		size_t cap = st->capv ? st->capv * 2 : 1024, i;
		struct vrow *n = realloc(st->vrows, cap * sizeof(*n));

		if (!n)
			return NULL;
		for (i = st->capv; i < cap; i++) {
			n[i].live = 0;
			n[i].next_free = i + 1 < cap ? (uint32_t)(i + 2) : 0;
		}
		st->vfree = (uint32_t)st->capv + 1;
		st->vrows = n;
		st->capv = cap;
	}
	r = &st->vrows[st->vfree - 1];
	st->vfree = r->next_free;
	r->live = 1;
	return r;
}

static void vrow_free(mr_store *st, struct vrow *r)
{
	r->live = 0;
	r->next_free = st->vfree;
	st->vfree = (uint32_t)(r - st->vrows) + 1;
}

/*
 * Keys of step_op and vma_kind rows: fields one after the other, each
 * string with its length first (NULL: length ~0), so that two different
 * rows never have one key.
 */
static int key_room(mr_store *st, size_t more)
{
	return st->klen + more > st->kcap &&
	       mr_intern_reserve(&st->kbuf, &st->kcap, st->klen + more);
}

static int key_int(mr_store *st, uint64_t v)
{
	if (key_room(st, sizeof(v)))
		return -1;
	memcpy(st->kbuf + st->klen, &v, sizeof(v));
	st->klen += sizeof(v);
	return 0;
}

static int key_str(mr_store *st, const char *t, size_t len)
{
	uint64_t n = t ? (uint64_t)len : UINT64_MAX;

	if (key_int(st, n) || key_room(st, t ? len : 0))
		return -1;
	if (t && len)
		memcpy(st->kbuf + st->klen, t, len);
	st->klen += t ? len : 0;
	return 0;
}

/* Room for a format of LEN bytes (and its NUL) in st->fbuf. */
static int fmt_room(mr_store *st, size_t len)
{
	return len == SIZE_MAX ||
	       (len + 1 > st->fcap &&
		mr_intern_reserve(&st->fbuf, &st->fcap, len + 1));
}

/* Keys longer than this are not remembered (their rows are not shared):
 * the tables stay small whatever the lines' lengths. */
#define KEY_MAX 4096
#define INTERN_MAX 65536

/*
 * The id of the shared row whose key is st->kbuf, from table T (next id
 * in *NEXT): 0 and *FRESH = 1 when the caller must write it as *ID.
 */
static int shared_row(mr_store *st, mr_intern **t, int64_t *next, int64_t *id,
		      int *fresh)
{
	int64_t got = 0;

	if (!*t && !(*t = mr_intern_new(INTERN_MAX)))
		return db_fail(st, "out of memory");
	if (st->klen <= KEY_MAX)
		got = mr_intern_get(*t, st->kbuf, st->klen);
	*fresh = !got;
	if (got) {
		*id = got;
		return 0;
	}
	*id = ++*next;
	if (st->klen <= KEY_MAX && mr_intern_put(*t, st->kbuf, st->klen, *id))
		return db_fail(st, "out of memory");
	return 0;
}

/*
 * The vma_kind row of R (whose maps line LINE, LEN bytes, the model
 * rendered): *ID, and in *FMT_OK whether its format prints LINE back
 * (else the row keeps LINE itself). *REL: pgoff is stored relative to
 * start >> 12.
 */
static int vma_kind(mr_store *st, const struct vrow *r, const char *line,
		    size_t len, int64_t *id, int *fmt_ok, int *rel)
{
	const mr_maps_row *m = &r->maps;
	sqlite3_stmt *s = st->st[S_KIND_ADD];
	char dev[32];
	size_t dlen = 0, flen = 0;
	uint64_t page = m->start >> 12;
	int shown = 0, has_dev = m->has_file && m->dev_known, fresh;

	if (has_dev)
		dlen = mr_maps_dev_format(m->dev_major, m->dev_minor, dev,
					  sizeof(dev));
	*rel = r->pgoff >= page ? r->pgoff - page < r->pgoff
				: page - r->pgoff < r->pgoff;
	if (fmt_room(st, 2 * len + 64))
		return db_fail(st, "out of memory");
	*fmt_ok = !mr_hist_line_fmt(m, line, len, r->pgoff, st->fbuf, st->fcap,
				    &shown);
	if (*fmt_ok)
		flen = strlen(st->fbuf);
	else
		shown = 0;
	st->klen = 0;
	if (key_int(st, (uint64_t)r->mm) || key_int(st, (uint64_t)r->pid) ||
	    key_int(st, r->flags) ||
	    key_int(st, (uint64_t)(r->inferred | *rel << 1 | shown << 2)) ||
	    key_str(st, m->perms, 4) || key_str(st, m->name, strlen(m->name)) ||
	    key_str(st, has_dev ? dev : NULL, dlen) ||
	    key_str(st, *fmt_ok ? st->fbuf : NULL, flen))
		return db_fail(st, "out of memory");
	if (shared_row(st, &st->kinds, &st->nkinds, id, &fresh))
		return MR_EDB;
	if (!fresh)
		return 0;
	q_int(st, s, 1, *id);
	q_int(st, s, 2, r->mm);
	q_int(st, s, 3, r->pid);
	q_text(st, s, 4, m->perms, 4);
	q_int(st, s, 5, (sqlite3_int64)r->flags);
	q_text(st, s, 6, m->name, -1);
	if (has_dev)
		q_text(st, s, 7, dev, (int)dlen);
	else
		q_null(st, s, 7);
	q_int(st, s, 8, r->inferred);
	q_int(st, s, 9, *rel);
	q_int(st, s, 10, shown);
	if (*fmt_ok)
		q_text(st, s, 11, st->fbuf, (int)flen);
	else
		q_null(st, s, 11);
	q_step(st, s, "writing a vma_kind row");
	return 0;
}

/*
 * vma_at's key of a row alive in steps [FROM, TO) (docs/schema.md,
 * "Indexes and cost"): it goes to the smallest level L at which it
 * touches at most SPAN_BACK aligned blocks of 2^L steps, keyed by its
 * first block.
 */
#define SPAN_BACK 4
#define SPAN_LEVELS 43 /* key = first block << SPAN_BITS | level */
#define SPAN_BITS 6

static uint64_t span_of(uint64_t from, uint64_t to)
{
	int l = 0;

	if (to <= from)
		to = from + 1;
	while (l < SPAN_LEVELS - 1 &&
	       ((to - 1) >> l) - (from >> l) >= SPAN_BACK)
		l++;
	return (from >> l) << SPAN_BITS | (uint64_t)l;
}

/*
 * vma_at's rows wait in memory, AT_SORT at a time, and go in sorted:
 * each then lands next to the one before in vma_at's B-tree, whose
 * pages are at hand, where in the order they closed each would land
 * anywhere (18% of a syscall capture's replay).
 */
#define AT_SORT 8192

static int cmp_at(const void *a, const void *b)
{
	const struct apend *x = a, *y = b;

	if (x->mm != y->mm)
		return x->mm < y->mm ? -1 : 1;
	if (x->span != y->span)
		return x->span < y->span ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Bind vma_at row A from parameter BASE + 1 of S. */
static void bind_at(mr_store *st, sqlite3_stmt *s, int base,
		    const struct apend *a)
{
	struct qrow w = {{0}, 0, 0};

	col(&w, 1, 1, a->mm);
	col(&w, 2, 1, a->span);
	col(&w, 3, 1, a->id);
	q_row(st, s, base, &w);
}

/* Write the vma_at rows waiting in memory. */
static int flush_at(mr_store *st)
{
	size_t i = 0, k;

	if (store_failed(st))
		return MR_EDB;
	if (!st->napend)
		return 0;
	qsort(st->apend, st->napend, sizeof(*st->apend), cmp_at);
	for (; i + BATCH <= st->napend; i += BATCH) {
		sqlite3_stmt *s = st->st[S_AT_BATCH];

		for (k = 0; k < BATCH; k++)
			bind_at(st, s, (int)k * AT_COLS, &st->apend[i + k]);
		q_step(st, s, "writing vma_at rows");
	}
	for (; i < st->napend; i++) {
		sqlite3_stmt *s = st->st[S_AT_ADD];

		bind_at(st, s, 0, &st->apend[i]);
		q_step(st, s, "writing a vma_at row");
	}
	st->napend = 0;
	return 0;
}

/* vma_at's row of VMA row ID, of address space MM, alive in steps
 * [FROM, TO). */
static int at_row(mr_store *st, int64_t mm, uint64_t from, uint64_t to,
		  int64_t id)
{
	struct apend *a;

	if (!st->apend && !(st->apend = malloc(AT_SORT * sizeof(*st->apend))))
		return db_fail(st, "out of memory");
	a = &st->apend[st->napend];
	a->mm = mm;
	a->span = (int64_t)span_of(from, to);
	a->id = id;
	if (to > st->at_max)
		st->at_max = to;
	if (++st->napend == AT_SORT)
		return flush_at(st);
	return 0;
}

/*
 * Bind row R, closed at TO (0: still alive), from parameter BASE + 1
 * (vma_data), with the next id (st->vma_ids); a closed row's vma_at row
 * is queued. inode is NULL for private anonymous memory and where the
 * model does not know it; the line, the model's own rendering, is kept
 * only when its kind's format cannot print it back.
 */
static int bind_vrow(mr_store *st, sqlite3_stmt *s, int base,
		     const struct vrow *r, uint64_t to)
{
	const mr_maps_row *m = &r->maps;
	char text[8192];
	size_t n = mr_maps_row_format(m, text, sizeof(text));
	struct qrow w = {{0}, 0, 0};
	int64_t kind;
	int fmt_ok, rel;

	if (vma_kind(st, r, text, n, &kind, &fmt_ok, &rel))
		return MR_EDB;
	if (m->end < m->start || ((m->end - m->start) & 0xfff)) {
		set_err(st,
			"%s: a VMA that is not whole pages (%" PRIx64
			"-%" PRIx64 ")",
			st->path, m->start, m->end);
		st->failed = 1;
		return MR_EDB;
	}
	col(&w, 1, 1, ++st->vma_ids);
	col(&w, 2, 1, kind);
	if (r->from > st->at_max)
		st->at_max = r->from;
	if (to && at_row(st, r->mm, r->from, to, st->vma_ids))
		return MR_EDB;
	col(&w, 3, 1, (int64_t)m->start);
	col(&w, 4, 1, (int64_t)((m->end - m->start) >> 12));
	col(&w, 5, 1,
	    (int64_t)(rel ? r->pgoff - (m->start >> 12)
			  : r->pgoff)); /* wraps */
	col(&w, 6, m->has_file && m->inode_known, (int64_t)m->inode);
	col(&w, 7, 1, r->anon_vma);
	col(&w, 8, 1, (int64_t)r->from);
	col(&w, 9, to != 0, (int64_t)to);
	col(&w, 10, 0, 0);
	col(&w, 11, r->wchoice != 0, r->wchoice);
	q_row(st, s, base, &w);
	if (!fmt_ok)
		q_text(st, s, base + 10, text, (int)n);
	return 0;
}

/* INSERT live row R now (to_step NULL), keeping its rowid to close it. */
static int vrow_write_live(mr_store *st, struct vrow *r)
{
	sqlite3_stmt *s = st->st[S_VMA_ADD];

	if (bind_vrow(st, s, 0, r, 0))
		return MR_EDB;
	q_step(st, s, "writing a vma row");
	r->rowid = st->vma_ids;
	return 0;
}

/* Write the closed VMA rows waiting in memory. */
static int flush_vmas(mr_store *st)
{
	size_t i;

	if (store_failed(st))
		return MR_EDB;
	if (st->nvpend == BATCH) {
		sqlite3_stmt *s = st->st[S_VMA_BATCH];

		for (i = 0; i < BATCH; i++)
			if (bind_vrow(st, s, (int)i * VMA_COLS, &st->vpend[i].r,
				      st->vpend[i].to)) {
				mr_sqlq_clear(st->q, s);
				return MR_EDB;
			}
		q_step(st, s, "writing vma rows");
	} else {
		for (i = 0; i < st->nvpend; i++) {
			sqlite3_stmt *s = st->st[S_VMA_ADD];

			if (bind_vrow(st, s, 0, &st->vpend[i].r,
				      st->vpend[i].to))
				return MR_EDB;
			q_step(st, s, "writing a vma row");
		}
	}
	st->nvpend = 0;
	return 0;
}

/* Row R closed at TO: queue it for the next batch. */
static int vrow_close_write(mr_store *st, const struct vrow *r, uint64_t to)
{
	st->vpend[st->nvpend].r = *r;
	st->vpend[st->nvpend].to = to;
	if (++st->nvpend == BATCH)
		return flush_vmas(st);
	return 0;
}

/* Write every live row not yet in the file. */
static int vrow_flush(mr_store *st)
{
	size_t i;

	for (i = 0; i < st->capv && !store_failed(st); i++)
		if (st->vrows[i].live && !st->vrows[i].rowid)
			vrow_write_live(st, &st->vrows[i]);
	return store_failed(st) ? MR_EDB : 0;
}

static uint64_t j_vma_add(void *ctx, const mr_mm *mm, const mr_vma *v)
{
	mr_store *st = ctx;
	struct vrow *r;

	if (store_failed(st))
		return 0;
	r = vrow_new(st);
	if (!r) {
		db_fail(st, "out of memory");
		return 0;
	}
	r->mm = mr_mm_id(mm);
	r->pid = mr_mm_owner(mm);
	/* The row the model's own comparisons render; names live as long
	 * as the machine, which outlives the store. */
	mr_mm_maps_row(mm, v, &r->maps);
	r->flags = v->flags;
	r->pgoff = v->pgoff;
	r->anon_vma = v->anon_vma;
	r->wchoice = v->wchoice;
	r->inferred = v->inferred;
	r->from = st->step;
	r->rowid = 0;
	return (uint64_t)(r - st->vrows) + 1;
}

static void j_vma_del(void *ctx, const mr_mm *mm, const mr_vma *v)
{
	mr_store *st = ctx;
	struct vrow *r;
	sqlite3_stmt *s;

	(void)mm;
	if (store_failed(st) || !v->cookie || v->cookie > st->capv)
		return;
	r = &st->vrows[v->cookie - 1];
	if (r->rowid && r->from == st->step) {
		/* written live (a commit, a history check) within the step
		 * that made it: it leaves no row */
		s = st->st[S_VMA_DROP];
		q_int(st, s, 1, r->rowid);
		q_step(st, s, "dropping a vma row");
	} else if (r->rowid) {
		s = st->st[S_VMA_CLOSE];
		q_int(st, s, 1, (sqlite3_int64)st->step);
		q_int(st, s, 2, r->rowid);
		q_step(st, s, "closing a vma row");
		at_row(st, r->mm, r->from, st->step, r->rowid);
	} else if (r->from != st->step) {
		vrow_close_write(st, r, st->step);
	}
	vrow_free(st, r);
}

static struct open_row *task_slot(mr_store *st, int64_t pid, int create)
{
	size_t lo = 0, hi = st->ntasks;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (st->tasks[mid].key == pid)
			return &st->tasks[mid];
		if (st->tasks[mid].key < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!create)
		return NULL;
	if (st->ntasks == st->captasks) {
		size_t cap = st->captasks ? st->captasks * 2 : 16;
		struct open_row *n = realloc(st->tasks, cap * sizeof(*n));

		if (!n)
			return NULL;
		st->tasks = n;
		st->captasks = cap;
	}
	memmove(&st->tasks[lo + 1], &st->tasks[lo],
		(st->ntasks - lo) * sizeof(*st->tasks));
	st->ntasks++;
	st->tasks[lo].key = pid;
	st->tasks[lo].rowid = 0;
	return &st->tasks[lo];
}

/* Close an open interval row; one opened in this very step goes. */
static void close_row(mr_store *st, int which, struct open_row *r)
{
	sqlite3_stmt *s;

	if (r->from == st->step) {
		s = st->st[which + 1]; /* the matching DROP statement */
		q_int(st, s, 1, r->rowid);
	} else {
		s = st->st[which];
		q_int(st, s, 1, (sqlite3_int64)st->step);
		q_int(st, s, 2, r->rowid);
	}
	q_step(st, s, "closing a row");
	r->rowid = 0;
}

static void j_task(void *ctx, int32_t pid, const mr_mm *mm)
{
	mr_store *st = ctx;
	struct open_row *r = task_slot(st, pid, mm != NULL);
	sqlite3_stmt *s = st->st[S_TASK_ADD];

	if (store_failed(st))
		return;
	if (r && r->rowid)
		close_row(st, S_TASK_CLOSE, r);
	if (!mm)
		return;
	if (!r) {
		db_fail(st, "out of memory");
		return;
	}
	q_int(st, s, 1, ++st->task_ids);
	q_int(st, s, 2, pid);
	q_int(st, s, 3, mr_mm_id(mm));
	q_int(st, s, 4, (sqlite3_int64)st->step);
	q_step(st, s, "writing a task row");
	r->rowid = st->task_ids;
	r->from = st->step;
}

/* INSERT mm row ID, closed at TO (0: still alive). */
/* Bind mm row R of ID, closed at TO (0: open), from parameter B + 1. */
static void bind_mrow(mr_store *st, sqlite3_stmt *s, int b, uint32_t id,
		      const struct mrow *r, uint64_t to)
{
	struct qrow w = {{0}, 0, 0};
	int i;

	col(&w, 1, 1, ++st->mm_ids);
	col(&w, 2, 1, id);
	col(&w, 3, 1, r->pid);
	col(&w, 4, 1, r->known);
	col(&w, 5, r->brk_known, (int64_t)r->start_brk);
	col(&w, 6, r->brk_known, (int64_t)r->brk);
	col(&w, 7, 1, (int64_t)r->mmap_base);
	col(&w, 8, 1, r->gate);
	col(&w, 9, 1, (int64_t)r->from);
	col(&w, 10, to != 0, (int64_t)to);
	col(&w, 11, 1, (int64_t)r->vm_peak * 4);
	for (i = 0; i < 4; i++) {
		static const int member[4] = {MR_MM_ANON, MR_MM_FILE,
					      MR_MM_SHMEM, MR_MM_SWAP};

		col(&w, 12 + i, r->phys, (int64_t)r->rss[member[i]] * 4);
	}
	col(&w, 16, r->phys, (int64_t)r->hwm * 4);
	col(&w, 17, r->phys, (int64_t)r->pte / 1024);
	col(&w, 18, r->start_code || r->end_code, (int64_t)r->start_code);
	col(&w, 19, r->start_code || r->end_code, (int64_t)r->end_code);
	col(&w, 20, 1, (int64_t)r->lck_extra * 4);
	q_row(st, s, b, &w);
}

/* Write the closed mm rows waiting in memory. */
static int flush_mms(mr_store *st)
{
	size_t i;

	if (store_failed(st))
		return MR_EDB;
	if (st->nmpend == BATCH) {
		sqlite3_stmt *s = st->st[S_MM_BATCH];

		for (i = 0; i < BATCH; i++)
			bind_mrow(st, s, (int)i * MM_COLS, st->mpend[i].id,
				  &st->mpend[i].r, st->mpend[i].to);
		q_step(st, s, "writing mm rows");
	} else {
		for (i = 0; i < st->nmpend; i++) {
			sqlite3_stmt *s = st->st[S_MM_ADD];

			bind_mrow(st, s, 0, st->mpend[i].id, &st->mpend[i].r,
				  st->mpend[i].to);
			q_step(st, s, "writing an mm row");
		}
	}
	st->nmpend = 0;
	return 0;
}

/* INSERT mm row ID, closed at TO (queued for the next batch), or open
 * (TO 0: written now, its rowid kept to close it). */
static int mrow_write(mr_store *st, uint32_t id, struct mrow *r, uint64_t to)
{
	sqlite3_stmt *s = st->st[S_MM_ADD];

	if (to) {
		st->mpend[st->nmpend].r = *r;
		st->mpend[st->nmpend].id = id;
		st->mpend[st->nmpend].to = to;
		if (++st->nmpend == BATCH)
			return flush_mms(st);
		return 0;
	}
	bind_mrow(st, s, 0, id, r, 0);
	q_step(st, s, "writing an mm row");
	r->rowid = st->mm_ids;
	return 0;
}

/*
 * An mm's row is written once, when it closes (like VMA rows), or at a
 * commit while still open; a row written open is closed by UPDATE.
 */
static void j_mm(void *ctx, const mr_mm *mm, int alive)
{
	mr_store *st = ctx;
	uint32_t id = mr_mm_id(mm);
	struct mrow *r;

	if (store_failed(st))
		return;
	if (id >= st->cap_mm_rows) {
		size_t cap = st->cap_mm_rows ? st->cap_mm_rows : 64;
		struct mrow *n;

		while (cap <= id)
			cap *= 2;
		n = realloc(st->mm_rows, cap * sizeof(*n));
		if (!n) {
			db_fail(st, "out of memory");
			return;
		}
		memset(n + st->cap_mm_rows, 0,
		       (cap - st->cap_mm_rows) * sizeof(*n));
		st->mm_rows = n;
		st->cap_mm_rows = cap;
	}
	r = &st->mm_rows[id];
	if (r->open && r->rowid) {
		struct open_row o = {id, r->rowid, r->from};

		close_row(st, S_MM_CLOSE, &o);
	} else if (r->open && r->from != st->step) {
		mrow_write(st, id, r, st->step);
	}
	r->open = 0;
	r->rowid = 0;
	if (!alive)
		return;
	r->pid = mr_mm_owner(mm);
	r->known = (uint8_t)mr_mm_known(mm);
	r->brk_known = (uint8_t)mr_mm_brk_known(mm);
	r->start_brk = r->brk_known ? mr_mm_start_brk(mm) : 0;
	r->brk = r->brk_known ? mr_mm_brk(mm) : 0;
	r->mmap_base = mr_mm_mmap_base(mm);
	r->gate = (uint8_t)mr_mm_has_gate(mm);
	r->phys = (uint8_t)mr_machine_config(mr_mm_machine(mm))->phys;
	r->vm_peak = mr_mm_hiwater_vm(mm);
	mr_mm_rss(mm, r->rss);
	r->hwm = mr_mm_hiwater_rss(mm);
	r->pte = mr_mm_pte_bytes(mm);
	mr_mm_code(mm, &r->start_code, &r->end_code);
	r->lck_extra = mr_mm_locked_extra(mm);
	r->from = st->step;
	r->open = 1;
}

/* Write every open mm row not yet in the file. */
static int mrow_flush(mr_store *st)
{
	size_t i;

	for (i = 0; i < st->cap_mm_rows && !store_failed(st); i++)
		if (st->mm_rows[i].open && !st->mm_rows[i].rowid)
			mrow_write(st, (uint32_t)i, &st->mm_rows[i], 0);
	return store_failed(st) ? MR_EDB : 0;
}

void mr_store_journal(mr_store *st, mr_journal *j)
{
	memset(j, 0, sizeof(*j));
	j->ctx = st;
	j->vma_add = j_vma_add;
	j->vma_del = j_vma_del;
	j->task = j_task;
	j->mm = j_mm;
}

/* Step R's step_op row: its id in P->op, its numbers in P. */
static int step_op(mr_store *st, const mr_step_row *r, struct pstep *p)
{
	size_t alen = r->args ? strlen(r->args) : 0, flen = 0, pct = 0;
	sqlite3_stmt *s = st->st[S_OP_ADD];
	const char *q;
	int fresh = 1, rc = 0;

	p->nnum = 0;
	if (r->args) {
		for (q = r->args; (q = strchr(q, '%')) != NULL; q++)
			pct++;
		if (fmt_room(st, alen + pct + MR_HIST_ARGS_MORE))
			return db_fail(st, "out of memory");
		flen = mr_hist_args_fmt(r->args, alen, st->fbuf, p->num,
					&p->nnum);
	}
	p->ret_is_n0 = r->has_ret && p->nnum && r->ret == p->num[0];
	p->pred_is_ret = r->has_ret && r->has_pred && r->predicted == r->ret;
	p->ts_us = r->ts < 0 || r->ts % 1000 == 0;
	if (flen > KEY_MAX) {
		p->op = ++st->nops; /* not shared: no key to keep */
	} else {
		st->klen = 0;
		if (key_int(st, (uint64_t)(p->ret_is_n0 | p->pred_is_ret << 1 |
					   p->ts_us << 2)) ||
		    key_int(st, (uint64_t)(int64_t)r->pid) ||
		    key_str(st, r->kind, r->kind ? strlen(r->kind) : 0) ||
		    key_str(st, r->name, r->name ? strlen(r->name) : 0) ||
		    key_str(st, r->verdict,
			    r->verdict ? strlen(r->verdict) : 0) ||
		    key_str(st, r->args ? st->fbuf : NULL, flen))
			return db_fail(st, "out of memory");
		if (shared_row(st, &st->ops, &st->nops, &p->op, &fresh))
			return MR_EDB;
	}
	if (fresh) {
		q_int(st, s, 1, p->op);
		q_int(st, s, 2, r->pid);
		bind_text_or_null(st, s, 3, r->kind);
		bind_text_or_null(st, s, 4, r->name);
		bind_text_or_null(st, s, 5, r->verdict);
		if (r->args)
			q_text(st, s, 6, st->fbuf, (int)flen);
		else
			q_null(st, s, 6);
		q_int(st, s, 7, p->ret_is_n0);
		q_int(st, s, 8, p->pred_is_ret);
		q_int(st, s, 9, p->ts_us ? 1000 : 1);
		q_step(st, s, "writing a step_op row");
	}
	if (st->fcap > (1u << 20)) { /* a huge line's: not kept */
		free(st->fbuf);
		st->fbuf = NULL;
		st->fcap = 0;
	}
	return rc;
}

/* Bind pending step row I from parameter BASE + 1 (step_data). */
static void bind_step(mr_store *st, sqlite3_stmt *s, int base, size_t i)
{
	const struct pstep *p = &st->spend[i];
	const mr_step_row *r = &p->row;
	struct qrow w = {{0}, 0, 0};
	int k;

	/* NULL: the rowid SQLite appends with, which is the step (checked in
	 * mr_store_step()); an explicit key would cost a uniqueness probe. */
	col(&w, 1, 0, 0);
	col(&w, 2, 1, p->op);
	col(&w, 3, r->tid != r->pid, r->tid);
	col(&w, 4, 1, (int64_t)(r->line - r->step)); /* wraps */
	/* the base is a whole us: a ts in whole us is stored in us */
	col(&w, 5, r->ts >= 0 && st->has_ts_base,
	    (int64_t)((uint64_t)r->ts - (uint64_t)st->ts_base) /
		    (p->ts_us ? 1000 : 1));
	for (k = 0; k < MR_HIST_NUMS; k++)
		col(&w, 6 + k, k < p->nnum, k < p->nnum ? p->num[k] : 0);
	col(&w, 10, r->has_ret && !p->ret_is_n0, r->ret);
	col(&w, 11, r->has_pred && !p->pred_is_ret, r->predicted);
	col(&w, 12, 1, (int64_t)r->digest);
	col(&w, 13, r->vmas >= 0, r->vmas);
	q_row(st, s, base, &w);
}

/* Write the step rows waiting in memory. */
static int flush_steps(mr_store *st)
{
	size_t i;

	if (store_failed(st))
		return MR_EDB;
	if (st->nspend == BATCH) {
		sqlite3_stmt *s = st->st[S_STEP_BATCH];

		for (i = 0; i < BATCH; i++)
			bind_step(st, s, (int)i * STEP_COLS, i);
		q_step(st, s, "writing step rows");
	} else {
		for (i = 0; i < st->nspend; i++) {
			sqlite3_stmt *s = st->st[S_STEP];

			bind_step(st, s, 0, i);
			q_step(st, s, "writing a step row");
		}
	}
	st->nspend = 0;
	return 0;
}

/* Everything waiting in memory goes to the file (the open transaction). */
static int flush_pending(mr_store *st)
{
	if (flush_steps(st) || flush_vmas(st) || vrow_flush(st) ||
	    mrow_flush(st) || flush_mms(st) || flush_at(st))
		return MR_EDB;
	return 0;
}

/* meta.last_step (and, FINISHED, meta.finished) as of now. */
static int mark_progress(mr_store *st, int finished)
{
	char sql[160];

	snprintf(sql, sizeof(sql),
		 "UPDATE meta SET value = '%" PRIu64 "' WHERE key = "
		 "'last_step';%s",
		 st->last_step,
		 finished ? " UPDATE meta SET value = '1' WHERE key = "
			    "'finished';"
			  : "");
	return exec_sql(st, sql);
}

int mr_store_commit(mr_store *st)
{
	if (store_failed(st) || flush_pending(st) || mark_progress(st, 0))
		return MR_EDB;
	if (st->in_tx && exec_sql(st, "COMMIT"))
		return MR_EDB;
	st->in_tx = 0;
	if (exec_sql(st, "BEGIN"))
		return MR_EDB;
	st->in_tx = 1;
	st->since_commit = 0;
	return 0;
}

int mr_store_step(mr_store *st, const mr_step_row *r)
{
	struct pstep *p;

	if (store_failed(st))
		return MR_EDB;
	if (r->step != st->last_step + 1) {
		set_err(st, "%s: step %" PRIu64 " stored after step %" PRIu64,
			st->path, r->step, st->last_step);
		st->failed = 1;
		return MR_EDB;
	}
	st->last_step = r->step;
	if (r->ts >= 0 && !st->has_ts_base) {
		char v[32];

		st->ts_base = r->ts - r->ts % 1000;
		snprintf(v, sizeof(v), "%" PRId64, st->ts_base);
		if (mr_store_meta(st, "ts_base", v))
			return MR_EDB;
		st->has_ts_base = 1;
	}
	p = &st->spend[st->nspend];
	p->row = *r;
	p->row.kind = p->row.name = p->row.args = p->row.verdict = NULL;
	if (step_op(st, r, p))
		return MR_EDB;
	if (++st->nspend == BATCH && flush_steps(st))
		return MR_EDB;
	if (++st->since_commit >= MR_STORE_COMMIT_EVERY)
		return mr_store_commit(st);
	return 0;
}

static int simple_insert(mr_store *st, int which, int n, const char **txt,
			 const int64_t *num, const int *is_num)
{
	sqlite3_stmt *s = st->st[which];
	int i;

	if (store_failed(st))
		return MR_EDB;
	for (i = 0; i < n; i++) {
		if (is_num[i])
			q_int(st, s, i + 1, num[i]);
		else
			bind_text_or_null(st, s, i + 1, txt[i]);
	}
	q_step(st, s, "writing a row");
	return 0;
}

int mr_store_divergence(mr_store *st, uint64_t step, int32_t pid, uint64_t line,
			const char *kind, const char *expected, const char *got,
			const char *detail)
{
	const char *t[7] = {NULL, NULL, NULL, kind, expected, got, detail};
	int64_t n[7] = {(int64_t)step, pid, (int64_t)line, 0, 0, 0, 0};
	int isn[7] = {1, 1, 1, 0, 0, 0, 0};

	return simple_insert(st, S_DIV, 7, t, n, isn);
}

int mr_store_violation(mr_store *st, uint64_t step, int32_t pid, uint64_t line,
		       const char *invariant, uint64_t addr, const char *detail,
		       const char *context)
{
	const char *t[7] = {NULL, NULL, NULL, invariant, NULL, detail, context};
	int64_t n[7] = {
		(int64_t)step, pid, (int64_t)line, 0, (int64_t)addr, 0, 0};
	int isn[7] = {1, 1, 1, 0, 1, 0, 0};

	return simple_insert(st, S_VIOL, 7, t, n, isn);
}

int mr_store_pages(mr_store *st, uint64_t step, uint32_t mm, int32_t pid,
		   uint64_t start, uint64_t end, const char *kind)
{
	const char *t[6] = {NULL, NULL, NULL, NULL, NULL, kind};
	int64_t n[6] = {(int64_t)step, mm, pid, (int64_t)start, (int64_t)end,
			0};
	int isn[6] = {1, 1, 1, 1, 1, 0};

	return simple_insert(st, S_PAGES, 6, t, n, isn);
}

int mr_store_choice(mr_store *st, uint64_t step, int32_t pid,
		    const mr_choice *c)
{
	struct qrow w = {{0}, 0, 0};

	if (store_failed(st))
		return MR_EDB;
	col(&w, 1, 1, c->id);
	col(&w, 2, 1, (int64_t)step);
	col(&w, 3, 1, pid);
	col(&w, 4, 1, c->mm);
	col(&w, 5, 1, (int64_t)c->start);
	col(&w, 6, 1, (int64_t)((c->end - c->start) >> 12));
	col(&w, 7, 1, c->state == MR_WS_ASSUMED);
	col(&w, 8, 1, c->rule);
	col(&w, 9, 1, c->revised);
	q_row(st, st->st[S_CHOICE], 0, &w);
	q_step(st, st->st[S_CHOICE], "writing a choice row");
	return 0;
}

/* The view choice (docs/schema.md) over choice_data: the rules' names
 * are the engine's. */
static int choice_view(mr_store *st)
{
	char sql[1024];
	size_t n;
	int r;

	n = (size_t)snprintf(sql, sizeof(sql),
			     "CREATE VIEW choice AS SELECT id, step, pid, mm,"
			     " start, start + (pages << 12) AS end, CASE"
			     " written WHEN 1 THEN 'written' ELSE 'unwritten'"
			     " END AS assumed, CASE rule");
	for (r = 1; r < MR_WR__COUNT && n < sizeof(sql); r++)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n,
				      " WHEN %d THEN '%s'", r,
				      mr_wrule_name(r));
	if (n < sizeof(sql))
		n += (size_t)snprintf(sql + n, sizeof(sql) - n,
				      " ELSE '?' END AS rule, revised FROM"
				      " choice_data;");
	if (n >= sizeof(sql))
		return db_fail(st, "making the choice view");
	return exec_sql(st, sql);
}

int mr_store_meta(mr_store *st, const char *key, const char *value)
{
	const char *t[2] = {key, value};
	int64_t n[2] = {0, 0};
	int isn[2] = {0, 0};

	return simple_insert(st, S_META, 2, t, n, isn);
}

/*
 * Built when a finished replay's rows are final: each VMA row's bucket,
 * so the VMAs of one address space after step N are found at about the
 * cost of the answer (docs/schema.md, "Indexes and cost"). A row alive in
 * steps [from, to) (an open row: to = vma_at_last + 1) goes to the
 * smallest level L at which it touches at most SPAN_BACK aligned blocks
 * of 2^L steps, keyed by its first block. A row at level L is longer than
 * (SPAN_BACK - 1) * 2^(L-1) steps, so of the rows in the SPAN_BACK blocks
 * that end at N's, at each level, most are alive at N.
 */
/* the buckets a query at N probes: level, back, and N's bound */
static const char span_probe[] =
	"CREATE VIEW vma_at_probe AS WITH RECURSIVE p(k) AS (SELECT 0"
	" UNION ALL SELECT k + 1 FROM p WHERE k < 4 * 43 - 1)"
	" SELECT k / 4 AS level, k % 4 AS back, (SELECT CAST(value AS"
	" INTEGER) FROM meta WHERE key = 'vma_at_last') AS last FROM p;\n"
	"ALTER TABLE vma_at_part RENAME TO vma_at;\n";

/*
 * The ids of the rows of address space ?1 alive after step ?2, through
 * vma_at (the query docs/schema.md gives).
 */
#define VMA_ALIVE_IDS                                                          \
	"SELECT a.id FROM vma_at a WHERE a.mm = ?1 AND a.span IN (SELECT"      \
	" ((min(?2, last) >> level) - back) << 6 | level FROM"                 \
	" vma_at_probe WHERE (min(?2, last) >> level) >= back)"
/* ... in a history of format 1 (level << 42 | first block) */
#define VMA_ALIVE_IDS_1                                                        \
	"SELECT a.id FROM vma_at a WHERE a.mm = ?1 AND a.span IN (SELECT"      \
	" level << 42 | ((min(?2, last) >> level) - back) FROM vma_at_probe"   \
	" WHERE (min(?2, last) >> level) >= back)"

/*
 * Finish vma_at once the rows are final: the rows closed so far are in
 * vma_at_part (written as they closed); the open ones go in as alive
 * up to the last step + 1, and the table takes its name.
 */
static int build_span_index(mr_store *st)
{
	uint64_t last = st->last_step > st->at_max ? st->last_step : st->at_max;
	char sql[128];
	size_t i;

	if (st->span_built)
		return 0;
	if (flush_pending(st))
		return MR_EDB;
	for (i = 0; i < st->capv; i++) {
		const struct vrow *r = &st->vrows[i];

		if (r->live && r->rowid &&
		    at_row(st, r->mm, r->from, last + 1, r->rowid))
			return MR_EDB;
	}
	snprintf(sql, sizeof(sql),
		 "INSERT OR REPLACE INTO meta VALUES('vma_at_last', '%" PRIu64
		 "');",
		 last);
	/* one transaction: vma_at is there whole or not at all */
	if (flush_at(st) || exec_sql(st, "SAVEPOINT span;") ||
	    exec_sql(st, sql) || exec_sql(st, span_probe) ||
	    exec_sql(st, "RELEASE span;"))
		return MR_EDB;
	st->span_built = 1;
	return 0;
}

/*
 * Prepare SQL over the VMA rows of ?1 alive after step ?2: WHERE is
 * "v.id IN (...) AND" through vma_at when the history has it, else
 * nothing (a scan of the rows). SQL has one %s where WHERE goes.
 */
static sqlite3_stmt *prep_alive(mr_store *st, const char *sql)
{
	char buf[2048];
	sqlite3_stmt *q = NULL;

	snprintf(buf, sizeof(buf), sql,
		 st->format1 ? "v.id IN (" VMA_ALIVE_IDS_1 ") AND"
			     : "v.id IN (" VMA_ALIVE_IDS ") AND");
	if (sqlite3_prepare_v2(st->db, buf, -1, &q, NULL) == SQLITE_OK)
		return q;
	sqlite3_finalize(q);
	q = NULL;
	snprintf(buf, sizeof(buf), sql, "");
	if (sqlite3_prepare_v2(st->db, buf, -1, &q, NULL) != SQLITE_OK) {
		sqlite3_finalize(q);
		return NULL;
	}
	return q;
}

/*
 * Leave WAL mode (which checkpoints the log into the file). Readers of
 * the file in other processes (mmreplay query while the replay ends) can
 * keep the change busy longer than the busy timeout: it is tried again
 * for a while. A history that stays in WAL mode (still busy, or another
 * connection of this process has it open) is still whole and finished;
 * its readers then need to write its -shm file.
 */
static void to_rollback_journal(mr_store *st)
{
	int i, rc = SQLITE_BUSY, done = 0;

	for (i = 0; i < 100 && rc == SQLITE_BUSY; i++) {
		sqlite3_stmt *q = NULL;

		if (i)
			usleep(100000);
		if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode=DELETE", -1,
				       &q, NULL) == SQLITE_OK)
			rc = sqlite3_step(q) & 0xff; /* a row: done or not */
		else
			rc = sqlite3_errcode(st->db);
		done = rc == SQLITE_ROW && sqlite3_column_text(q, 0) &&
		       !strcmp((const char *)sqlite3_column_text(q, 0),
			       "delete");
		sqlite3_finalize(q);
	}
	/* still WAL: at least the log goes into the file, so that a
	 * reader that cannot use the log (immutable) sees every row */
	if (!done)
		sqlite3_exec(st->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL,
			     NULL, NULL);
}

int mr_store_close(mr_store *st, int finished)
{
	int rc = 0;

	if (!st)
		return 0;
	if (st->db && st->st[S_STEP]) {
		flush_pending(st);
		/* what is left runs here, in line */
		mr_sqlq_stop(st->q);
		store_failed(st);
		if (!st->failed && st->node && mr_store_node_close(st))
			rc = MR_EDB;
		if (!st->failed && mark_progress(st, 0))
			rc = MR_EDB;
		if (st->in_tx &&
		    exec_sql(st, st->failed ? "ROLLBACK" : "COMMIT"))
			rc = MR_EDB;
		if (!st->failed && exec_sql(st, indexes))
			rc = MR_EDB;
		if (!st->failed && finished && build_span_index(st))
			rc = MR_EDB;
		/* finished last: a history that says so has all it should */
		if (!st->failed && finished && mark_progress(st, 1))
			rc = MR_EDB;
		/* a finished history is one file in rollback-journal mode:
		 * a reader in a read-only directory needs no -shm file */
		if (!st->failed && finished)
			to_rollback_journal(st);
		if (st->failed)
			rc = MR_EDB;
	}
	store_free(st);
	return rc;
}

/* ---- reading ---- */

/* Print the VMA lines of address space MM after step N, then the gate
 * line when GATE. */
/*
 * The maps of MM after step N. UNCERTAIN: each line resting on an
 * assumption about writes (vma.assumption) says which, from the choice
 * table.
 */
static int print_mm(mr_store *st, FILE *out, int64_t mm, uint64_t n, int gate,
		    int uncertain)
{
	sqlite3_stmt *q = prep_alive(
		st, uncertain
			    ? "SELECT v.line, v.assumption, c.step, c.assumed,"
			      " c.rule FROM vma v LEFT JOIN choice c ON"
			      " c.id = v.assumption WHERE %s v.mm = ?1 AND"
			      " v.from_step <= ?2 AND (v.to_step IS NULL OR"
			      " v.to_step > ?2) ORDER BY v.start"
			    : "SELECT v.line FROM vma v WHERE %s v.mm = ?1 AND"
			      " v.from_step <= ?2 AND (v.to_step IS NULL OR"
			      " v.to_step > ?2) ORDER BY v.start");
	int rc;

	if (!q && uncertain) {
		set_err(st,
			"%s: the history keeps no assumptions about writes "
			"(made by a version of mmreplay before they were "
			"recorded): replay the trace again",
			st->path);
		return 1;
	}
	if (!q)
		return db_fail(st, "reading vmas");
	sqlite3_bind_int64(q, 1, mm);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)n);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(q, 0);

		fprintf(out, "%s", t ? (const char *)t : "");
		if (uncertain && sqlite3_column_type(q, 1) != SQLITE_NULL) {
			const unsigned char *a = sqlite3_column_text(q, 3);
			const unsigned char *ru = sqlite3_column_text(q, 4);

			fprintf(out,
				"  [uncertain: assumption #%lld, step %lld: "
				"taken as %s (%s)]",
				(long long)sqlite3_column_int64(q, 1),
				(long long)sqlite3_column_int64(q, 2),
				a ? (const char *)a : "?",
				ru ? (const char *)ru : "?");
		}
		fputc('\n', out);
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return db_fail(st, "reading vmas");
	if (gate)
		fprintf(out, "%s\n", mr_maps_gate_line());
	return 0;
}

/*
 * The mm row of address space ?1 alive after step ?2: its rows are
 * disjoint intervals, so the one that began last at or before ?2 through
 * the mm(mm, from_step) index, if it has not ended.
 */
#define MM_ROW_AT                                                          \
	"(SELECT * FROM mm WHERE mm = ?1 AND from_step <= ?2 ORDER BY"      \
	" from_step DESC LIMIT 1) WHERE to_step IS NULL OR to_step > ?2"

/* The gate column of address space MM's row at step N (0 if none). */
static int mm_gate(mr_store *st, int64_t mm, uint64_t n, int *gate)
{
	static const char sql[] =
		"SELECT gate FROM " MM_ROW_AT;
	sqlite3_stmt *q = NULL;
	int rc;

	*gate = 0;
	if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK)
		return db_fail(st, "reading address spaces");
	sqlite3_bind_int64(q, 1, mm);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)n);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*gate = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(st, "reading address spaces");
	return 0;
}

/* The address space PID used at step N: 0 with *MM and *GATE, 1 when
 * it has none there or it is not known (said), MR_EDB. */
static int find_mm_at(mr_store *st, int32_t pid, uint64_t n, int64_t *mmid,
		      int *gatep)
{
	static const char find_mm[] =
		"SELECT t.mm, coalesce(m.known, 0), coalesce(m.gate, 0)"
		" FROM task t LEFT JOIN mm m ON m.rowid = (SELECT rowid FROM"
		" mm WHERE mm = t.mm AND from_step <= ?2 ORDER BY from_step"
		" DESC LIMIT 1) AND (m.to_step IS NULL OR m.to_step > ?2)"
		" WHERE t.pid = ?1 AND t.from_step <= ?2 AND"
		" (t.to_step IS NULL OR t.to_step > ?2)";
	sqlite3_stmt *q = NULL;
	int64_t mm;
	int known, gate, rc;

	if (sqlite3_prepare_v2(st->db, find_mm, -1, &q, NULL) != SQLITE_OK)
		return db_fail(st, "reading tasks");
	sqlite3_bind_int64(q, 1, pid);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)n);
	rc = sqlite3_step(q);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(q);
		if (rc != SQLITE_DONE)
			return db_fail(st, "reading tasks");
		set_err(st, "%s: pid %d has no address space at step %" PRIu64,
			st->path, pid, n);
		return 1;
	}
	mm = sqlite3_column_int64(q, 0);
	known = sqlite3_column_int(q, 1);
	gate = sqlite3_column_int(q, 2);
	sqlite3_finalize(q);
	if (!known) {
		set_err(st,
			"%s: the address space of pid %d is not known at step"
			" %" PRIu64 " (no snapshot of its exec)",
			st->path, pid, n);
		return 1;
	}
	*mmid = mm;
	*gatep = gate;
	return 0;
}

int mr_store_print_maps(mr_store *st, FILE *out, int32_t pid, uint64_t n)
{
	int64_t mm;
	int gate, rc = find_mm_at(st, pid, n, &mm, &gate);

	return rc ? rc : print_mm(st, out, mm, n, gate, 0);
}

int mr_store_print_maps_uncertain(mr_store *st, FILE *out, int32_t pid,
				  uint64_t n)
{
	int64_t mm;
	int gate, rc = find_mm_at(st, pid, n, &mm, &gate);

	return rc ? rc : print_mm(st, out, mm, n, gate, 1);
}

int mr_store_print_status(mr_store *st, FILE *out, int32_t pid, uint64_t n)
{
	static const char mm_sql[] =
		"SELECT vm_peak_kb, rss_anon_kb, rss_file_kb, rss_shmem_kb,"
		" swap_kb, hwm_kb, pte_kb, start_code, end_code,"
		" coalesce(lck_extra_kb, 0) FROM " MM_ROW_AT;
	sqlite3_stmt *q = NULL;
	uint64_t sc = 0, ec = 0;
	char buf[1024];
	mr_status s;
	int64_t mm;
	int gate, rc = find_mm_at(st, pid, n, &mm, &gate);

	if (rc)
		return rc;
	memset(&s, 0, sizeof(s));
	if (sqlite3_prepare_v2(st->db, mm_sql, -1, &q, NULL) != SQLITE_OK)
		return db_fail(st, "reading address spaces");
	sqlite3_bind_int64(q, 1, mm);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)n);
	rc = sqlite3_step(q);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(q);
		if (rc != SQLITE_DONE)
			return db_fail(st, "reading address spaces");
		set_err(st, "%s: address space %" PRId64 " has no row at step "
			    "%" PRIu64,
			st->path, mm, n);
		return 1;
	}
	{
		s.peak = (uint64_t)sqlite3_column_int64(q, 0);
		s.phys = sqlite3_column_type(q, 1) != SQLITE_NULL;
		s.anon = (uint64_t)sqlite3_column_int64(q, 1);
		s.file = (uint64_t)sqlite3_column_int64(q, 2);
		s.shmem = (uint64_t)sqlite3_column_int64(q, 3);
		s.swap = (uint64_t)sqlite3_column_int64(q, 4);
		s.hwm = (uint64_t)sqlite3_column_int64(q, 5);
		s.pte = (uint64_t)sqlite3_column_int64(q, 6);
		sc = (uint64_t)sqlite3_column_int64(q, 7);
		ec = (uint64_t)sqlite3_column_int64(q, 8);
		s.lck = (uint64_t)sqlite3_column_int64(q, 9);
	}
	sqlite3_finalize(q);
	q = prep_alive(st, "SELECT v.flags, v.end - v.start FROM vma v WHERE"
			   " %s v.mm = ?1 AND v.from_step <= ?2 AND"
			   " (v.to_step IS NULL OR v.to_step > ?2)");
	if (!q)
		return db_fail(st, "reading VMAs");
	sqlite3_bind_int64(q, 1, mm);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)n);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		mr_status_add_vma(&s, (uint64_t)sqlite3_column_int64(q, 0),
				  (uint64_t)sqlite3_column_int64(q, 1));
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return db_fail(st, "reading VMAs");
	mr_status_finish(&s, sc, ec);
	mr_status_format(&s, buf, sizeof(buf));
	fputs(buf, out);
	return 0;
}

int mr_store_flush(mr_store *st, int final)
{
	if (st->failed || flush_pending(st))
		return MR_EDB;
	/* the rows are read next: what is queued runs first; with FINAL
	 * no row changes again, and what is left runs in line */
	if (final ? mr_sqlq_stop(st->q) : mr_sqlq_sync(st->q))
		return store_failed(st), MR_EDB;
	return final ? build_span_index(st) : 0;
}

void mr_store_writer(mr_store *st)
{
	mr_sqlq *q;

	if (!st->q || store_failed(st) ||
	    !(q = mr_sqlq_new(st->db, st->path, 1)))
		return;
	mr_sqlq_free(st->q);
	st->q = q;
}

mr_sqlq *mr_store_q(mr_store *st)
{
	return st->q;
}

int mr_store_mm_maps(mr_store *st, uint32_t mm, uint64_t n, char **out,
		     size_t *len)
{
	FILE *f;
	int gate, rc;

	*out = NULL;
	*len = 0;
	if (mm_gate(st, mm, n, &gate))
		return MR_EDB;
	f = open_memstream(out, len);
	if (!f)
		return MR_ENOMEM;
	rc = print_mm(st, f, mm, n, gate, 0);
	if (fclose(f) && !rc)
		rc = MR_ENOMEM;
	if (rc) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

int mr_store_prepare_ro(mr_store *st, const char *sql, sqlite3_stmt **out)
{
	sqlite3_stmt *q = NULL;
	const char *tail = NULL;

	*out = NULL;
	if (sqlite3_prepare_v2(st->db, sql, -1, &q, &tail) != SQLITE_OK)
		return db_fail(st, "query");
	if (!q) {
		set_err(st, "%s: empty query", st->path);
		st->failed = 1;
		return MR_EDB;
	}
	while (tail &&
	       (*tail == ' ' || *tail == '\n' || *tail == '\t' || *tail == ';'))
		tail++;
	if (tail && *tail) {
		sqlite3_finalize(q);
		set_err(st, "%s: query: one statement only (extra text: %.40s)",
			st->path, tail);
		st->failed = 1;
		return MR_EDB;
	}
	if (!sqlite3_stmt_readonly(q)) {
		sqlite3_finalize(q);
		set_err(st, "%s: query: only read-only statements", st->path);
		st->failed = 1;
		return MR_EDB;
	}
	*out = q;
	return 0;
}

void mr_store_set_error(mr_store *st, const char *msg)
{
	set_err(st, "%s: %s", st->path, msg);
	st->failed = 1;
}

int mr_store_query(mr_store *st, FILE *out, const char *sql, int header)
{
	sqlite3_stmt *q = NULL;
	int rc, i, n;

	if (mr_store_prepare_ro(st, sql, &q))
		return MR_EDB;
	n = sqlite3_column_count(q);
	if (header && n) {
		for (i = 0; i < n; i++)
			fprintf(out, "%s%s", i ? "|" : "",
				sqlite3_column_name(q, i));
		fputc('\n', out);
	}
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		for (i = 0; i < n; i++) {
			const unsigned char *t = sqlite3_column_text(q, i);

			fprintf(out, "%s%s", i ? "|" : "",
				t ? (const char *)t : "");
		}
		fputc('\n', out);
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return db_fail(st, "query");
	return 0;
}
