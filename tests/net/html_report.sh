#!/usr/bin/env bash
# html_report.sh - the HTML report as a browser shows it. The core suite
# runs against smtpref with a fault (bad-reply-code: most scenarios FAIL),
# writing html and json; headless Chromium renders the page (its JS run),
# and python3 checks the DOM against the JSON: totals, one entry per
# result, #verdict=FAIL showing exactly the FAIL entries, a FAIL entry's
# RFC section, highlighted deciding step and reply bytes, and no reference
# to anything outside the file. Screenshots (wide and phone) are left in
# BUILD_DIR for CI. `serve` writes the page too. Chromium is required: CI
# installs it, so its absence is a FAIL, not a skip.
set -u
build=$1 src=$2
SC=$build/smtpcheck REF=$build/smtpref
TMP=$(mktemp -d)
PIDS=()
# shellcheck source=../lib/smtpref.sh
. "$src/tests/lib/smtpref.sh"
trap cleanup EXIT
cd "$src" || exit 1
CHROME_TIMEOUT=120
fails=0
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

CHROME=$(command -v chromium || command -v chromium-browser ||
	command -v google-chrome || true)
[ -n "$CHROME" ] || fail "chromium not found: the HTML report test needs" \
	"headless Chromium (apt-get install chromium; ci/install-deps.sh)"

# chrome ARGS... - one headless Chromium, with a private profile, under a
# deadline; stderr (dbus noise) to $TMP/chrome.log.
chrome() {
	timeout "$CHROME_TIMEOUT" "$CHROME" --headless --no-sandbox \
		--disable-gpu --user-data-dir="$TMP/profile" \
		--no-first-run --disable-extensions "$@" 2>>"$TMP/chrome.log"
}

# 1. the run
start ref --listen 127.0.0.1:0 --fault bad-reply-code
"$SC" run --target "127.0.0.1:$PORT" --suite core --timeout-scale 0.05 \
	--jobs 8 -q --report html:"$TMP/R.html" --report json:"$TMP/R.json" \
	>"$TMP/run.out" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "run under bad-reply-code: exit $rc, want 1: $(tail -5 "$TMP/run.out")"
[ -s "$TMP/R.html" ] || fail "no HTML report written"

# 2. render it, as loaded and with a fragment filter
chrome --dump-dom "file://$TMP/R.html" >"$TMP/dom.html" ||
	fail "chromium --dump-dom failed: $(tail -5 "$TMP/chrome.log")"
chrome --dump-dom "file://$TMP/R.html#verdict=FAIL" >"$TMP/dom-fail.html" ||
	fail "chromium --dump-dom #verdict=FAIL failed"
chrome --dump-dom "file://$TMP/R.html#verdict=PASS,INFO&tag=ehlo" \
	>"$TMP/dom-tag.html" || fail "chromium --dump-dom #tag failed"

python3 - "$TMP/R.json" "$TMP/R.html" "$TMP/dom.html" "$TMP/dom-fail.html" \
	"$TMP/dom-tag.html" <<'PY' || bad "the rendered page does not match the JSON report"
import html.parser, json, re, sys

rep = json.load(open(sys.argv[1]))
raw = open(sys.argv[2], encoding="utf-8").read()
errors = []
def check(ok, msg):
    if not ok:
        errors.append(msg)

class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.kids, self.text = [], []
    def cls(self):
        return (self.attrs.get("class") or "").split()
    def all(self):
        yield self
        for k in self.kids:
            if isinstance(k, Node):
                yield from k.all()
    def find(self, pred):
        return [n for n in self.all() if pred(n)]
    def content(self):
        return "".join(k if isinstance(k, str) else k.content()
                       for k in self.kids)

VOID = {"meta", "link", "br", "img", "input", "hr", "col", "source", "wbr"}
class Tree(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", [], None)
        self.cur = self.root
    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.kids.append(n)
        if tag not in VOID:
            self.cur = n
    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent
    def handle_data(self, d):
        self.cur.kids.append(d)

def parse(path):
    t = Tree()
    t.feed(open(path, encoding="utf-8").read())
    return t.root

def scns(root):
    return root.find(lambda n: n.tag == "details" and "scn" in n.cls())

dom, dom_fail, dom_tag = (parse(p) for p in sys.argv[3:6])
res = rep["results"]
fails = [r for r in res if r["verdict"] == "FAIL"]
check(len(fails) > 5, "the fault should make several scenarios FAIL")
body = dom.find(lambda n: n.tag == "body")
check(body and body[0].attrs.get("data-ready") == "1",
      "the page's script did not run to the end")

# totals equal the JSON counts; one entry per result, in order
tot = {n.attrs["data-verdict"]: int(n.attrs["data-count"])
       for n in dom.find(lambda n: n.tag == "li" and "data-count" in n.attrs)}
want = {k.upper(): v for k, v in rep["counts"].items()}
check(tot == want, "totals %s, JSON counts %s" % (tot, want))
total = dom.find(lambda n: n.attrs.get("id") == "total")
check(total and int(total[0].attrs["data-count"]) == len(res),
      "total scenarios differ from the JSON's")
entries = scns(dom)
check(len(entries) == len(res),
      "%d entries, JSON has %d" % (len(entries), len(res)))
check([e.attrs.get("data-id") for e in entries] == [r["id"] for r in res],
      "entry ids differ from the JSON's")
check(all("hidden" not in e.attrs for e in entries),
      "entries hidden without a filter")
check(all(("open" in e.attrs) == (r["verdict"] != "PASS")
          for e, r in zip(entries, res)),
      "non-PASS entries must be open, PASS ones closed")

# #verdict=FAIL: exactly the FAIL entries visible
vis = [e.attrs["data-id"] for e in scns(dom_fail) if "hidden" not in e.attrs]
check(vis == [r["id"] for r in fails],
      "#verdict=FAIL shows %d entries, want the %d FAIL ones" %
      (len(vis), len(fails)))
shown = dom_fail.find(lambda n: n.attrs.get("id") == "shown")
check(shown and shown[0].attrs.get("data-shown") == str(len(fails)),
      "the shown count is not the FAIL count")
# verdicts PASS,INFO and tag ehlo together
vis = [e.attrs["data-id"] for e in scns(dom_tag) if "hidden" not in e.attrs]
wtag = [r["id"] for r in res
        if r["verdict"] in ("PASS", "INFO") and "ehlo" in r["tags"]]
check(vis == wtag, "#verdict=PASS,INFO&tag=ehlo shows %s, want %s" %
      (vis, wtag))

# a FAIL entry shows its RFC section, its deciding step highlighted, and
# the reply bytes that decided it
byid = {e.attrs["data-id"]: e for e in entries}
checked = 0
for r in fails:
    if not r["rfc"] or not r["step"] or not r["got"]:
        continue
    e = byid[r["id"]]
    rfcs = e.find(lambda n: "rfcs" in n.cls())
    check(rfcs and all(x in rfcs[0].content() for x in r["rfc"]),
          "%s: RFC sections %s not shown" % (r["id"], r["rfc"]))
    hl = e.find(lambda n: "te" in n.cls() and "hl" in n.cls())
    check(hl and all(n.attrs["data-line"] == str(r["step"]["line"])
                     for n in hl),
          "%s: deciding step line %d not highlighted" %
          (r["id"], r["step"]["line"]))
    check(any(n.find(lambda m: "mk" in m.cls()) for n in hl),
          "%s: no marker on the deciding step (colour alone)" % r["id"])
    recv = [n.find(lambda m: m.tag == "pre")[0].content().replace("\n", "")
            for n in hl if n.attrs.get("data-dir") == "recv"]
    check(any(r["got"] in x for x in recv),
          "%s: the reply %r is not in the highlighted transcript %r" %
          (r["id"], r["got"], recv))
    got = e.find(lambda n: "got" in n.cls())
    check(got and got[0].content() == r["got"],
          "%s: got shows %r" % (r["id"], got and got[0].content()))
    checked += 1
check(checked > 0, "no FAIL entry with RFC, step and reply to check")

# client and server bytes told apart by a marker, not colour alone
for d, m in (("sent", "C:"), ("recv", "S:"), ("event", "*")):
    ns = dom.find(lambda n: n.attrs.get("data-dir") == d)
    check(ns and all(n.find(lambda x: "d" in x.cls())[0].content() == m
                     for n in ns), "%s entries not marked %s" % (d, m))

# self-contained: nothing refers outside the file
URLATTR = {"href", "src", "action", "formaction", "data", "poster",
           "srcset", "background", "cite", "manifest", "xlink:href"}
for root in (parse(sys.argv[2]), dom):
    for n in root.all():
        for k, v in n.attrs.items():
            v = (v or "").strip().lower()
            if k in URLATTR:
                check(not re.match(r"(https?:|//|[a-z][a-z0-9+.-]*:)", v),
                      "<%s %s=%r> refers outside the file" % (n.tag, k, v))
            if k == "style":
                check("url(" not in v, "a style loads %r" % v)
        if n.tag in ("link", "iframe", "object", "embed", "img", "video",
                     "audio", "source", "base"):
            check(False, "a <%s> element" % n.tag)
        if n.tag == "script":
            check("src" not in n.attrs, "an external script")
styles = re.findall(r"<style>(.*?)</style>", raw, re.S)
check(styles and all("url(" not in s and "@import" not in s
                     for s in styles), "the style sheet loads something")
check("default-src 'none'" in raw, "no Content-Security-Policy")

for e in errors:
    print("  " + e)
print("html_report: %d results, %d FAIL, %d checked in detail" %
      (len(res), len(fails), checked))
sys.exit(1 if errors else 0)
PY

# 3. screenshots for CI: wide and phone-sized, non-empty PNGs
shot() {	# shot FILE W,H URL
	rm -f "$1"
	chrome --screenshot="$1" --window-size="$2" \
		--hide-scrollbars "$3" >/dev/null ||
		bad "chromium --screenshot $1 failed"
	python3 -c 'import sys
b = open(sys.argv[1], "rb").read()
sys.exit(0 if len(b) > 1000 and b[:8] == b"\x89PNG\r\n\x1a\n" else 1)' "$1" ||
		bad "$1 is not a non-empty PNG"
}
shot "$build/html-report.png" 1400,1000 "file://$TMP/R.html#verdict=FAIL"
shot "$build/html-report-phone.png" 390,844 "file://$TMP/R.html"

# 4. serve writes the page too: a client that never connects is a FAIL,
# its output (from the client side) shown escaped
"$SC" serve --listen 127.0.0.1:0 --timeout-scale 0.2 --client-cmd \
	'echo "<b>cannot</b> reach {host}:{port}"; exit 3' \
	--report html:"$TMP/S.html" --report json:"$TMP/S.json" -q \
	scenarios/client/tls/client-tls.starttls-used.scn >"$TMP/serve.out" 2>&1
rc=$?
[ $rc -eq 1 ] || bad "serve: exit $rc, want 1: $(tail -3 "$TMP/serve.out")"
chrome --dump-dom "file://$TMP/S.html#verdict=FAIL" >"$TMP/dom-serve.html" ||
	bad "chromium --dump-dom on the serve report failed"
grep -q 'data-verdict="FAIL"' "$TMP/dom-serve.html" ||
	bad "serve: no FAIL entry in the page"
grep -q '&lt;b&gt;cannot&lt;/b&gt; reach' "$TMP/S.html" ||
	bad "serve: the client's output is not in the page, escaped"
grep -q '<b>cannot' "$TMP/S.html" && bad "serve: the client's output is raw"

[ $fails -eq 0 ] || { echo "$fails check(s) failed" >&2; exit 1; }
echo "html_report: all checks passed"
