#!/usr/bin/env bash
# pcap_out.sh - `--pcap DIR` end to end: `smtpcheck run` against smtpref
# (a core scenario with DATA, a STARTTLS one, one that reconnects, and one
# that FAILs under a fault) and `smtpcheck serve` with `smtpref send` as
# the client write one capture per scenario; tshark decodes each as SMTP,
# and its commands and reply codes, in order, are the ones the JSON
# report's transcript says were sent and received; after the 220 to
# STARTTLS every packet with bytes is marked DSCP CS1, none before; the
# reconnecting scenario has two TCP streams; the FAIL names its capture in
# every report. tshark is required (CI installs it): without it this test
# FAILs. BUILD_DIR/pcap-example.pcap and BUILD_DIR/pcap-tshark.txt are
# kept as CI artifacts.
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

command -v tshark >/dev/null 2>&1 ||
	fail "tshark not found: this test decodes the captures with it (apt-get install tshark; ci/install-deps.sh does)"

mapfile -t REF_TLS < <(ref_tls_args "$src")
mapfile -t SC_TLS < <(sc_tls_args "$src")
TLS_SCN=tls.ehlo-after-tls
SCNS=(scenarios/core/data/data.accepted.scn
	scenarios/ext/tls/$TLS_SCN.scn
	scenarios/ext/tls/tls.state-reset.scn)

# check.py REPORT.json ROLE TLS_IDS... - every result's capture against
# its transcript, with tshark.
cat >"$TMP/check.py" <<'EOF'
import json, os, re, subprocess, sys

report, role, tls_ids = sys.argv[1], sys.argv[2], set(sys.argv[3:])
ok = True

def bad(msg):
    global ok
    ok = False
    print("FAIL: " + msg, file=sys.stderr)

def unesc(s):
    # the transcript's sc_esc(): \r \n \t \\ \xNN
    return re.sub(r'\\(x[0-9a-fA-F]{2}|.)', lambda m: {
        'r': '\r', 'n': '\n', 't': '\t', '\\': '\\'}.get(m.group(1),
        chr(int(m.group(1)[1:], 16)) if m.group(1)[0] == 'x'
        else m.group(1)), s)

def expected(tr):
    """Commands (first 4 octets, as Wireshark shows them) and reply
    codes, in order, from the transcript: client bytes outside DATA are
    command lines, a server reply ends at a line with a space after the
    code."""
    client_dir = 'sent' if role == 'client' else 'recv'
    cmds, codes, in_data = [], [], False
    cbuf, sbuf = '', ''
    for e in tr:
        if e['dir'] not in ('sent', 'recv'):
            continue
        data = unesc(e['data'])
        if e['dir'] == client_dir:
            cbuf += data
            while '\r\n' in cbuf:
                line, cbuf = cbuf.split('\r\n', 1)
                if in_data:
                    in_data = line != '.'
                else:
                    cmds.append(line[:4].upper())
        else:
            sbuf += data
            while '\r\n' in sbuf:
                line, sbuf = sbuf.split('\r\n', 1)
                if len(line) == 3 or line[3:4] == ' ':
                    codes.append(line[:3])
                    if line[:3] == '354':
                        in_data = True
    return cmds, codes

def tshark(path, *args):
    r = subprocess.run(['tshark', '-r', path] + list(args),
                       capture_output=True, text=True)
    if r.returncode != 0:
        bad("tshark -r %s: exit %d: %s" % (path, r.returncode, r.stderr))
    return r.stdout

results = json.load(open(report))['results']
if not results:
    bad("no results in " + report)
for r in results:
    rid, cap = r['id'], r.get('capture')
    if cap is None or not os.path.isfile(cap):
        bad("%s: no capture (%r)" % (rid, cap))
        continue
    if os.path.basename(cap) != rid + '.pcap':
        bad("%s: capture named %s" % (rid, cap))
    rows = tshark(cap, '-T', 'fields', '-E', 'occurrence=a',
                  '-E', 'aggregator=,', '-e', 'frame.number',
                  '-e', 'tcp.stream', '-e', 'tcp.flags.syn',
                  '-e', 'tcp.len', '-e', 'ip.dsfield.dscp',
                  '-e', 'smtp.req.command', '-e', 'smtp.response.code',
                  '-e', 'tcp.dstport', '-e', 'tcp.srcport')
    frames = [l.split('\t') for l in rows.splitlines() if l]
    cmds = [f[5].upper() for f in frames if f[5]]
    codes = [c for f in frames if f[6] for c in f[6].split(',')]
    want_cmds, want_codes = expected(r['transcript'])
    if cmds != want_cmds:
        bad("%s: tshark commands %s, transcript %s" % (rid, cmds,
            want_cmds))
    if codes != want_codes:
        bad("%s: tshark reply codes %s, transcript %s" % (rid, codes,
            want_codes))
    if not cmds or not codes:
        bad("%s: tshark decoded no SMTP" % rid)
    if any('25' not in (f[7], f[8]) for f in frames):
        bad("%s: a packet not to or from port 25" % rid)
    conns = sum(1 for e in r['transcript'] if e['dir'] == 'event' and
                e['data'].startswith(('connected to',
                                      'client connected from')))
    streams = {f[1] for f in frames}
    syns = sum(1 for f in frames if f[2] == '1' and f[8] != '25')
    if len(streams) != conns or syns != conns:
        bad("%s: %d streams, %d SYNs, %d connections in the transcript"
            % (rid, len(streams), syns, conns))
    # decrypted bytes: marked after the 220 to STARTTLS, never before
    marked = [f for f in frames if f[4] == '8']
    print("%s: %d commands, %d replies, %d stream(s), %d marked" %
          (rid, len(cmds), len(codes), len(streams), len(marked)))
    if rid not in tls_ids:
        if marked:
            bad("%s: DSCP-marked packets without TLS" % rid)
        continue
    for s in sorted(streams):
        fs = [f for f in frames if f[1] == s]
        st = [i for i, f in enumerate(fs) if f[5].upper() == 'STAR']
        if not st:
            continue
        ack = [i for i, f in enumerate(fs) if i > st[0] and f[6]]
        if not ack or fs[ack[0]][6] != '220':
            bad("%s: no 220 after STARTTLS" % rid)
            continue
        before = [f for f in fs[:ack[0] + 1] if f[3] != '0']
        after = [f for f in fs[ack[0] + 1:] if f[3] != '0']
        if any(f[4] != '0' for f in before):
            bad("%s: marked packets before the 220 to STARTTLS" % rid)
        if not after or any(f[4] != '8' for f in after):
            bad("%s: stream %s: packets after the 220 to STARTTLS not "
                "all DSCP 8: %s" % (rid, s, [f[0] + ':' + f[4]
                                             for f in after]))
    if not marked:
        bad("%s: no DSCP-marked packet" % rid)
sys.exit(0 if ok else 1)
EOF

# 1. a core, a STARTTLS and a reconnecting scenario: all PASS, a capture
# each (in a folder --pcap creates, with its parent)
start plain --listen 127.0.0.1:0 "${REF_TLS[@]}"
"$SC" run --target "127.0.0.1:$PORT" "${SC_TLS[@]}" -q --pcap "$TMP/caps/ok" \
	--report json:"$TMP/ok.json" "${SCNS[@]}" >"$TMP/ok.out" 2>&1
rc=$?
[ $rc -eq 0 ] || bad "run with --pcap exited $rc: $(cat "$TMP/ok.out")"
for s in "${SCNS[@]}"; do
	id=$(basename "$s" .scn)
	[ -s "$TMP/caps/ok/$id.pcap" ] || bad "no $TMP/caps/ok/$id.pcap"
done
python3 "$TMP/check.py" "$TMP/ok.json" client "$TLS_SCN" tls.state-reset ||
	bad "the captures do not match the transcripts (run)"
cp "$TMP/caps/ok/$TLS_SCN.pcap" "$build/pcap-example.pcap"
tshark -r "$build/pcap-example.pcap" -Y smtp -T fields -e frame.number \
	-e ip.dsfield.dscp -e smtp.req.command -e smtp.req.parameter \
	-e smtp.response.code >"$build/pcap-tshark.txt" 2>/dev/null ||
	bad "tshark could not read $build/pcap-example.pcap"
grep -q 'STAR' "$build/pcap-tshark.txt" || bad "no STARTTLS in $build/pcap-tshark.txt"
# the reports stay as they were without --pcap: no capture field
"$SC" run --target "127.0.0.1:$PORT" "${SC_TLS[@]}" -q \
	--report json:"$TMP/nopcap.json" "${SCNS[0]}" >/dev/null 2>&1
grep -q '"capture"' "$TMP/nopcap.json" && bad "a capture field without --pcap"
stop "${PIDS[0]}"
PIDS=()

# 2. a FAIL under a fault: its capture matches, and every report names it
start fault --listen 127.0.0.1:0 --fault quit-no-221 "${REF_TLS[@]}"
FCAP=$TMP/caps/fail/quit.closes.pcap
"$SC" run --target "127.0.0.1:$PORT" "${SC_TLS[@]}" --pcap "$TMP/caps/fail" \
	--report json:"$TMP/fail.json" --report junit:"$TMP/fail.xml" \
	--report tap:"$TMP/fail.tap" scenarios/core/quit/quit.closes.scn \
	>"$TMP/fail.out" 2>&1
rc=$?
[ $rc -eq 1 ] || bad "the fault quit-no-221: exit $rc, want 1: $(cat "$TMP/fail.out")"
python3 - "$TMP/fail.json" "$FCAP" <<'EOF' || bad "the FAIL's JSON entry does not name its capture"
import json, sys
r = json.load(open(sys.argv[1]))['results'][0]
sys.exit(0 if r['verdict'] == 'FAIL' and r.get('capture') == sys.argv[2] else 1)
EOF
grep -qF "capture: $FCAP" "$TMP/fail.xml" || bad "the JUnit report does not name the capture"
grep -qF "capture: '$FCAP'" "$TMP/fail.tap" || grep -qF "capture: $FCAP" "$TMP/fail.tap" ||
	bad "the TAP report does not name the capture"
grep -qF "capture: $FCAP" "$TMP/fail.out" || bad "the terminal does not name the capture"
python3 "$TMP/check.py" "$TMP/fail.json" client ||
	bad "the FAIL's capture does not match its transcript"
stop "${PIDS[0]}"
PIDS=()

# 3. a capture that cannot be written: one line naming the file, exit 4
start plain2 --listen 127.0.0.1:0 "${REF_TLS[@]}"
mkdir -p "$TMP/caps/ro/greeting.first-reply.pcap"	# a folder in the way
"$SC" run --target "127.0.0.1:$PORT" "${SC_TLS[@]}" -q --pcap "$TMP/caps/ro" \
	scenarios/core/greeting/greeting.first-reply.scn >/dev/null 2>"$TMP/ro.err"
rc=$?
[ $rc -eq 4 ] || bad "an unwritable capture: exit $rc, want 4"
[ "$(wc -l <"$TMP/ro.err")" -eq 1 ] && grep -qF "$TMP/caps/ro/greeting.first-reply.pcap: cannot write capture" "$TMP/ro.err" ||
	bad "an unwritable capture: not one line naming it: $(cat "$TMP/ro.err")"
stop "${PIDS[0]}"
PIDS=()

# 4. serve: a server-role scenario with STARTTLS, smtpref send the client
SSCN=client-tls.ehlo-after-tls
"$SC" serve --listen 127.0.0.1:0 -q --pcap "$TMP/caps/serve" \
	--cert fixtures/tls/server.pem --key fixtures/tls/server.key \
	--var tls=opportunistic --var ca="$src/fixtures/tls/ca.pem" \
	--client-cmd "$REF send --server {host}:{port} --from {sender} --to {rcpt} --tls {tls} --ca {ca} {message}" \
	--report json:"$TMP/serve.json" "scenarios/client/tls/$SSCN.scn" \
	>"$TMP/serve.out" 2>&1
rc=$?
[ $rc -eq 0 ] || bad "serve with --pcap exited $rc: $(cat "$TMP/serve.out")"
[ -s "$TMP/caps/serve/$SSCN.pcap" ] || bad "no capture from serve"
python3 "$TMP/check.py" "$TMP/serve.json" server "$SSCN" ||
	bad "the serve capture does not match its transcript"

[ $fails -eq 0 ] || exit 1
echo "pcap_out: ok"
