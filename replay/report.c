/*
 * report.c - `mmreplay report DB -o report.html`: one self-contained HTML
 * file, offline (uPlot, vendored in third_party/uplot, and the data are
 * inline): per process its VMA count and its RSS (anonymous, file,
 * shmem) and VmPTE over the steps; the node's free blocks per order of
 * Normal; the modelled slab caches' objects in use; the divergences and
 * violations with their steps and trace lines. Series longer than
 * MAX_POINTS are thinned to the largest value of each bucket (peaks
 * stay).
 *
 * When the page has drawn, <body> carries data-rendered="ok", the charts
 * in data-charts and each chart's series names in its element's
 * data-series; a script error sets data-errors (tests/replay/report.sh
 * reads them through headless Chromium).
 */
#include "replay/report.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/query.h"
#include "replay/store_int.h"

extern const char mr_uplot_js[];
extern const char mr_uplot_css[];

#define MAX_POINTS 4000

/* One series of (step, value) points, thinned when long. */
struct series {
	int64_t *x, *y;
	size_t n, cap;
};

static int push(struct series *s, int64_t x, int64_t y)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		int64_t *nx = realloc(s->x, cap * sizeof(*nx)), *ny;

		if (!nx)
			return -1;
		s->x = nx;
		ny = realloc(s->y, cap * sizeof(*ny));
		if (!ny)
			return -1;
		s->y = ny;
		s->cap = cap;
	}
	s->x[s->n] = x;
	s->y[s->n] = y;
	s->n++;
	return 0;
}

/* The steps (K 0) or the values (K 1) of S as a JSON array, thinned to
 * MAX_POINTS: each bucket's first step and largest value. */
static void emit(FILE *out, const struct series *s, int k)
{
	size_t step = s->n > MAX_POINTS ? (s->n + MAX_POINTS - 1) / MAX_POINTS
					: 1,
	       i, j;

	fputs("[", out);
	for (i = 0; i < s->n; i += step) {
		int64_t v = k ? s->y[i] : s->x[i];

		for (j = i + 1; k && j < i + step && j < s->n; j++)
			if (s->y[j] > v)
				v = s->y[j];
		fprintf(out, "%s%lld", i ? "," : "", (long long)v);
	}
	fputs("]", out);
}

/* S as [[steps],[values]]. */
static void emit_pair(FILE *out, const struct series *s)
{
	fputs("[", out);
	emit(out, s, 0);
	fputs(",", out);
	emit(out, s, 1);
	fputs("]", out);
}

static void series_free(struct series *s)
{
	free(s->x);
	free(s->y);
	memset(s, 0, sizeof(*s));
}

/* The rows of SQL on ST: (key, x, y...) grouped by key, NY values a
 * row, into JSON {"key": {"x":[..], "name0": [..], ...}} after NAME. */
static int grouped(FILE *out, mr_store *st, const char *name, const char *sql,
		   const char *const *ynames, int ny)
{
	sqlite3_stmt *q = NULL;
	struct series s[8];
	char key[160] = "";
	int first = 1, i, rc;

	memset(s, 0, sizeof(s));
	if (ny > 8 || sqlite3_prepare_v2(mr_store_handle(st), sql, -1, &q,
					 NULL) != SQLITE_OK)
		return -1;
	fprintf(out, "\"%s\": {", name);
	for (;;) {
		const char *k;

		rc = sqlite3_step(q);
		k = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(q, 0)
				     : NULL;
		if (!k)
			k = "";
		if (rc != SQLITE_ROW || strcmp(k, key)) {
			if (key[0]) { /* the group ends */
				fputs(first ? "" : ",", out);
				first = 0;
				mr_json_string(out, key);
				fputs(": {\"x\": ", out);
				emit(out, &s[0], 0);
				for (i = 0; i < ny; i++) {
					fprintf(out, ", \"%s\": ", ynames[i]);
					emit(out, &s[i], 1);
					series_free(&s[i]);
				}
				fputs("}", out);
			}
			if (rc != SQLITE_ROW)
				break;
			snprintf(key, sizeof(key), "%s", k);
		}
		for (i = 0; i < ny; i++)
			if (push(&s[i], sqlite3_column_int64(q, 1),
				 sqlite3_column_int64(q, 2 + i)))
				break;
	}
	fputs("}", out);
	for (i = 0; i < ny; i++)
		series_free(&s[i]);
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The node's free blocks per order of Normal after each step that
 * changed them. */
struct freeser {
	struct series o[MR_NR_ORDERS];
};

static int on_counts(void *ctx, uint64_t step, const mr_buddy_counts *c)
{
	struct freeser *f = ctx;
	unsigned o;
	int mt;

	for (o = 0; o < MR_NR_ORDERS; o++) {
		int64_t n = 0;

		for (mt = 0; mt < MR_MT__COUNT; mt++)
			n += (int64_t)c->free[MR_ZONE_NORMAL][o][mt];
		if (push(&f->o[o], (int64_t)step, n))
			return -1;
	}
	return 0;
}

static void problems(FILE *out, mr_store *st)
{
	sqlite3_stmt *q = NULL;
	int first = 1, i;

	fputs("\"problems\": [", out);
	if (sqlite3_prepare_v2(
		    mr_store_handle(st),
		    "SELECT step, line, pid, 'divergence: ' || kind, expected, "
		    "got FROM divergence UNION ALL SELECT step, line, pid, "
		    "'violation: ' || invariant, detail, '' FROM violation "
		    "ORDER BY 1 LIMIT 1000",
		    -1, &q, NULL) == SQLITE_OK)
		while (sqlite3_step(q) == SQLITE_ROW) {
			fputs(first ? "[" : ",[", out);
			first = 0;
			for (i = 0; i < 6; i++) {
				const char *t =
					(const char *)sqlite3_column_text(q, i);

				fputs(i ? "," : "", out);
				mr_json_string(out, t ? t : "");
			}
			fputs("]", out);
		}
	sqlite3_finalize(q);
	fputs("]", out);
}

/* The page's own script: a chart per series group, the problems table. */
static const char page_js[] =
	"(function(){\n"
	"var D=window.MR_DATA,charts=0,names=[];\n"
	"window.addEventListener('error',function(e){document.body.dataset."
	"errors=(document.body.dataset.errors||'')+e.message+';';});\n"
	"var colors=['#1f77b4','#d62728','#2ca02c','#9467bd','#ff7f0e',"
	"'#8c564b','#e377c2','#7f7f7f','#bcbd22','#17becf','#000000'];\n"
	"function chart(id,title,xs,ys,labels,log){\n"
	" var el=document.createElement('div');el.className='chart';el.id=id;\n"
	" document.getElementById('charts').appendChild(el);\n"
	" var h=document.createElement('h3');h.textContent=title;"
	"el.appendChild(h);\n"
	" var series=[{label:'step'}];\n"
	" for(var i=0;i<labels.length;i++)series.push({label:labels[i],"
	"stroke:colors[i%colors.length],width:1.5});\n"
	" var opts={width:Math.min(1100,window.innerWidth-40),height:260,"
	"series:series,scales:{x:{time:false},y:log?{distr:3}:{}},"
	"axes:[{label:'step'},{size:80}],cursor:{drag:{x:true,y:false}}};\n"
	" new uPlot(opts,[xs].concat(ys),el);\n"
	" el.dataset.series=labels.join('|');charts++;names.push(id);\n"
	"}\n"
	"/* series on one x axis: the union of the steps, each carried "
	"forward */\n"
	"function merge(list){\n"
	" var xs=[],seen={},i,j;\n"
	" list.forEach(function(s){s[0].forEach(function(x){if(!seen[x])"
	"{seen[x]=1;xs.push(x);}});});\n"
	" xs.sort(function(a,b){return a-b;});\n"
	" var ys=list.map(function(s){var out=[],k=0,v=null;"
	"for(i=0;i<xs.length;i++){while(k<s[0].length&&s[0][k]<=xs[i])"
	"{v=s[1][k];k++;}out.push(v);}return out;});\n"
	" return [xs,ys];\n"
	"}\n"
	"var pids=Object.keys(D.vmas);\n"
	"if(pids.length){var m=merge(pids.map(function(p){return "
	"[D.vmas[p].x,D.vmas[p].vmas];}));chart('vmas','VMA count per "
	"process',m[0],m[1],pids.map(function(p){return 'pid '+p;}),false);}\n"
	"var mms=Object.keys(D.rss);\n"
	"mms.forEach(function(p){var r=D.rss[p];chart('rss-'+p,'RSS and "
	"VmPTE of pid '+p+' (kB)',r.x,[r.anon,r.file,r.shmem,r.pte],"
	"['anon','file','shmem','pte'],false);});\n"
	"if(D.free.length){var f=merge(D.free);chart('free','Free blocks "
	"per order, zone Normal (log)',f[0],f[1].map(function(a){return "
	"a.map(function(v){return v>0?v:null;});}),D.free.map(function(_,i)"
	"{return 'order '+i;}),true);}\n"
	"var caches=Object.keys(D.slab);\n"
	"if(caches.length){var s=merge(caches.map(function(c){return "
	"[D.slab[c].x,D.slab[c].active];}));chart('slab','Slab caches: "
	"objects in use',s[0],s[1],caches,false);}\n"
	"var t=document.getElementById('problems');\n"
	"if(!D.problems.length)t.textContent='No divergence or violation.';\n"
	"else{var tb=document.createElement('table');tb.innerHTML='<tr><th>"
	"step</th><th>line</th><th>pid</th><th>what</th><th>expected</th>"
	"<th>got</th></tr>';\n"
	" D.problems.forEach(function(p){var tr=document.createElement("
	"'tr');p.forEach(function(c){var td=document.createElement('td');"
	"td.textContent=c;tr.appendChild(td);});tb.appendChild(tr);});"
	"t.appendChild(tb);}\n"
	"document.body.dataset.charts=charts;document.body.dataset.names="
	"names.join(' ');document.body.dataset.rendered='ok';\n"
	"})();\n";

int mr_cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, 0, 'o'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	static const char *const vnames[] = {"vmas"};
	static const char *const rnames[] = {"anon", "file", "shmem", "pte"};
	static const char *const snames[] = {"active"};
	const char *path = NULL;
	char err[1024];
	mr_store *st;
	struct freeser fs;
	FILE *out;
	int c, rc = 0;
	unsigned o;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			path = optarg;
			break;
		case 'h':
			printf("usage: mmreplay report DB -o FILE\n"
			       "One self-contained HTML file (offline) with "
			       "the history's charts and problems.\n");
			return 0;
		default:
			fprintf(stderr, "mmreplay report: bad option (mmreplay "
					"report --help)\n");
			return 2;
		}
	}
	if (optind != argc - 1 || !path) {
		fprintf(stderr, "mmreplay report: takes one DB and -o FILE "
				"(mmreplay report --help)\n");
		return 2;
	}
	if (mr_store_open_ro(&st, argv[optind], err, sizeof(err))) {
		fprintf(stderr, "mmreplay report: %s\n", err);
		return 2;
	}
	out = fopen(path, "w");
	if (!out) {
		fprintf(stderr, "mmreplay report: %s: cannot write\n", path);
		mr_store_close(st, 0);
		return 2;
	}
	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n"
	      "<title>mmreplay report</title>\n<style>\n",
	      out);
	fputs(mr_uplot_css, out);
	fputs("\nbody{font-family:sans-serif;margin:20px;}"
	      "h3{margin:18px 0 4px;font-size:15px;}"
	      "table{border-collapse:collapse;font-size:12px;}"
	      "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;}"
	      "\n</style>\n<script>\n",
	      out);
	fputs(mr_uplot_js, out);
	fputs("\n</script>\n</head><body>\n<h1>mmreplay report</h1>\n<p>", out);
	mr_json_string(out, argv[optind]); /* shown quoted */
	fputs("</p>\n<div id=\"charts\"></div>\n<h2>Divergences and "
	      "violations</h2>\n<div id=\"problems\"></div>\n<script>\n"
	      "window.MR_DATA={",
	      out);
	memset(&fs, 0, sizeof(fs));
	if (grouped(out, st, "vmas",
		    "SELECT pid, step, vmas FROM step WHERE vmas >= 0 ORDER BY "
		    "pid, step",
		    vnames, 1) ||
	    (fputs(",\n", out), 0) ||
	    grouped(out, st, "rss",
		    "SELECT pid, from_step, coalesce(rss_anon_kb, 0), "
		    "coalesce(rss_file_kb, 0), coalesce(rss_shmem_kb, 0), "
		    "coalesce(pte_kb, 0) FROM mm WHERE rss_anon_kb IS NOT "
		    "NULL ORDER BY pid, from_step",
		    rnames, 4)) {
		rc = 2;
	}
	fputs(",\n", out);
	if (!rc && mr_store_node_walk(st, on_counts, &fs) > 1)
		rc = 2;
	fputs("\"free\": [", out);
	for (o = 0; o < MR_NR_ORDERS && fs.o[0].n; o++) {
		fputs(o ? "," : "", out);
		emit_pair(out, &fs.o[o]);
	}
	for (o = 0; o < MR_NR_ORDERS; o++)
		series_free(&fs.o[o]);
	fputs("],\n", out);
	/* the slab table exists only with a node */
	{
		sqlite3_stmt *q = NULL;
		int has = sqlite3_prepare_v2(mr_store_handle(st),
					     "SELECT 1 FROM slab LIMIT 1", -1,
					     &q, NULL) == SQLITE_OK;

		sqlite3_finalize(q);
		if (has && !rc)
			rc = grouped(out, st, "slab",
				     "SELECT cache, from_step, active_objs "
				     "FROM slab WHERE cache IN (SELECT cache "
				     "FROM slab GROUP BY cache HAVING "
				     "count(*) > 1) ORDER BY cache, from_step",
				     snames, 1)
				     ? 2
				     : 0;
		else
			fputs("\"slab\": {}", out);
	}
	fputs(",\n", out);
	problems(out, st);
	fputs("};\n</script>\n<script>\n", out);
	fputs(page_js, out);
	fputs("</script>\n</body></html>\n", out);
	if (fclose(out))
		rc = 2;
	if (rc)
		fprintf(stderr,
			"mmreplay report: %s: reading the history "
			"failed\n",
			argv[optind]);
	mr_store_close(st, 0);
	return rc;
}
