/*
 * procs.c - what replay keeps of processes beyond their memory: the pid
 * table (exec counts, exits, working directories), the fd tables (which
 * file and open file description an fd names, copied at fork), and the
 * file events that change the model's file table (open, dup, close,
 * unlink, rename).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/loop.h"

#define O_ACCMODE_ 3
#define O_DIRECTORY_ 0200000
#define O_TMPFILE_ 020000000 /* __O_TMPFILE: O_TMPFILE sets O_DIRECTORY too */

/*
 * Whether the file -y names PATH has no mmap (file_has_valid_mmap_hooks()
 * fails: ENODEV): pipes, the anonymous inodes without an mmap, and the
 * character devices whose driver maps nothing. /dev/zero maps (anonymous
 * memory); sockets (packet rings, TCP zerocopy), io_uring, perf, bpf,
 * KVM and dmabuf inodes map; other device nodes are taken to map.
 */
static int path_nommap(const char *path)
{
	static const char *const none[] = {"/dev/null",
					   "/dev/full",
					   "/dev/random",
					   "/dev/urandom",
					   "/dev/tty",
					   "/dev/ptmx",
					   "/dev/console",
					   "anon_inode:[eventfd]",
					   "anon_inode:[signalfd]",
					   "anon_inode:[timerfd]",
					   "anon_inode:[eventpoll]",
					   "anon_inode:inotify",
					   "anon_inode:[fanotify]",
					   "anon_inode:[pidfd]",
					   "anon_inode:[userfaultfd]"};
	size_t i;

	if (!strncmp(path, "pipe:[", 6) || !strncmp(path, "/dev/pts/", 9))
		return 1;
	for (i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		if (!strcmp(path, none[i]))
			return 1;
	return 0;
}

/* Lower bound of PID in the sorted pid table. */
static size_t pid_pos(const struct replay *r, int32_t pid)
{
	size_t lo = 0, hi = r->npids;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (r->pids[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct pid_ent *mr_rp_pid_get(struct replay *r, int32_t pid)
{
	size_t lo = pid_pos(r, pid);

	if (lo < r->npids && r->pids[lo].pid == pid)
		return &r->pids[lo];
	if (r->npids == r->cappids) {
		size_t cap = r->cappids ? r->cappids * 2 : 16;
		struct pid_ent *n = realloc(r->pids, cap * sizeof(*n));

		if (!n)
			return NULL;
		r->pids = n;
		r->cappids = cap;
	}
	memmove(&r->pids[lo + 1], &r->pids[lo],
		(r->npids - lo) * sizeof(*r->pids));
	r->npids++;
	r->pids[lo].pid = pid;
	r->pids[lo].execs = 0;
	r->pids[lo].gone = 0;
	r->pids[lo].cwd = NULL;
	r->pids[lo].calls = r->pids[lo].memcalls = 0;
	r->sum->processes++;
	return &r->pids[lo];
}

static size_t fd_pos(const struct replay *r, uint64_t key)
{
	size_t lo = 0, hi = r->nfds;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (r->fds[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static uint64_t fd_key(int32_t tgid, int64_t fd)
{
	return ((uint64_t)(uint32_t)tgid << 32) | (uint32_t)fd;
}

static struct fd_ent *fd_find(struct replay *r, int32_t tgid, int64_t fd)
{
	uint64_t key = fd_key(tgid, fd);
	size_t i = fd_pos(r, key);

	return i < r->nfds && r->fds[i].key == key ? &r->fds[i] : NULL;
}

static struct fd_ent *fd_put(struct replay *r, int32_t tgid, int64_t fd)
{
	uint64_t key = fd_key(tgid, fd);
	size_t i = fd_pos(r, key);

	if (i < r->nfds && r->fds[i].key == key)
		return &r->fds[i];
	if (r->nfds == r->capfds) {
		size_t cap = r->capfds ? r->capfds * 2 : 64;
		struct fd_ent *n = realloc(r->fds, cap * sizeof(*n));

		if (!n)
			return NULL;
		r->fds = n;
		r->capfds = cap;
	}
	memmove(&r->fds[i + 1], &r->fds[i], (r->nfds - i) * sizeof(*r->fds));
	r->nfds++;
	memset(&r->fds[i], 0, sizeof(r->fds[i]));
	r->fds[i].key = key;
	return &r->fds[i];
}

void mr_rp_fd_del(struct replay *r, int32_t tgid, int64_t fd)
{
	uint64_t key = fd_key(tgid, fd);
	size_t i = fd_pos(r, key);

	if (i < r->nfds && r->fds[i].key == key) {
		memmove(&r->fds[i], &r->fds[i + 1],
			(r->nfds - i - 1) * sizeof(*r->fds));
		r->nfds--;
	}
}

/* fork without CLONE_FILES: the child's table is a copy. */
void mr_rp_fd_copy(struct replay *r, int32_t from, int32_t to)
{
	size_t i = fd_pos(r, fd_key(from, 0));

	while (i < r->nfds && (r->fds[i].key >> 32) == (uint32_t)from) {
		struct fd_ent e = r->fds[i];
		struct fd_ent *n = fd_put(r, to, (int64_t)(e.key & 0xffffffff));

		if (!n)
			return;
		e.key = n->key;
		*n = e;
		i = fd_pos(r, fd_key(from, (int64_t)(e.key & 0xffffffff))) + 1;
	}
}

/* The file an mmap's fd refers to, or NULL when the fd is not open. */
const mr_fileref *mr_rp_resolve_fd(struct replay *r, int32_t tgid,
				   const mr_event *ev, mr_fileref *out)
{
	int64_t fd = (int64_t)(int32_t)ev->arg[4];
	struct fd_ent *e = fd < 0 ? NULL : fd_find(r, tgid, fd);
	uint32_t file;

	if (fd < 0)
		return NULL;
	if (ev->fd_path) {
		file = mr_machine_file(r->m, ev->fd_path, 0, 0, 0);
		if (!e || e->file != file) {
			/* Opened before the trace, or without -y at open. */
			e = fd_put(r, tgid, fd);
			if (!e)
				return NULL;
			e->file = file;
			e->ofd = mr_machine_new_ofd(r->m);
			e->readable = 1;
			e->writable = 1;
			e->nommap = (uint8_t)path_nommap(ev->fd_path);
		}
	}
	if (!e)
		return NULL;
	out->file = e->file;
	out->ofd = e->ofd;
	out->readable = e->readable;
	out->writable = e->writable;
	out->nommap = e->nommap;
	return out;
}

void mr_rp_on_open(struct replay *r, int32_t tgid, const mr_event *ev)
{
	uint64_t flags = ev->sys == MR_SYS_OPENAT ? ev->arg[1] : ev->arg[0];
	const char *path = ev->ret_path ? ev->ret_path : ev->str;
	struct fd_ent *e;

	if (ev->ret_kind != MR_RET_VALUE || ev->ret < 0 || !path)
		return;
	e = fd_put(r, tgid, ev->ret);
	if (!e)
		return;
	e->file = mr_machine_file(r->m, path, 0, 0, 0);
	e->ofd = mr_machine_new_ofd(r->m);
	e->readable = (flags & O_ACCMODE_) != 1;
	e->writable = (flags & O_ACCMODE_) != 0;
	e->nommap = ((flags & O_DIRECTORY_) && !(flags & O_TMPFILE_)) ||
		    path_nommap(path);
}

/* PATH resolved against its dirfd, whose path -y gives as FD_PATH (also
 * for AT_FDCWD: "AT_FDCWD</cwd>"). */
static const char *at_path(const char *path, const char *fd_path, char *buf,
			   size_t len)
{
	if (!path || path[0] == '/')
		return path;
	if (!fd_path || fd_path[0] != '/' ||
	    (size_t)snprintf(buf, len, "%s/%s", fd_path, path) >= len)
		return path; /* left to the machine's suffix match */
	return buf;
}

/* unlink/unlinkat of a file: its mappings print " (deleted)". */
void mr_rp_on_unlink(struct replay *r, const mr_event *ev)
{
	char buf[4096];
	const char *path = ev->str;

	if (ev->ret_kind != MR_RET_VALUE || ev->ret != 0 || !path ||
	    (ev->sys == MR_SYS_UNLINKAT && (ev->arg[1] & 0x200)))
		return; /* failed, or AT_REMOVEDIR */
	if (ev->sys == MR_SYS_UNLINKAT)
		path = at_path(path, ev->fd_path, buf, sizeof(buf));
	mr_machine_file_unlink(r->m, path);
}

/* rename/renameat/renameat2 of a file: its mappings show the new name. */
void mr_rp_on_rename(struct replay *r, const mr_event *ev)
{
	char ob[4096], nb[4096];
	const char *oldp = ev->str, *newp = ev->str2;
	uint64_t flags = 0;

	if (ev->ret_kind != MR_RET_VALUE || ev->ret != 0)
		return;
	if (ev->sys == MR_SYS_RENAMEAT) {
		/* -y names the first dirfd only: the second is known when
		 * it is AT_FDCWD or the same descriptor */
		oldp = at_path(oldp, ev->fd_path, ob, sizeof(ob));
		newp = at_path(newp,
			       ev->arg[1] == ev->arg[0] ? ev->fd_path : NULL,
			       nb, sizeof(nb));
		flags = ev->arg[2];
	}
	mr_machine_file_rename(r->m, oldp, newp, (flags & 2) != 0);
}

void mr_rp_on_dup(struct replay *r, int32_t tgid, const mr_event *ev)
{
	struct fd_ent *old, *n, copy;

	if (ev->ret_kind != MR_RET_VALUE || ev->ret < 0)
		return;
	old = fd_find(r, tgid, (int64_t)(int32_t)ev->arg[0]);
	if (!old) {
		mr_rp_fd_del(r, tgid, ev->ret);
		return;
	}
	copy = *old;
	n = fd_put(r, tgid, ev->ret);
	if (n) {
		copy.key = n->key;
		*n = copy;
	}
}

/* Whether PID existed and has exited. */
int mr_rp_exited_pid(const struct replay *r, int32_t pid)
{
	size_t i = pid_pos(r, pid);

	return i < r->npids && r->pids[i].pid == pid && r->pids[i].gone;
}

/* After an exit: every known pid without a task is gone. */
void mr_rp_mark_gone(struct replay *r)
{
	size_t i;

	for (i = 0; i < r->npids; i++)
		if (!r->pids[i].gone &&
		    !mr_machine_task_tgid(r->m, r->pids[i].pid))
			r->pids[i].gone = 1;
}

void mr_rp_forget_cwd(struct replay *r, const mr_event *ev)
{
	struct pid_ent *p =
		mr_rp_pid_get(r, r->cur_tgid ? r->cur_tgid : ev->pid);

	if (p) {
		free(p->cwd);
		p->cwd = NULL;
	}
}

/* AT_FDCWD</cwd> of a *at call: the process's working directory. */
void mr_rp_note_cwd(struct replay *r, const mr_event *ev)
{
	struct pid_ent *p;

	if (ev->nargs < 1 || ev->arg[0] != (uint64_t)-100 || !ev->fd_path ||
	    ev->fd_path[0] != '/')
		return;
	p = mr_rp_pid_get(r, r->cur_tgid ? r->cur_tgid : ev->pid);
	if (!p || (p->cwd && !strcmp(p->cwd, ev->fd_path)))
		return;
	free(p->cwd);
	p->cwd = strdup(ev->fd_path);
}

/* A limit as strace prints it: RLIM64_INFINITY, RLIM_INFINITY, N*1024,
 * or a number (-X raw: hex). 0 and *V, or -1. */
static int rlim_value(const char *p, uint64_t *v)
{
	char *end;
	unsigned long long n;

	if (!strncmp(p, "RLIM64_INFINITY", 15) ||
	    !strncmp(p, "RLIM_INFINITY", 13)) {
		*v = MR_RLIM_INFINITY;
		return 0;
	}
	n = strtoull(p, &end, 0);
	if (end == p)
		return -1;
	if (!strncmp(end, "*1024", 5)) {
		if (n > UINT64_MAX / 1024)
			return -1;
		n *= 1024;
	}
	*v = n;
	return 0;
}

/* The soft limit of the struct at *A ("{rlim_cur=V, rlim_max=W}"), or
 * -1 (NULL, an address); *A moves past the argument. */
static int rlim_arg(const char **a, uint64_t *v)
{
	const char *p = *a, *close;
	int rc = -1;

	while (*p == ' ')
		p++;
	if (*p == '{' && (close = strchr(p, '}')) != NULL) {
		if (!strncmp(p + 1, "rlim_cur=", 9))
			rc = rlim_value(p + 10, v);
		p = close + 1;
	} else {
		p += strcspn(p, ",");
	}
	if (*p == ',')
		p++;
	*a = p;
	return rc;
}

/*
 * What strace shows of a process's RLIMIT_MEMLOCK, RLIMIT_AS or
 * RLIMIT_DATA (its soft limit, the one the kernel checks), from calls
 * that succeeded: setrlimit(RES, {new}), getrlimit(RES, {old}) and
 * prlimit64(PID, RES, new, old), whose old value is what the limit was
 * and whose new one what it is after.
 */
void mr_rp_on_rlimit(struct replay *r, const mr_event *ev)
{
	const char *a = ev->args, *res;
	int32_t pid = ev->pid;
	int which, prl = 0;
	uint64_t v, old;
	int has_new, has_old = 0;
	mr_mm *mm;

	if (!a || ev->ret_kind != MR_RET_VALUE || ev->ret != 0)
		return;
	if (!strcmp(ev->name, "prlimit64")) {
		char *end;
		long n = strtol(a, &end, 10);

		if (end == a || strncmp(end, ", ", 2))
			return;
		if (n)
			pid = (int32_t)n;
		a = end + 2;
		prl = 1;
	} else if (strcmp(ev->name, "setrlimit") &&
		   strcmp(ev->name, "getrlimit") &&
		   strcmp(ev->name, "ugetrlimit")) {
		return;
	}
	res = a;
	if (!strncmp(res, "RLIMIT_MEMLOCK,", 15) || !strncmp(res, "0x8,", 4) ||
	    !strncmp(res, "8,", 2))
		which = MR_RLIM_MEMLOCK;
	else if (!strncmp(res, "RLIMIT_AS,", 10) || !strncmp(res, "0x9,", 4) ||
		 !strncmp(res, "9,", 2))
		which = MR_RLIM_AS;
	else if (!strncmp(res, "RLIMIT_DATA,", 12) ||
		 !strncmp(res, "0x2,", 4) || !strncmp(res, "2,", 2))
		which = MR_RLIM_DATA;
	else
		return;
	a = strchr(res, ',') + 1;
	has_new = !rlim_arg(&a, &v);
	if (prl)
		has_old = !rlim_arg(&a, &old);
	else if (ev->name[0] != 's') { /* getrlimit: its one struct is old */
		has_old = has_new;
		old = v;
		has_new = 0;
	}
	mm = mr_machine_task_mm(r->m, pid);
	if (!mm)
		return;
	if (has_old)
		mr_mm_set_rlimit(mm, which, old);
	if (has_new)
		mr_mm_set_rlimit(mm, which, v);
}
