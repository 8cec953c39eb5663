/* SPDX-License-Identifier: ISC */
/*
 * rep_html.c - the HTML report: one self-contained page for a person.
 *
 * The run, the totals, a bar per area and per RFC (and RFC section) with
 * the verdict mix, filters by verdict, tag, area and RFC (inline JS, also
 * read from the URL fragment: report.html#verdict=FAIL&tag=tls), then each
 * scenario with its evidence, step timeline and transcript. Nothing is
 * fetched: CSS and JS are inline, and a Content-Security-Policy forbids
 * any load. Every string from a scenario file or the peer is escaped for
 * HTML here; peer bytes go through sc_esc() first. Like the other writers
 * it reads no clock and no environment: the same run gives the same bytes.
 */
#include "rep.h"

#include <stdlib.h>
#include <string.h>

#include "rep_out.h"
#include "run_result.h"
#include "sc_esc.h"
#include "sc_util.h"
#include "scn.h"

#define REP_HTML_BAR_SCALE	10000	/* bar widths in 1/100 of a % */
#define REP_HTML_PATH_PARTS_MAX	256	/* path parts we relativize */
/* The deciding step's marker: its highlight is never colour alone. */
#define REP_HTML_MARK \
	"<span class=\"mk\" title=\"deciding step\">&#9654;</span>"

/* Verdicts in report order, and the class each is drawn with. */
static const enum run_verdict rep_html_verdicts[RUN_VERDICT_COUNT] = {
	RUN_PASS, RUN_INFO, RUN_WARN, RUN_FAIL, RUN_SKIP, RUN_ERROR,
};

/* Tally of verdicts under one key: an area, an RFC, a section, a tag. */
struct rep_html_group {
	const char *key;	/* borrowed from the scenario, or owned */
	bool	 owned;
	size_t	 n[RUN_VERDICT_COUNT];
	size_t	 total;
};

struct rep_html_groups {
	struct rep_html_group *v;
	size_t	 n, cap;	/* cap is fixed up front: no growth */
};

static const char rep_html_css[] =
":root{--fg:#1b1f24;--bg:#fff;--mut:#5b636e;--line:#d6dae0;--pan:#f4f6f8;"
"--pass:#1f883d;--info:#0a7ea4;--warn:#b35900;--fail:#cf222e;"
"--skip:#8c959f;--error:#8250df;--cli:#0b5cad;--srv:#176f2c;--hl:#fff4c2}\n"
"@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;"
"--mut:#9aa4af;--line:#30363d;--pan:#161b22;--cli:#6cb6ff;--srv:#56d364;"
"--hl:#3b3000}}\n"
"*{box-sizing:border-box}\n"
"body{margin:0;font:15px/1.45 system-ui,sans-serif;color:var(--fg);"
"background:var(--bg)}\n"
"main{max-width:1200px;margin:0 auto;padding:12px 16px 48px}\n"
"h1{font-size:1.4em;margin:.4em 0}h2{font-size:1.15em;margin:1.2em 0 .4em}"
"h3{font-size:1em;margin:.8em 0 .3em}\n"
"code,pre,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;"
"font-size:.9em}\n"
"dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;"
"margin:.4em 0}\n"
"dl.kv dt{color:var(--mut)}dl.kv dd{margin:0;overflow-wrap:anywhere}\n"
".tot{display:flex;flex-wrap:wrap;gap:8px;padding:0;margin:.5em 0;"
"list-style:none}\n"
".tot li{border:1px solid var(--line);border-left-width:6px;"
"border-radius:6px;padding:4px 12px;min-width:90px}\n"
".tot b{display:block;font-size:1.5em}\n"
".v{display:inline-block;min-width:4.2em;text-align:center;"
"border-radius:4px;padding:0 4px;font-weight:600;color:#fff;"
"font-size:.85em}\n"
".v-PASS{--c:var(--pass)}.v-INFO{--c:var(--info)}.v-WARN{--c:var(--warn)}"
".v-FAIL{--c:var(--fail)}.v-SKIP{--c:var(--skip)}"
".v-ERROR{--c:var(--error)}\n"
".v,.seg{background:var(--c)}.tot li{border-left-color:var(--c)}\n"
".br{display:grid;grid-template-columns:11em 1fr 17em;"
"grid-template-areas:'l b m';gap:2px 10px;align-items:center;"
"margin:3px 0}\n"
".br>a{grid-area:l;overflow-wrap:anywhere}.br>.bar{grid-area:b}"
".br>.mix{grid-area:m}\n"
".bar{display:flex;height:14px;border-radius:3px;overflow:hidden;"
"background:var(--line);min-width:60px}\n"
".seg{display:block;height:100%}\n"
".mix{color:var(--mut);font-size:.85em}\n"
"details.rfc>summary{cursor:pointer;list-style:none}\n"
"details.rfc>summary::-webkit-details-marker{display:none}\n"
"details.rfc>summary a::before{content:'\\25B8  ';color:var(--mut)}\n"
"details.rfc[open]>summary a::before{content:'\\25BE  '}\n"
".secs{margin:0 0 8px 1.2em}\n"
"a{color:var(--cli)}\n"
"#filters{position:sticky;top:0;z-index:1;background:var(--bg);"
"border-bottom:1px solid var(--line);padding:6px 0;display:flex;"
"flex-wrap:wrap;gap:6px 14px;align-items:center}\n"
"#filters label{white-space:nowrap}\n"
"#filters select,#filters input[type=search]{font:inherit;max-width:100%}\n"
"details.scn{border:1px solid var(--line);border-left:6px solid var(--c);"
"border-radius:6px;margin:8px 0;background:var(--bg)}\n"
"details.scn>summary{cursor:pointer;padding:6px 10px;display:flex;"
"flex-wrap:wrap;gap:4px 10px;align-items:baseline}\n"
"details.scn>summary code{font-weight:600;overflow-wrap:anywhere}\n"
".scn .body{padding:4px 12px 10px;border-top:1px solid var(--line)}\n"
".ev{background:var(--pan);border-radius:6px;padding:6px 10px}\n"
".tw{overflow-x:auto}\n"
"table.steps{border-collapse:collapse;width:100%;font-size:.9em}\n"
"table.steps td,table.steps th{text-align:left;padding:2px 8px;"
"border-bottom:1px solid var(--line);vertical-align:top}\n"
"table.steps th{color:var(--mut);font-weight:normal}\n"
"tr.hl td,.te.hl{background:var(--hl)}\n"
".tr{border:1px solid var(--line);border-radius:6px;overflow:hidden}\n"
".te{display:grid;grid-template-columns:6.6em 2em 2.6em 1fr;"
"gap:0 6px;padding:1px 8px;border-top:1px solid var(--pan)}\n"
".te .t,.te .ln{color:var(--mut);font-size:.85em}\n"
".te .d{font-weight:700}\n"
".te pre{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}\n"
".te.c .d,.te.c pre{color:var(--cli)}.te.s .d,.te.s pre{color:var(--srv)}\n"
".te.e pre{color:var(--mut);font-style:italic}\n"
".te.hl{box-shadow:inset 4px 0 var(--fail)}\n"
"pre em{font-style:normal;opacity:.6}\n"
".mk{color:var(--fail)}\n"
".cut{color:var(--mut)}\n"
"@media (max-width:600px){body{font-size:14px}main{padding:8px}"
".br{grid-template-columns:1fr auto;grid-template-areas:'l m' 'b b'}"
".bar{height:12px}"
".te{grid-template-columns:6em 1.8em 1fr}.te .ln{display:none}"
".tot li{min-width:0;flex:1 1 28%}}\n";

/*
 * The filters. State lives in the URL fragment (verdict=A,B&tag=T&area=A
 * &rfc=R&q=TEXT), read on load and on hashchange, written back when a
 * control changes. Only textContent and attributes are ever set: no string
 * from the page is parsed as HTML.
 */
static const char rep_html_js[] =
"(function(){'use strict';\n"
"var V=['PASS','INFO','WARN','FAIL','SKIP','ERROR'];\n"
"var K=['verdict','tag','area','rfc','q'];\n"
"function $(i){return document.getElementById(i);}\n"
"var scns=document.querySelectorAll('details.scn');\n"
"var cur={verdict:[],tag:'',area:'',rfc:'',q:''};\n"
"function parse(h){var o={verdict:[],tag:'',area:'',rfc:'',q:''};\n"
" h.replace(/^#/,'').split('&').forEach(function(kv){\n"
"  var i=kv.indexOf('='),k,v;if(i<0)return;k=kv.slice(0,i);\n"
"  try{v=decodeURIComponent(kv.slice(i+1).replace(/\\+/g,' '));}"
"catch(e){return;}\n"
"  if(k==='verdict')o.verdict=v.toUpperCase().split(',')"
".filter(function(x){return V.indexOf(x)>=0;});\n"
"  else if(K.indexOf(k)>0)o[k]=v;});\n"
" return o;}\n"
"function hash(o){var p=[];\n"
" if(o.verdict.length)p.push('verdict='+o.verdict.join(','));\n"
" K.slice(1).forEach(function(k){if(o[k])"
"p.push(k+'='+encodeURIComponent(o[k]));});\n"
" return p.join('&');}\n"
"function rfcok(s,r){if(!r)return true;\n"
" return (s.getAttribute('data-rfc')||'').split('|').some(function(x){\n"
"  return x===r||x.split(' ')[0]===r||x.indexOf(r+'.')===0;});}\n"
"function ok(s,o){var q=o.q.toLowerCase();\n"
" return (!o.verdict.length||o.verdict.indexOf(s.getAttribute("
"'data-verdict'))>=0)&&\n"
"  (!o.tag||(' '+s.getAttribute('data-tags')+' ').indexOf(' '+o.tag+' ')"
">=0)&&\n"
"  (!o.area||s.getAttribute('data-area')===o.area)&&rfcok(s,o.rfc)&&\n"
"  (!q||s.querySelector('summary').textContent.toLowerCase()"
".indexOf(q)>=0);}\n"
"function apply(o){var n=0,t=$('f-tag'),i;cur=o;\n"
" V.forEach(function(v){$('f-'+v).checked=o.verdict.indexOf(v)>=0;});\n"
" for(i=0;i<t.options.length;i++)"
"t.options[i].selected=t.options[i].value===o.tag;\n"
" $('f-q').value=o.q;\n"
" $('f-more').textContent=(o.area?' area '+o.area:'')+"
"(o.rfc?' RFC '+o.rfc:'');\n"
" $('f-clear').hidden=!hash(o);\n"
" scns.forEach(function(s){var y=ok(s,o);s.hidden=!y;if(y)n++;});\n"
" $('shown').textContent=n;$('shown').setAttribute('data-shown',n);}\n"
"function save(o){var h=hash(o);apply(o);\n"
" try{history.replaceState(null,'',h?'#'+h:location.pathname+"
"location.search);}catch(e){location.hash=h;}}\n"
"function read(){var o={verdict:V.filter(function(v){"
"return $('f-'+v).checked;}),tag:$('f-tag').value,area:cur.area,"
"rfc:cur.rfc,q:$('f-q').value};save(o);}\n"
"V.forEach(function(v){$('f-'+v).addEventListener('change',read);});\n"
"$('f-tag').addEventListener('change',read);\n"
"$('f-q').addEventListener('input',read);\n"
"$('f-clear').addEventListener('click',function(){save(parse(''));});\n"
"function all(x){scns.forEach(function(s){if(!s.hidden)s.open=x;});}\n"
"$('f-open').addEventListener('click',function(){all(true);});\n"
"$('f-close').addEventListener('click',function(){all(false);});\n"
"window.addEventListener('hashchange',function(){apply(parse("
"location.hash));});\n"
"apply(parse(location.hash));\n"
"document.body.setAttribute('data-ready','1');})();\n";

/* ---- escaping ------------------------------------------------------- */

/* rep_html_text - s as HTML text or attribute value (NULL writes nothing).
 * Controls and invalid UTF-8 become \xNN, as in the terminal report. */
static void
rep_html_text(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len, n, i;
	uint32_t cp;

	if (str == NULL)
		return;
	len = strlen(str);
	while (len > 0) {
		n = rep_out_utf8(s, len, &cp);
		if (rep_out_is_bad(s, n, cp) || cp < 0x20 ||
		    (cp >= 0x7F && cp <= 0x9F)) {
			for (i = 0; i < n; i++)
				fprintf(f, "\\x%02X", s[i]);
		} else if (cp == '&')
			fputs("&amp;", f);
		else if (cp == '<')
			fputs("&lt;", f);
		else if (cp == '>')
			fputs("&gt;", f);
		else if (cp == '"')
			fputs("&quot;", f);
		else if (cp == '\'')
			fputs("&#39;", f);
		else
			fwrite(s, 1, n, f);
		s += n;
		len -= n;
	}
}

/* rep_html_esc_len - length of the sc_esc() escape at s: \r, \xNN. */
static size_t
rep_html_esc_len(const char *s)
{
	if (s[1] == 'x' && s[2] != '\0' && s[3] != '\0')
		return 4;
	return s[1] != '\0' ? 2 : 1;
}

/*
 * rep_html_bytes - peer bytes for a <pre>: sc_esc() text, its escapes
 * dimmed in <em> so that they stand apart from bytes that merely look like
 * them, and a line break after each \n so a multiline reply reads as
 * lines. full_len > len marks a cut.
 */
static void
rep_html_bytes(FILE *f, const char *data, size_t len, size_t full_len)
{
	char *esc, *p;
	bool in_em = false;
	size_t n;

	esc = sc_esc(data != NULL ? data : "", len, 0);
	for (p = esc; *p != '\0'; p += n) {
		if (*p != '\\' && in_em) {
			fputs("</em>", f);
			in_em = false;
		}
		if (*p != '\\') {
			n = strcspn(p, "\\&<>\"'");
			if (n > 0) {
				fwrite(p, 1, n, f);
				continue;
			}
			n = 1;
			fputs(*p == '&' ? "&amp;" : *p == '<' ? "&lt;" :
			    *p == '>' ? "&gt;" : *p == '"' ? "&quot;" :
			    "&#39;", f);
			continue;
		}
		n = rep_html_esc_len(p);
		if (!in_em)
			fputs("<em>", f);
		in_em = true;
		if (p[1] == '"')	/* \" is the only escape with markup */
			fputs("\\&quot;", f);
		else
			fwrite(p, 1, n, f);
		if (n == 2 && p[1] == 'n' && p[2] != '\0') {
			fputs("</em>\n", f);
			in_em = false;
		}
	}
	if (in_em)
		fputs("</em>", f);
	if (full_len > len)
		fprintf(f, "<span class=\"cut\">...(+%zu bytes)</span>",
		    full_len - len);
	free(esc);
}

/* rep_html_url_ok - may c stand unencoded in our relative hrefs? ':' may
 * not (it would start a scheme), nor '%', '#', '?' or anything not ASCII. */
static bool
rep_html_url_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~' || c == '/';
}

/* rep_html_url - a file path as an href: percent-encoded (RFC 3986 2.1). */
static void
rep_html_url(FILE *f, const char *path)
{
	const unsigned char *s;

	for (s = (const unsigned char *)path; *s != '\0'; s++) {
		if (rep_html_url_ok(*s))
			fputc(*s, f);
		else
			fprintf(f, "%%%02X", *s);
	}
}

/* ---- capture links -------------------------------------------------- */

/*
 * rep_html_split - path split into normalized components in v (at most
 * REP_HTML_PATH_PARTS_MAX; pointers into the writable copy buf): "." and
 * empty parts dropped, "x/.." folded, leading ".." kept for a relative
 * path and dropped for an absolute one (the root's parent is the root).
 * Returns the count, or -1 when there are too many. Lexical only: symlinks
 * are not followed (XXX a link through a symlinked folder may be wrong).
 */
static int
rep_html_split(char *buf, bool abs, char **v)
{
	char *p, *save = NULL;
	int n = 0;

	for (p = strtok_r(buf, "/", &save); p != NULL;
	    p = strtok_r(NULL, "/", &save)) {
		if (strcmp(p, ".") == 0)
			continue;
		if (strcmp(p, "..") == 0) {
			if (n > 0 && strcmp(v[n - 1], "..") != 0) {
				n--;
				continue;
			}
			if (abs)
				continue;
		}
		if (n == REP_HTML_PATH_PARTS_MAX)
			return -1;
		v[n++] = p;
	}
	return n;
}

/* rep_html_abs - path made absolute against cwd when it is relative and
 * cwd is known; an owned copy either way. */
static char *
rep_html_abs(const char *path, const char *cwd)
{
	if (path[0] == '/' || cwd == NULL || cwd[0] != '/')
		return xstrdup(path);
	return xasprintf("%s/%s", cwd, path);
}

/*
 * rep_html_relpath - the href for capture from the report at dest->path:
 * relative to the report's folder when both paths can be related (both
 * absolute, both relative to the same folder, or made absolute with
 * dest->cwd), else the capture path as given. Owned by the caller.
 */
static char *
rep_html_relpath(const char *capture, const struct rep_dest *dest)
{
	char *cv[REP_HTML_PATH_PARTS_MAX], *rv[REP_HTML_PATH_PARTS_MAX];
	char *cbuf, *rbuf, *out = NULL;
	int nc, nr, common, i;
	size_t size, o;

	if (dest == NULL || dest->path == NULL)
		return xstrdup(capture);
	cbuf = rep_html_abs(capture, dest->cwd);
	rbuf = rep_html_abs(dest->path, dest->cwd);
	if ((cbuf[0] == '/') != (rbuf[0] == '/'))
		goto fallback;
	nc = rep_html_split(cbuf, cbuf[0] == '/', cv);
	nr = rep_html_split(rbuf, rbuf[0] == '/', rv);
	if (nc <= 0 || nr <= 0)
		goto fallback;
	nr--;			/* the report's folder: drop its file name */
	for (common = 0; common < nr && common < nc - 1 &&
	    strcmp(cv[common], rv[common]) == 0; common++)
		;
	/* "../" cannot climb out of a folder whose name we do not know */
	for (i = common; i < nr; i++)
		if (strcmp(rv[i], "..") == 0)
			goto fallback;
	size = 1;
	for (i = common; i < nr; i++)
		size += 3;
	for (i = common; i < nc; i++)
		size += strlen(cv[i]) + 1;
	out = xmalloc(size);
	o = 0;
	for (i = common; i < nr; i++) {
		memcpy(out + o, "../", 3);
		o += 3;
	}
	for (i = common; i < nc; i++) {
		size_t l = strlen(cv[i]);

		memcpy(out + o, cv[i], l);
		o += l;
		if (i + 1 < nc)
			out[o++] = '/';
	}
	out[o] = '\0';
fallback:
	free(cbuf);
	free(rbuf);
	return out != NULL ? out : xstrdup(capture);
}

/* ---- tallies -------------------------------------------------------- */

/* rep_html_groups_init - room for cap groups, all there can be. */
static void
rep_html_groups_init(struct rep_html_groups *g, size_t cap)
{
	g->v = xcalloc(cap > 0 ? cap : 1, sizeof(*g->v));
	g->n = 0;
	g->cap = cap;
}

/* rep_html_groups_clear - free the groups and the keys they own. */
static void
rep_html_groups_clear(struct rep_html_groups *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (g->v[i].owned)
			free((char *)g->v[i].key);
	free(g->v);
	g->v = NULL;
	g->n = 0;
}

/* rep_html_groups_add - count verdict v under key (copied if own). */
static void
rep_html_groups_add(struct rep_html_groups *g, const char *key, bool own,
    enum run_verdict v)
{
	struct rep_html_group *e = NULL;
	size_t i;

	for (i = 0; i < g->n; i++)
		if (strcmp(g->v[i].key, key) == 0) {
			e = &g->v[i];
			break;
		}
	if (e == NULL) {
		if (g->n == g->cap)
			fatal("html report: %zu groups, room for %zu", g->n + 1,
			    g->cap);
		e = &g->v[g->n++];
		e->key = own ? xstrdup(key) : key;
		e->owned = own;
	}
	if ((int)v >= 0 && (int)v < RUN_VERDICT_COUNT)
		e->n[v]++;
	e->total++;
}

/* rep_html_natcmp - compare with digit runs as numbers, so that
 * "5321 4.1.10" sorts after "5321 4.1.9", and RFC 821 before RFC 5321. */
static int
rep_html_natcmp(const char *a, const char *b)
{
	size_t la, lb;
	int c;

	while (*a != '\0' && *b != '\0') {
		if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
			while (*a == '0' && a[1] >= '0' && a[1] <= '9')
				a++;
			while (*b == '0' && b[1] >= '0' && b[1] <= '9')
				b++;
			la = strspn(a, "0123456789");
			lb = strspn(b, "0123456789");
			if (la != lb)
				return la < lb ? -1 : 1;
			if ((c = strncmp(a, b, la)) != 0)
				return c;
			a += la;
			b += lb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return *a == *b ? strcmp(a, b) : (*a == '\0' ? -1 : 1);
}

/* rep_html_group_cmp - qsort order of groups: natural order of keys. */
static int
rep_html_group_cmp(const void *a, const void *b)
{
	const struct rep_html_group *x = a, *y = b;
	int c;

	if ((c = rep_html_natcmp(x->key, y->key)) != 0)
		return c;
	return strcmp(x->key, y->key);	/* "01" vs "1": still an order */
}

/* rep_html_rfc_num - the RFC number of "5321 4.1.1.4" into buf. */
static void
rep_html_rfc_num(const char *ref, char *buf, size_t size)
{
	size_t n = strcspn(ref, " ");

	if (n >= size)
		n = size - 1;
	memcpy(buf, ref, n);
	buf[n] = '\0';
}

/* rep_html_seen - does v[0..i) hold an entry equal to v[i] (whole) or,
 * num true, one with the same RFC number? Counts a scenario once. */
static bool
rep_html_seen(char *const *v, size_t i, bool num)
{
	size_t j, n;

	for (j = 0; j < i; j++) {
		if (!num) {
			if (strcmp(v[j], v[i]) == 0)
				return true;
			continue;
		}
		n = strcspn(v[i], " ");
		if (strcspn(v[j], " ") == n && strncmp(v[j], v[i], n) == 0)
			return true;
	}
	return false;
}

/* ---- the page ------------------------------------------------------- */

/* rep_html_us - a time from the scenario's start in seconds, exact to the
 * microsecond: "+0.001500s". */
static void
rep_html_us(FILE *f, int64_t us)
{
	long long v = us > 0 ? (long long)us : 0;

	fprintf(f, "+%lld.%06llds", v / 1000000, v % 1000000);
}

/* rep_html_pct - count of total as a CSS percentage, exact to 0.01%. */
static void
rep_html_pct(FILE *f, size_t count, size_t total)
{
	size_t w = total > 0 ? count * REP_HTML_BAR_SCALE / total : 0;

	fprintf(f, "%zu.%02zu%%", w / 100, w % 100);
}

/* rep_html_mix - "3 PASS, 1 FAIL" for the verdicts present. */
static void
rep_html_mix(FILE *f, const size_t *n)
{
	bool first = true;
	size_t i;

	for (i = 0; i < RUN_VERDICT_COUNT; i++) {
		if (n[rep_html_verdicts[i]] == 0)
			continue;
		fprintf(f, "%s%zu %s", first ? "" : ", ",
		    n[rep_html_verdicts[i]],
		    run_verdict_str(rep_html_verdicts[i]));
		first = false;
	}
}

/*
 * rep_html_bar - one row of a .bars grid: the label (a link that filters,
 * href "#KEY=VALUE"), the bar, and the mix in words so that the colours
 * are never the only carrier.
 */
static void
rep_html_bar(FILE *f, const char *fkey, const char *label,
    const struct rep_html_group *g)
{
	size_t i;
	enum run_verdict v;

	fprintf(f, "<span class=\"br\"><a class=\"mono\" href=\"#%s=", fkey);
	rep_html_url(f, g->key);
	fputs("\">", f);
	rep_html_text(f, label);
	fputs("</a><span class=\"bar\" role=\"img\" aria-label=\"", f);
	rep_html_mix(f, g->n);
	fputs("\">", f);
	for (i = 0; i < RUN_VERDICT_COUNT; i++) {
		v = rep_html_verdicts[i];
		if (g->n[v] == 0)
			continue;
		fprintf(f, "<span class=\"seg v-%s\" style=\"width:",
		    run_verdict_str(v));
		rep_html_pct(f, g->n[v], g->total);
		fprintf(f, "\" title=\"%zu %s\"></span>", g->n[v],
		    run_verdict_str(v));
	}
	fprintf(f, "</span><span class=\"mix\" data-total=\"%zu\">",
	    g->total);
	rep_html_mix(f, g->n);
	fputs("</span></span>\n", f);
}

/* rep_html_head - doctype, metadata, the policy that forbids any load,
 * and the style sheet. */
static void
rep_html_head(FILE *f, const struct run_summary *sum)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\""
	    "default-src 'none'; style-src 'unsafe-inline'; "
	    "script-src 'unsafe-inline'; img-src data:\">\n"
	    "<meta name=\"generator\" content=\"smtpcheck ", f);
	rep_html_text(f, sum->tool_version);
	fputs("\">\n<title>smtpcheck: ", f);
	rep_html_text(f, sum->target != NULL ? sum->target : "report");
	fputs("</title>\n<style>\n", f);
	fputs(rep_html_css, f);
	fputs("</style>\n</head>\n", f);
}

/* rep_html_kv - "<dt>label</dt><dd>value</dd>" when value is set. */
static void
rep_html_kv(FILE *f, const char *label, const char *value, bool mono)
{
	if (value == NULL)
		return;
	fprintf(f, "<dt>%s</dt><dd%s>", label, mono ? " class=\"mono\"" : "");
	rep_html_text(f, value);
	fputs("</dd>\n", f);
}

/* rep_html_run - what was tested, how, and when. */
static void
rep_html_run(FILE *f, const struct run_summary *sum)
{
	char t[REP_OUT_TIME_MAX], d[REP_OUT_NUM_MAX];

	fputs("<header>\n<h1>smtpcheck report</h1>\n"
	    "<dl class=\"kv\" id=\"run\">\n", f);
	rep_html_kv(f, "target", sum->target, true);
	rep_html_kv(f, "smtpcheck", sum->tool_version, false);
	rep_html_kv(f, "shard", sum->shard, false);
	rep_html_kv(f, "TLS policy", sum->tls != NULL ? sum->tls : "(not set)",
	    false);
	rep_html_kv(f, "TLS seen", sum->tls_peer != NULL ? sum->tls_peer :
	    "(no TLS session in the probe)", false);
	fprintf(f, "<dt>timeout scale</dt><dd>%g</dd>\n",
	    sum->timeout_scale > 0 ? sum->timeout_scale : 1.0);
	rep_out_rfc3339(t, sizeof(t), sum->started_wall_us);
	rep_html_kv(f, "started", t, true);
	rep_out_secs(d, sizeof(d), sum->duration_us);
	fprintf(f, "<dt>duration</dt><dd>%s s</dd>\n</dl>\n</header>\n", d);
}

/* rep_html_totals - one box per verdict, in report order. */
static void
rep_html_totals(FILE *f, const size_t *counts, size_t n)
{
	size_t i;
	const char *v;

	fprintf(f, "<h2>Totals: <span id=\"total\" data-count=\"%zu\">%zu"
	    "</span> scenarios</h2>\n<ul class=\"tot\" id=\"totals\">\n", n, n);
	for (i = 0; i < RUN_VERDICT_COUNT; i++) {
		v = run_verdict_str(rep_html_verdicts[i]);
		fprintf(f, "<li class=\"v-%s\" data-verdict=\"%s\" "
		    "data-count=\"%zu\"><b>%zu</b>%s</li>\n", v, v,
		    counts[rep_html_verdicts[i]], counts[rep_html_verdicts[i]],
		    v);
	}
	fputs("</ul>\n", f);
}

/* rep_html_areas - a bar per area, in the order areas first appear. */
static void
rep_html_areas(FILE *f, const struct run_summary *sum)
{
	struct rep_html_groups g;
	char *area;
	size_t i;

	rep_html_groups_init(&g, sum->nresults);
	for (i = 0; i < sum->nresults; i++) {
		area = rep_out_area(rep_out_scn(&sum->results[i]));
		rep_html_groups_add(&g, area, true, sum->results[i].verdict);
		free(area);
	}
	fputs("<section id=\"areas\">\n<h2>By area</h2>\n"
	    "<div class=\"bars\">\n", f);
	for (i = 0; i < g.n; i++)
		rep_html_bar(f, "area", g.v[i].key, &g.v[i]);
	fputs("</div>\n</section>\n", f);
	rep_html_groups_clear(&g);
}

/* rep_html_rfc_sections - the section rows of one RFC. */
static void
rep_html_rfc_sections(FILE *f, const struct rep_html_groups *sec,
    const char *num)
{
	const char *sp;
	size_t i, n = strlen(num);

	fputs("<div class=\"bars secs\">\n", f);
	for (i = 0; i < sec->n; i++) {
		if (strncmp(sec->v[i].key, num, n) != 0 ||
		    (sec->v[i].key[n] != ' ' && sec->v[i].key[n] != '\0'))
			continue;
		sp = sec->v[i].key[n] == ' ' ? sec->v[i].key + n + 1 :
		    "(whole RFC)";
		rep_html_bar(f, "rfc", sp, &sec->v[i]);
	}
	fputs("</div>\n", f);
}

/*
 * rep_html_rfcs - a bar per RFC, each opening onto a bar per section,
 * in natural order. A scenario counts once per RFC and once per section
 * however often it names them.
 */
static void
rep_html_rfcs(FILE *f, const struct run_summary *sum)
{
	struct rep_html_groups num, sec;
	const struct scn *s;
	char buf[REP_OUT_NUM_MAX], *label;
	size_t i, j, nref = 0;

	for (i = 0; i < sum->nresults; i++)
		nref += rep_out_scn(&sum->results[i])->nrfc;
	rep_html_groups_init(&num, nref);
	rep_html_groups_init(&sec, nref);
	for (i = 0; i < sum->nresults; i++) {
		s = rep_out_scn(&sum->results[i]);
		for (j = 0; j < s->nrfc; j++) {
			if (s->rfc[j] == NULL)
				continue;
			if (!rep_html_seen(s->rfc, j, true)) {
				rep_html_rfc_num(s->rfc[j], buf, sizeof(buf));
				rep_html_groups_add(&num, buf, true,
				    sum->results[i].verdict);
			}
			if (!rep_html_seen(s->rfc, j, false))
				rep_html_groups_add(&sec, s->rfc[j], false,
				    sum->results[i].verdict);
		}
	}
	qsort(num.v, num.n, sizeof(*num.v), rep_html_group_cmp);
	qsort(sec.v, sec.n, sizeof(*sec.v), rep_html_group_cmp);
	fputs("<section id=\"rfcs\">\n<h2>By RFC</h2>\n", f);
	if (num.n == 0)
		fputs("<p class=\"mix\">No RFC references.</p>\n", f);
	for (i = 0; i < num.n; i++) {
		fputs("<details class=\"rfc\"><summary>", f);
		label = xasprintf("RFC %s", num.v[i].key);
		rep_html_bar(f, "rfc", label, &num.v[i]);
		free(label);
		fputs("</summary>\n", f);
		rep_html_rfc_sections(f, &sec, num.v[i].key);
		fputs("</details>\n", f);
	}
	fputs("</section>\n", f);
	rep_html_groups_clear(&num);
	rep_html_groups_clear(&sec);
}

/* rep_html_filters - the controls the script drives, and the tag list. */
static void
rep_html_filters(FILE *f, const struct run_summary *sum,
    const size_t *counts)
{
	struct rep_html_groups tags;
	const struct scn *s;
	const char *v;
	size_t i, j, ntags = 0;

	for (i = 0; i < sum->nresults; i++)
		ntags += rep_out_scn(&sum->results[i])->ntags;
	rep_html_groups_init(&tags, ntags);
	for (i = 0; i < sum->nresults; i++) {
		s = rep_out_scn(&sum->results[i]);
		for (j = 0; j < s->ntags; j++)
			if (s->tags[j] != NULL &&
			    !rep_html_seen(s->tags, j, false))
				rep_html_groups_add(&tags, s->tags[j], false,
				    sum->results[i].verdict);
	}
	qsort(tags.v, tags.n, sizeof(*tags.v), rep_html_group_cmp);

	fputs("<h2>Scenarios: <span id=\"shown\">", f);
	fprintf(f, "%zu</span> shown</h2>\n<nav id=\"filters\" "
	    "aria-label=\"filters\">\n", sum->nresults);
	for (i = 0; i < RUN_VERDICT_COUNT; i++) {
		v = run_verdict_str(rep_html_verdicts[i]);
		fprintf(f, "<label><input type=\"checkbox\" id=\"f-%s\"> "
		    "<span class=\"v v-%s\">%s</span> %zu</label>\n", v, v, v,
		    counts[rep_html_verdicts[i]]);
	}
	fputs("<label>tag <select id=\"f-tag\"><option value=\"\">any"
	    "</option>", f);
	for (i = 0; i < tags.n; i++) {
		fputs("<option value=\"", f);
		rep_html_text(f, tags.v[i].key);
		fputs("\">", f);
		rep_html_text(f, tags.v[i].key);
		fprintf(f, " (%zu)</option>", tags.v[i].total);
	}
	fputs("</select></label>\n"
	    "<input type=\"search\" id=\"f-q\" placeholder=\"id or text\" "
	    "aria-label=\"search\">\n"
	    "<span id=\"f-more\" class=\"mix\"></span>\n"
	    "<button type=\"button\" id=\"f-clear\" hidden>clear</button>\n"
	    "<button type=\"button\" id=\"f-open\">expand</button>\n"
	    "<button type=\"button\" id=\"f-close\">collapse</button>\n"
	    "</nav>\n", f);
	rep_html_groups_clear(&tags);
}

/* rep_html_list - v[0..n) as escaped text joined by ", "; "-" if none. */
static void
rep_html_list(FILE *f, char *const *v, size_t n)
{
	size_t i;

	if (n == 0)
		fputs("-", f);
	for (i = 0; i < n; i++) {
		if (i > 0)
			fputs(", ", f);
		rep_html_text(f, v[i]);
	}
}

/* rep_html_attr_list - v[0..n) joined by sep, escaped, for data-*. */
static void
rep_html_attr_list(FILE *f, const char *name, char *const *v, size_t n,
    const char *sep)
{
	char *s = rep_out_join(v, n, sep);

	fprintf(f, " %s=\"", name);
	rep_html_text(f, s);
	fputc('"', f);
	free(s);
}

/* rep_html_meta - what the scenario is: level, references, file. */
static void
rep_html_meta(FILE *f, const struct run_result *r, const struct scn *s,
    const struct rep_dest *dest)
{
	char d[REP_OUT_NUM_MAX], *href;

	fprintf(f, "<dl class=\"kv\">\n<dt>level</dt><dd>%s</dd>\n"
	    "<dt>RFC</dt><dd class=\"rfcs\">", scn_level_str(s->level));
	rep_html_list(f, s->rfc, s->nrfc);
	fputs("</dd>\n<dt>requirements</dt><dd class=\"mono\">", f);
	rep_html_list(f, s->catalog, s->ncatalog);
	fputs("</dd>\n<dt>tags</dt><dd>", f);
	rep_html_list(f, s->tags, s->ntags);
	fputs("</dd>\n", f);
	rep_html_kv(f, "file", s->path, true);
	rep_html_kv(f, "note", s->note, false);
	rep_out_secs(d, sizeof(d), r->duration_us);
	fprintf(f, "<dt>duration</dt><dd>%s s</dd>\n", d);
	if (r->capture != NULL) {
		href = rep_html_relpath(r->capture, dest);
		fputs("<dt>capture</dt><dd><a class=\"cap mono\" href=\"", f);
		rep_html_url(f, href);
		fputs("\">", f);
		rep_html_text(f, href);
		fputs("</a></dd>\n", f);
		free(href);
	}
	fputs("</dl>\n", f);
}

/* rep_html_evidence - for a verdict other than PASS: the deciding step,
 * what it expected, what came, and why. */
static void
rep_html_evidence(FILE *f, const struct run_result *r)
{
	if (r->verdict == RUN_PASS && r->reason == NULL)
		return;
	fputs("<dl class=\"kv ev\">\n", f);
	if (r->step_line > 0 || r->step_src != NULL) {
		fprintf(f, "<dt>deciding step</dt><dd class=\"step\" "
		    "data-line=\"%d\"><span class=\"mono\">line %d:</span> "
		    "<code>", r->step_line, r->step_line);
		rep_html_text(f, r->step_src);
		fputs("</code></dd>\n", f);
	}
	rep_html_kv(f, "expected", r->expected, false);
	if (r->got != NULL) {
		/* already sc_esc() text: escaped once more, for HTML only */
		fputs("<dt>got</dt><dd><code class=\"got\">", f);
		rep_html_text(f, r->got);
		fputs("</code></dd>\n", f);
	}
	rep_html_kv(f, "reason", r->reason, false);
	fputs("</dl>\n", f);
}

/* rep_html_steps - the timeline: when each step ran and what it gave. */
static void
rep_html_steps(FILE *f, const struct run_result *r)
{
	char d[REP_OUT_NUM_MAX];
	const struct run_step_log *s;
	bool hl;
	size_t i;

	if (r->nsteps == 0)
		return;
	fputs("<h3>Steps</h3>\n<div class=\"tw\"><table class=\"steps\">"
	    "<tr><th>at</th><th>line</th><th>step</th><th>outcome</th>"
	    "<th>took</th><th>detail</th></tr>\n", f);
	for (i = 0; i < r->nsteps; i++) {
		s = &r->steps[i];
		hl = r->verdict != RUN_PASS && s->line == r->step_line;
		rep_out_ms(d, sizeof(d), s->dur_us);
		fprintf(f, "<tr%s><td class=\"mono\">", hl ? " class=\"hl\"" :
		    "");
		rep_html_us(f, s->t_us);
		fprintf(f, "</td><td>%s%d</td><td><code>", hl ? REP_HTML_MARK :
		    "", s->line);
		rep_html_text(f, s->src);
		fprintf(f, "</code></td><td><span class=\"v v-%s\">%s</span>"
		    "</td><td class=\"mono\">%s ms</td><td>",
		    run_verdict_str(s->outcome), run_verdict_str(s->outcome),
		    d);
		rep_html_text(f, s->detail);
		fputs("</td></tr>\n", f);
	}
	fputs("</table></div>\n", f);
}

/*
 * rep_html_entry - one transcript line. Client and server bytes differ in
 * colour and in the marker C:/S: (RFC 5321's own notation); which side
 * the harness wrote depends on its role. Harness events are "*" and
 * italic. Entries caused by the deciding step carry the class "hl" and a
 * marker.
 */
static void
rep_html_entry(FILE *f, const struct tr_entry *e, bool harness_client,
    bool deciding)
{
	const char *cls, *mark;

	if (e->dir == TR_EVENT) {
		cls = "e";
		mark = "*";
	} else if ((e->dir == TR_SENT) == harness_client) {
		cls = "c";
		mark = "C:";
	} else {
		cls = "s";
		mark = "S:";
	}
	fprintf(f, "<div class=\"te %s%s\" data-dir=\"%s\" data-line=\"%d\">"
	    "<span class=\"t\">", cls, deciding ? " hl" : "",
	    tr_dir_str(e->dir), e->step_line);
	rep_html_us(f, e->t_us);
	fprintf(f, "</span><span class=\"d\">%s</span><span class=\"ln\">%s",
	    mark, deciding ? REP_HTML_MARK : "");
	if (e->step_line > 0)
		fprintf(f, "%d", e->step_line);
	fputs("</span><pre>", f);
	if (e->dir == TR_EVENT)
		rep_html_text(f, e->data);
	else
		rep_html_bytes(f, e->data, e->len, e->full_len);
	fputs("</pre></div>\n", f);
}

/* rep_html_transcript - every exchange kept, in order. */
static void
rep_html_transcript(FILE *f, const struct run_result *r, const struct scn *s)
{
	const struct transcript *tr = &r->tr;
	bool deciding;
	size_t i;

	if (tr->n == 0)
		return;
	fputs("<h3>Transcript</h3>\n<div class=\"tr\">\n", f);
	for (i = 0; i < tr->n; i++) {
		deciding = r->verdict != RUN_PASS && r->step_line > 0 &&
		    tr->v[i].step_line == r->step_line;
		rep_html_entry(f, &tr->v[i], s->role != SCN_ROLE_SERVER,
		    deciding);
	}
	if (tr->truncated)
		fputs("<div class=\"te e\"><span class=\"t\"></span>"
		    "<span class=\"d\">*</span><span class=\"ln\"></span>"
		    "<pre>(transcript truncated at the limits)</pre></div>\n",
		    f);
	fputs("</div>\n", f);
}

/* rep_html_result - one scenario: open unless it passed. */
static void
rep_html_result(FILE *f, const struct run_result *r,
    const struct rep_dest *dest)
{
	const struct scn *s = rep_out_scn(r);
	const char *v = run_verdict_str(r->verdict);
	char *area;

	area = rep_out_area(s);
	fprintf(f, "<details class=\"scn v-%s\" data-verdict=\"%s\"", v, v);
	fputs(" data-id=\"", f);
	rep_html_text(f, s->id);
	fputs("\" data-area=\"", f);
	rep_html_text(f, area);
	fputc('"', f);
	rep_html_attr_list(f, "data-tags", s->tags, s->ntags, " ");
	rep_html_attr_list(f, "data-rfc", s->rfc, s->nrfc, "|");
	fprintf(f, "%s>\n<summary><span class=\"v v-%s\">%s</span> <code>",
	    r->verdict != RUN_PASS ? " open" : "", v, v);
	rep_html_text(f, s->id);
	fputs("</code> <span class=\"title\">", f);
	rep_html_text(f, s->title);
	fputs("</span></summary>\n<div class=\"body\">\n", f);
	rep_html_evidence(f, r);
	rep_html_meta(f, r, s, dest);
	rep_html_steps(f, r);
	rep_html_transcript(f, r, s);
	fputs("</div>\n</details>\n", f);
	free(area);
}

/* rep_html_write - the whole page. */
int
rep_html_write(FILE *f, const struct run_summary *sum,
    const struct rep_dest *dest)
{
	size_t counts[RUN_VERDICT_COUNT], i;

	rep_out_count(sum, counts);
	rep_html_head(f, sum);
	fputs("<body>\n<main>\n", f);
	rep_html_run(f, sum);
	rep_html_totals(f, counts, sum->nresults);
	rep_html_areas(f, sum);
	rep_html_rfcs(f, sum);
	rep_html_filters(f, sum, counts);
	fputs("<p class=\"mix\" id=\"legend\">Transcripts: <b>C:</b> client "
	    "bytes, <b>S:</b> server bytes, <b>*</b> harness events, "
	    "&#9654; the deciding step; <code>\\r \\n \\xNN</code> stand "
	    "for bytes that are not printable.</p>\n"
	    "<div id=\"results\">\n", f);
	for (i = 0; i < sum->nresults; i++)
		rep_html_result(f, &sum->results[i], dest);
	fputs("</div>\n</main>\n<script>\n", f);
	fputs(rep_html_js, f);
	fputs("</script>\n</body>\n</html>\n", f);
	return rep_out_finish(f);
}
