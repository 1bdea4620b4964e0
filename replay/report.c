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
#include <unistd.h>

#include "replay/query.h"
#include "replay/store_int.h"

extern const char mr_uplot_js[];
extern const char mr_uplot_css[];

#define MAX_POINTS 4000

/* A progress line on a terminal (stderr), nothing when piped. */
static int tty;

static void progress(const char *what, uint64_t at, uint64_t of)
{
	if (!tty)
		return;
	if (of)
		fprintf(stderr, "\rreport: %s %" PRIu64 " of %" PRIu64 "\033[K",
			what, at, of);
	else
		fprintf(stderr, "\rreport: %s\033[K", what);
}

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
	uint64_t last; /* the history's last step */
};

static int on_counts(void *ctx, uint64_t step, const mr_buddy_counts *c)
{
	struct freeser *f = ctx;
	unsigned o;
	int mt;

	if ((step & 4095) == 0)
		progress("free blocks, step", step, f->last);
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
		    "SELECT p.*, coalesce(s.name || '(' || s.args || ') = ' "
		    "|| CASE WHEN s.ret IS NULL THEN '?' WHEN s.ret >= 4096 "
		    "THEN printf('0x%x', s.ret) ELSE s.ret END, '') FROM "
		    "(SELECT step, line, "
		    "pid, 'divergence: ' || kind, expected, got FROM "
		    "divergence UNION ALL SELECT step, line, pid, "
		    "'violation: ' || invariant, detail, '' FROM violation) "
		    "AS p LEFT JOIN step s ON s.step = p.step ORDER BY 1 "
		    "LIMIT 1000",
		    -1, &q, NULL) == SQLITE_OK)
		while (sqlite3_step(q) == SQLITE_ROW) {
			fputs(first ? "[" : ",[", out);
			first = 0;
			for (i = 0; i < 7; i++) {
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

/* ---- the address-space maps ---- */

#define MAP_ROWS 20000 /* VMA rows drawn per address space */
#define MAP_MMS 24     /* address spaces drawn */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Index of X in the sorted unique V[0..N) (it is there). */
static size_t rank_of(const uint64_t *v, size_t n, uint64_t x)
{
	const uint64_t *p = bsearch(&x, v, n, sizeof(*v), cmp_u64);

	return p ? (size_t)(p - v) : n;
}

static size_t str_index(char *const *v, size_t n, const char *x)
{
	char *const *p = bsearch(&x, v, n, sizeof(*v), cmp_str);

	return p ? (size_t)(p - v) : n;
}

/* Sort and deduplicate V[0..*N) of malloc'd strings. */
static void str_unique(char **v, size_t *n)
{
	size_t i, j;

	qsort(v, *n, sizeof(*v), cmp_str);
	for (i = j = 0; i < *n; i++)
		if (j && !strcmp(v[j - 1], v[i]))
			free(v[i]);
		else
			v[j++] = v[i];
	*n = j;
}

struct maprow {
	int64_t from, to; /* to -1: open */
	uint64_t start, end;
	char *perms, *path;
};

/* One address space's map: its longest-lived MAP_ROWS rows, addresses as
 * ranks of their boundaries. */
static int one_map(FILE *out, sqlite3 *db, int64_t mm, int64_t pid,
		   int64_t total)
{
	sqlite3_stmt *q = NULL;
	struct maprow *r = NULL;
	uint64_t *b = NULL;
	char **perms = NULL, **paths = NULL;
	size_t n = 0, nb = 0, np = 0, nq = 0, i;
	int rc = -1;

	if (sqlite3_prepare_v2(
		    db,
		    "SELECT from_step, coalesce(to_step, -1), start, end, "
		    "perms, coalesce(path, '') FROM vma WHERE mm = ?1 ORDER BY "
		    "coalesce(to_step, (SELECT max(step) + 1 FROM step)) - "
		    "from_step DESC, id LIMIT ?2",
		    -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(q, 1, mm);
	sqlite3_bind_int64(q, 2, MAP_ROWS);
	r = calloc(MAP_ROWS, sizeof(*r));
	b = malloc(2 * MAP_ROWS * sizeof(*b));
	perms = malloc(MAP_ROWS * sizeof(*perms));
	paths = malloc(MAP_ROWS * sizeof(*paths));
	if (!r || !b || !perms || !paths)
		goto out;
	while (n < MAP_ROWS && sqlite3_step(q) == SQLITE_ROW) {
		const char *pm = (const char *)sqlite3_column_text(q, 4);
		const char *pa = (const char *)sqlite3_column_text(q, 5);

		r[n].from = sqlite3_column_int64(q, 0);
		r[n].to = sqlite3_column_int64(q, 1);
		r[n].start = (uint64_t)sqlite3_column_int64(q, 2);
		r[n].end = (uint64_t)sqlite3_column_int64(q, 3);
		r[n].perms = strdup(pm ? pm : "");
		r[n].path = strdup(pa ? pa : "");
		if (!r[n].perms || !r[n].path) {
			n++;
			goto out;
		}
		b[nb++] = r[n].start;
		b[nb++] = r[n].end;
		perms[np++] = strdup(r[n].perms);
		paths[nq++] = strdup(r[n].path);
		if (!perms[np - 1] || !paths[nq - 1]) {
			n++;
			goto out;
		}
		n++;
	}
	qsort(b, nb, sizeof(*b), cmp_u64);
	{
		size_t j = 0;

		for (i = 0; i < nb; i++) /* unique */
			if (!j || b[j - 1] != b[i])
				b[j++] = b[i];
		nb = j;
	}
	str_unique(perms, &np);
	str_unique(paths, &nq);
	fprintf(out, "{\"mm\": %lld, \"pid\": %lld, \"total\": %lld, \"b\": [",
		(long long)mm, (long long)pid, (long long)total);
	for (i = 0; i < nb; i++)
		fprintf(out, "%s\"%" PRIx64 "\"", i ? "," : "", b[i]);
	fputs("], \"perms\": [", out);
	for (i = 0; i < np; i++) {
		fputs(i ? "," : "", out);
		mr_json_string(out, perms[i]);
	}
	fputs("], \"paths\": [", out);
	for (i = 0; i < nq; i++) {
		fputs(i ? "," : "", out);
		mr_json_string(out, paths[i]);
	}
	fputs("], \"r\": [", out);
	for (i = 0; i < n; i++)
		fprintf(out, "%s[%lld,%lld,%zu,%zu,%zu,%zu]", i ? "," : "",
			(long long)r[i].from, (long long)r[i].to,
			rank_of(b, nb, r[i].start), rank_of(b, nb, r[i].end),
			str_index(perms, np, r[i].perms),
			str_index(paths, nq, r[i].path));
	fputs("]}", out);
	rc = 0;
out:
	sqlite3_finalize(q);
	for (i = 0; r && i < n; i++) {
		free(r[i].perms);
		free(r[i].path);
	}
	for (i = 0; perms && i < np; i++)
		free(perms[i]);
	for (i = 0; paths && i < nq; i++)
		free(paths[i]);
	free(r);
	free(b);
	free(perms);
	free(paths);
	return rc;
}

/* "maps": the MAP_MMS address spaces with the most VMA rows, in order of
 * creation, and "last": the last step, LAST. */
static int maps(FILE *out, mr_store *st, uint64_t last)
{
	sqlite3 *db = mr_store_handle(st);
	sqlite3_stmt *q = NULL;
	int first = 1, rc = 0;

	fprintf(out, "\"last\": %" PRIu64 ",\n\"maps\": [", last);
	if (sqlite3_prepare_v2(db,
			       "SELECT mm, pid, n FROM (SELECT mm, min(pid) AS "
			       "pid, count(*) AS n FROM vma GROUP BY mm ORDER "
			       "BY n DESC, mm LIMIT ?1) ORDER BY mm",
			       -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int(q, 1, MAP_MMS);
	while (!rc && sqlite3_step(q) == SQLITE_ROW) {
		if (tty)
			fprintf(stderr, "\rreport: the map of address space "
					"%lld\033[K",
				(long long)sqlite3_column_int64(q, 0));
		fputs(first ? "" : ",\n", out);
		first = 0;
		rc = one_map(out, db, sqlite3_column_int64(q, 0),
			     sqlite3_column_int64(q, 1),
			     sqlite3_column_int64(q, 2));
	}
	sqlite3_finalize(q);
	fputs("]", out);
	return rc;
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
	"axes:[{label:'step'},{size:80}],cursor:{drag:{x:true,y:false}},"
	"hooks:{draw:[function(u){drawMark(u);}]}};\n"
	" plots.push(new uPlot(opts,[xs].concat(ys),el));\n"
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
	"/* the step the problems table points at: a line on every chart */\n"
"var marks=[],plots=[];\n"
"function drawMark(u){if(!marks.length)return;var c=u.ctx,b=u.bbox;"
"c.save();c.strokeStyle='#d62728';c.lineWidth=2;c.setLineDash([4,3]);"
"marks.forEach(function(m){var x=u.valToPos(m,'x',true);"
"if(x>=b.left&&x<=b.left+b.width){c.beginPath();c.moveTo(x,b.top);"
"c.lineTo(x,b.top+b.height);c.stroke();}});c.restore();}\n"
"function box(id,title){var el=document.createElement('div');"
"el.className='chart';el.id=id;document.getElementById('charts')"
".appendChild(el);var h=document.createElement('h3');h.textContent="
"title;el.appendChild(h);return el;}\n"
"/* rectangles drawn by uPlot's draw hook on its scales: x the steps, "
"y YRANGE */\n"
"function canvasPlot(el,ylabel,yrange,yvals,draw,hover,height){\n"
" var xmax=D.last+1,tip=document.createElement('div');tip.className="
"'tip';\n"
" var opts={width:Math.min(1100,window.innerWidth-40),height:height,"
"series:[{label:'step'},{label:ylabel,show:false}],scales:{x:{time:false,"
"min:0,max:xmax},y:{auto:false,range:yrange}},axes:[{label:'step'},"
"{size:130,values:yvals}],legend:{show:false},cursor:{drag:{x:true,"
"y:true,uni:40},points:{show:false}},hooks:{draw:[function(u){var c=u.ctx,"
"b=u.bbox;c.save();c.beginPath();c.rect(b.left,b.top,b.width,b.height);"
"c.clip();draw(u,c);c.restore();drawMark(u);}],setCursor:[function(u){"
"var l=u.cursor.left,t=u.cursor.top;tip.textContent=l>=0?hover("
"u.posToVal(l,'x'),u.posToVal(t,'y')):'';}]}};\n"
" var u=new uPlot(opts,[[0,xmax],[null,null]],el);el.appendChild(tip);"
"plots.push(u);return u;\n"
"}\n"
"var perm={'---':'#9e9e9e','r--':'#1f77b4','rw-':'#2ca02c','r-x':"
"'#d62728','rwx':'#9467bd','-w-':'#ff7f0e','--x':'#8c564b','-wx':"
"'#e377c2'};\n"
"function hex(s){return '0x'+s;}\n"
"function drawMaps(){D.maps.forEach(function(M){\n"
" var id='map-'+M.pid+'-'+M.mm,xmax=D.last+1,nb=M.b.length;\n"
" var el=box(id,'Address space of pid '+M.pid+' (mm '+M.mm+'): '+"
"M.r.length+' VMA rows'+(M.total>M.r.length?' (the longest-lived of '+"
"M.total+')':'')+'; addresses by rank of their boundaries, colour by "
"permissions');\n"
" var lg=document.createElement('div');lg.className='legend';"
"Object.keys(perm).forEach(function(k){if(M.perms.some(function(p){"
"return p.slice(0,3)==k;})){var sp=document.createElement('span');"
"sp.innerHTML='<i style=\"background:'+perm[k]+'\"></i>'+k;"
"lg.appendChild(sp);}});lg.appendChild(document.createTextNode("
"' (file-backed darker than anonymous; drag to zoom, double-click to "
"reset; the line under the chart names the VMAs under the pointer)'));"
"el.appendChild(lg);\n"
" var drawn=0;\n"
" canvasPlot(el,'address',[0,Math.max(1,nb-1)],function(u,t){return "
"t.map(function(v){var i=Math.round(v);return i>=0&&i<nb&&Math.abs(v-i)"
"<1e-9?hex(M.b[i]):'';});},function(u,c){drawn=0;M.r.forEach("
"function(r){var x0=u.valToPos(r[0],'x',true),x1=u.valToPos(r[1]<0?"
"xmax:r[1],'x',true),y0=u.valToPos(r[2],'y',true),y1=u.valToPos(r[3],"
"'y',true);c.fillStyle=perm[M.perms[r[4]].slice(0,3)]||'#000';"
"c.globalAlpha=M.paths[r[5]]?0.85:0.55;c.fillRect(x0,y1,Math.max(1,"
"x1-x0),Math.max(1,y0-y1));drawn++;});c.globalAlpha=1;"
"el.dataset.drawn=drawn;},function(x,y){var out=[];M.r.forEach("
"function(r){if(x>=r[0]&&(r[1]<0||x<r[1])&&y>=r[2]&&y<r[3])out.push("
"hex(M.b[r[2]])+'-'+hex(M.b[r[3]])+' '+M.perms[r[4]]+' '+M.paths[r[5]]"
"+'  steps '+r[0]+'..'+(r[1]<0?'end':r[1]-1));});return 'step '+"
"Math.round(x)+(out.length?': '+out.join('; '):'');},360);\n"
" el.dataset.series='vma';el.dataset.rows=M.r.length;charts++;"
"names.push(id);\n"
"});}\n"
"/* free blocks per order as a heatmap: colour by log(count) */\n"
"function ramp(f){var s=[[68,1,84],[59,82,139],[33,145,140],[94,201,98],"
"[253,231,37]],p=Math.max(0,Math.min(1,f))*(s.length-1),i=Math.min("
"s.length-2,Math.floor(p)),t=p-i,c=s[i].map(function(v,k){return "
"Math.round(v+(s[i+1][k]-v)*t);});return 'rgb('+c.join(',')+')';}\n"
"function heat(f){\n"
" var el=box('free-heat','Free blocks per order over the steps, zone "
"Normal (colour: log of the count; dark few, yellow many; white none)'),"
"xs=f[0],ys=f[1],max=1,cells=0,xmax=D.last+1;\n"
" ys.forEach(function(a){a.forEach(function(v){if(v>max)max=v;});});\n"
" canvasPlot(el,'order',[-0.5,ys.length-0.5],function(u,t){return "
"t.map(function(v){return v===Math.floor(v)&&v>=0&&v<ys.length?'order '"
"+v:'';});},"
"function(u,c){cells=0;for(var o=0;o<ys.length;o++)for(var i=0;i<"
"xs.length;i++){var v=ys[o][i];if(v==null||v<=0)continue;var x0="
"u.valToPos(xs[i],'x',true),x1=u.valToPos(i+1<xs.length?xs[i+1]:xmax,"
"'x',true),y0=u.valToPos(o-0.5,'y',true),y1=u.valToPos(o+0.5,'y',true);"
"c.fillStyle=ramp(Math.log(v+1)/Math.log(max+1));c.fillRect(x0,y1,"
"Math.max(1,x1-x0),Math.max(1,y0-y1));cells++;}el.dataset.cells=cells;},"
"function(x,y){var o=Math.round(y),i=0;while(i+1<xs.length&&xs[i+1]<="
"x)i++;return o>=0&&o<ys.length&&xs.length?'step '+Math.round(x)+', "
"order '+o+': '+(ys[o][i]==null?0:ys[o][i])+' free blocks':'';},300);\n"
" el.dataset.series=ys.map(function(_,i){return 'order '+i;}).join('|');"
"charts++;names.push('free-heat');\n"
"}\n"
"var pids=Object.keys(D.vmas);\n"
	"if(pids.length){var m=merge(pids.map(function(p){return "
	"[D.vmas[p].x,D.vmas[p].vmas];}));chart('vmas','VMA count per "
	"process',m[0],m[1],pids.map(function(p){return 'pid '+p;}),false);}\n"
	"drawMaps();\n"
	"var mms=Object.keys(D.rss);\n"
	"mms.forEach(function(p){var r=D.rss[p];chart('rss-'+p,'RSS and "
	"VmPTE of pid '+p+' (kB)',r.x,[r.anon,r.file,r.shmem,r.pte],"
	"['anon','file','shmem','pte'],false);});\n"
	"if(D.free.length){var f=merge(D.free);chart('free','Free blocks "
	"per order, zone Normal (log)',f[0],f[1].map(function(a){return "
	"a.map(function(v){return v>0?v:null;});}),D.free.map(function(_,i)"
	"{return 'order '+i;}),true);heat(f);}\n"
	"var caches=Object.keys(D.slab);\n"
	"if(caches.length){var s=merge(caches.map(function(c){return "
	"[D.slab[c].x,D.slab[c].active];}));chart('slab','Slab caches: "
	"objects in use',s[0],s[1],caches,false);}\n"
	"var t=document.getElementById('problems');\n"
	"if(!D.problems.length)t.textContent='No divergence or violation.';\n"
	"else{var tb=document.createElement('table');tb.innerHTML='<tr><th>"
	"step</th><th>line</th><th>pid</th><th>what</th><th>expected</th>"
	"<th>got</th><th>call in the trace</th></tr>';\n"
	" D.problems.forEach(function(p){var tr=document.createElement("
	"'tr');p.forEach(function(c){var td=document.createElement('td');"
	"td.textContent=c;tr.appendChild(td);});tr.title='show step '+p[0]+"
	"' on the charts';tr.onclick=function(){location.hash='step='+p[0]+"
	"'&pid='+p[2];};tb.appendChild(tr);});t.appendChild(tb);}\n"
	"/* #step=N[&pid=P]: a line at step N on every chart, P's map shown */\n"
	"function fromHash(){var m=/step=(\\d+)/.exec(location.hash),"
	"q=/pid=(\\d+)/.exec(location.hash);if(!m)return;marks=[+m[1]];"
	"plots.forEach(function(u){u.redraw(false,false);});document.body."
	"dataset.mark=m[1];var el=q&&document.querySelector('[id^=\"map-'+"
	"q[1]+'-\"]');if(el)el.scrollIntoView();}\n"
	"window.addEventListener('hashchange',fromHash);fromHash();\n"
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
	      "tr[title]{cursor:pointer;}tr[title]:hover{background:#eef;}"
	      ".tip{font:12px monospace;min-height:16px;white-space:pre;}"
	      ".legend{font-size:12px;margin:2px 0 4px;}.legend span{"
	      "margin-right:10px;}.legend i{display:inline-block;width:10px;"
	      "height:10px;margin-right:3px;vertical-align:middle;}"
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
	tty = isatty(2);
	progress("VMA counts and RSS", 0, 0);
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
	{
		sqlite3_stmt *q = NULL;

		if (sqlite3_prepare_v2(mr_store_handle(st),
				       "SELECT coalesce(max(step), 0) FROM step",
				       -1, &q, NULL) == SQLITE_OK &&
		    sqlite3_step(q) == SQLITE_ROW)
			fs.last = (uint64_t)sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
	}
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
	if (!rc && maps(out, st, fs.last))
		rc = 2;
	fputs(",\n", out);
	progress("divergences and violations", 0, 0);
	problems(out, st);
	if (tty)
		fputs("\r\033[K", stderr);
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
