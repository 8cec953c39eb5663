#!/usr/bin/env bash
# import_roundtrip.sh - `smtpcheck import` end to end against smtpref.
#
# 1. The round trip through `smtpcheck run --pcap DIR`: a few scenarios
#    (pipelining ones among them) are run against smtpref with --pcap;
#    each capture is imported, the scenario linted and run against a
#    fresh smtpref: the same verdict, and the same octets sent (the JSON
#    transcript's "sent" entries, joined: the transcript cuts entries at
#    line ends, which a write boundary need not be). Skipped, and said,
#    when this build's run has no --pcap.
# 2. A STARTTLS session: listed as STARTTLS, imported up to the 220.
# 3. The same round trip from a capture written by import_pcap.py (pure
#    struct) of a real smtpref session, with split and duplicated
#    segments: the replay sends exactly what the script sent.
# 4. Bad captures exit 2 with one line: empty, text, truncated, only
#    non-SMTP TCP, --flow out of range; two SMTP flows without --flow
#    exit 2 with the list.
set -u
build=$1 src=$2
SC=$build/smtpcheck REF=$build/smtpref
TMP=$(mktemp -d)
PIDS=()
# shellcheck source=../lib/smtpref.sh
. "$src/tests/lib/smtpref.sh"
trap cleanup EXIT
cd "$src" || exit 1
fails=0
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
PY=$src/tests/net/import_pcap.py

# result JSON FIELD - verdict, or the sent octets joined (escaped as the
# report has them), of the one result in a JSON report
result() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))['results'][0]
if sys.argv[2] == 'verdict':
    print(r['verdict'])
else:
    print(''.join(e['data'] for e in r['transcript'] if e['dir'] == 'sent'))
EOF
}
# unesc FILE - the octets of a report's escaped text (\r \n \t \0 \\ \" \xNN)
unesc() {
	python3 -c '
import re, sys
s = open(sys.argv[1]).read().rstrip("\n")
m = {"r": "\r", "n": "\n", "t": "\t", "0": "\0", "\\": "\\", "\"": "\""}
sys.stdout.buffer.write(re.sub(r"\\(x[0-9A-Fa-f]{2}|.)", lambda g:
    chr(int(g.group(1)[1:], 16)) if g.group(1)[0] == "x" and
    len(g.group(1)) == 3 else m.get(g.group(1), g.group(1)),
    s).encode("latin-1"))' "$1"
}
# fresh NAME - a new smtpref for one replay; PORT is set
fresh() {
	local name=$1
	shift
	stop_all
	start "$name" --listen 127.0.0.1:0 "$@"
}
stop_all() { local p; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; PIDS=(); }

# import_one CAPTURE NAME - import into $TMP/imp/NAME.scn and lint it
import_one() {
	local cap=$1 name=$2
	mkdir -p "$TMP/imp"
	if ! "$SC" import "$cap" -o "$TMP/imp/$name.scn" 2>"$TMP/imp/$name.err"; then
		bad "import $cap: exit $?: $(cat "$TMP/imp/$name.err")"
		return 1
	fi
	grep -q "^id        $name\$" "$TMP/imp/$name.scn" || bad "$name.scn: id is not $name"
	"$SC" lint "$TMP/imp/$name.scn" >"$TMP/imp/$name.lint" 2>&1 ||
		{ bad "lint $name.scn: $(cat "$TMP/imp/$name.lint")"; return 1; }
}

# 1. the round trip through run --pcap
ROUNDTRIP=(
	scenarios/core/helo/helo.full-transaction.scn
	scenarios/core/data/data.dot-stuffing.scn
	scenarios/ext/pipelining/pipelining.group-replies-in-order.scn
	scenarios/ext/pipelining/pipelining.hundred-rcpts.scn
	scenarios/ext/pipelining/pipelining.split-mid-line.scn
	scenarios/ext/pipelining/pipelining.rset-in-group.scn
	scenarios/ext/pipelining/pipelining.quit-in-group.scn
)
if "$SC" run --help 2>/dev/null | grep -q -- '--pcap'; then
	for f in "${ROUNDTRIP[@]}"; do
		id=$(basename "$f" .scn)
		fresh orig
		"$SC" run --target "127.0.0.1:$PORT" --profile fixtures/smtpref.profile \
			--pcap "$TMP/cap" --report json:"$TMP/$id.orig.json" -q "$f" \
			>"$TMP/$id.orig.out" 2>&1
		cap=$TMP/cap/$id.pcap
		[ -s "$cap" ] || { bad "$id: no capture $cap"; continue; }
		import_one "$cap" "imported.$id" || continue
		fresh replay
		"$SC" run --target "127.0.0.1:$PORT" --report json:"$TMP/$id.imp.json" \
			-q "$TMP/imp/imported.$id.scn" >"$TMP/$id.imp.out" 2>&1
		v1=$(result "$TMP/$id.orig.json" verdict)
		v2=$(result "$TMP/$id.imp.json" verdict)
		[ "$v1" = "$v2" ] || bad "$id: verdict $v1, imported $v2: $(cat "$TMP/$id.imp.out")"
		result "$TMP/$id.orig.json" sent >"$TMP/$id.orig.sent"
		result "$TMP/$id.imp.json" sent >"$TMP/$id.imp.sent"
		cmp -s "$TMP/$id.orig.sent" "$TMP/$id.imp.sent" ||
			bad "$id: the replay sent other octets: $(diff "$TMP/$id.orig.sent" "$TMP/$id.imp.sent" | head -5)"
		echo "ok: $id round trip ($v1)"
	done
	# the pipelined group is one write, in one send-raw
	grep -q '^send-raw "MAIL FROM:<[^"]*RCPT TO:<[^"]*RCPT TO:<[^"]*DATA\\r\\n"$' \
		"$TMP/imp/imported.pipelining.group-replies-in-order.scn" ||
		bad "the pipelined group is not one send-raw"

	# 2. STARTTLS: listed, imported up to the 220, said on stderr
	mapfile -t REF_TLS < <(ref_tls_args "$src")
	mapfile -t SC_TLS < <(sc_tls_args "$src")
	fresh tls "${REF_TLS[@]}"
	id=tls.starttls-220-handshake
	"$SC" run --target "127.0.0.1:$PORT" "${SC_TLS[@]}" --pcap "$TMP/cap" -q \
		"scenarios/ext/tls/$id.scn" >"$TMP/tls.out" 2>&1
	"$SC" import --list "$TMP/cap/$id.pcap" | grep -q ', STARTTLS$' ||
		bad "STARTTLS: not in the list: $("$SC" import --list "$TMP/cap/$id.pcap" 2>&1)"
	if import_one "$TMP/cap/$id.pcap" imported.tls; then
		tail -3 "$TMP/imp/imported.tls.scn" | head -1 | grep -q '^expect 220$' &&
			grep -q 'went into TLS here' "$TMP/imp/imported.tls.scn" ||
			bad "STARTTLS: not cut at the 220: $(tail -5 "$TMP/imp/imported.tls.scn")"
		grep -q 'went into TLS' "$TMP/imp/imported.tls.err" ||
			bad "STARTTLS: not said on stderr"
		echo "ok: STARTTLS session imported up to the 220"
	fi
else
	echo "SKIP: this build's smtpcheck run has no --pcap: no round trip through it"
fi

# 3. a capture written by import_pcap.py of a real smtpref session
fresh py
python3 "$PY" session 127.0.0.1 "$PORT" "$TMP/py.pcap" "$TMP/py.sent" ||
	bad "import_pcap.py session failed"
if import_one "$TMP/py.pcap" imported.py; then
	fresh pyreplay
	"$SC" run --target "127.0.0.1:$PORT" --report json:"$TMP/py.json" \
		-q "$TMP/imp/imported.py.scn" >"$TMP/py.out" 2>&1
	[ "$(result "$TMP/py.json" verdict)" = PASS ] ||
		bad "py session replay: $(cat "$TMP/py.out")"
	result "$TMP/py.json" sent >"$TMP/py.replay.esc"
	unesc "$TMP/py.replay.esc" >"$TMP/py.replay.sent"
	cmp -s "$TMP/py.sent" "$TMP/py.replay.sent" ||
		bad "py session: the replay sent other octets than the capture holds"
	echo "ok: import_pcap.py session round trip"
fi
stop_all

# 4. bad captures: exit 2, one line, naming the file
bad_capture() {	# bad_capture WANT FILE [args...]
	local want=$1 file=$2 out rc
	shift 2
	out=$(timeout 20 "$SC" import "$file" "$@" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" -eq 2 ] || { bad "import $file $*: exit $rc, want 2 ($out)"; return; }
	[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || bad "import $file $*: not one line: $out"
	case $out in
	*"$file: "*"$want"*) echo "ok: $want" ;;
	*) bad "import $file $*: got \"$out\", want \"$file: ...$want\"" ;;
	esac
}
: >"$TMP/empty.pcap"
bad_capture "not a pcap or pcapng file" "$TMP/empty.pcap"
bad_capture "not a pcap or pcapng file" README.md
size=$(stat -c %s "$TMP/py.pcap")
head -c $((size - 30)) "$TMP/py.pcap" >"$TMP/trunc.pcap"
bad_capture "truncated" "$TMP/trunc.pcap"
head -c 10 "$TMP/py.pcap" >"$TMP/header.pcap"
bad_capture "truncated" "$TMP/header.pcap"
python3 "$PY" http "$TMP/http.pcap"
bad_capture "no SMTP session found (1 TCP flow)" "$TMP/http.pcap"
bad_capture "--flow 2: there is 1 SMTP flow" "$TMP/py.pcap" --flow 2
python3 "$PY" two "$TMP/two.pcap"
out=$("$SC" import "$TMP/two.pcap" 2>&1 >/dev/null)
rc=$?
[ $rc -eq 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 3 ] &&
	[ "$(printf '%s\n' "$out" | tail -1)" = "smtpcheck: import: $TMP/two.pcap: several SMTP flows: choose one with --flow N" ] ||
	bad "two flows: exit $rc: $out"
"$SC" import "$TMP/two.pcap" --flow 2 | grep -q '^title     Imported from .*, flow 2$' ||
	bad "two flows: --flow 2 did not import flow 2"

[ $fails -eq 0 ] || { echo "$fails failure(s)" >&2; exit 1; }
echo "import_roundtrip: all ok"
