#!/bin/bash
# SPDX-License-Identifier: ISC
#
# smtpref_durability.sh BUILD_DIR SOURCE_DIR - kill -9 in the middle of
# delivery loses nothing that was acknowledged and leaves nothing partial.
#
# 1,000 distinct messages (300 octets to 4 KiB, unique Message-ID, dot
# lines) go to `smtpref serve --maildir` through `smtpref send`, four
# senders in parallel, each noting the exit status of every message. Once
# KILL_AT have been accepted the server gets SIGKILL; the senders run on
# and fail (75). Then: every message whose send exited 0 is in new/, byte
# for byte after smtpref's Received header; every file in new/ is one
# complete message we sent (a message committed but not acknowledged is
# counted as in doubt, not as an error); the statuses are 0 or 75 only.
# A new server on the same maildir then takes the rest, and every message
# must be in new/. Bounded: each send has a limit, each wait a count.
set -u

BUILD=${1:?usage: smtpref_durability.sh BUILD_DIR SOURCE_DIR}
REF=$BUILD/smtpref
NMSG=1000		# messages
NSENDERS=4		# parallel senders
KILL_AT=500		# accepted messages before the kill -9
WAIT_START=100		# tenths of a second for a port file
WAIT_KILL=1200		# twentieths of a second for KILL_AT acceptances
SEND_LIMIT=20		# seconds any one `smtpref send` may take
FROM=sender@durability.test
RCPT=alice@smtpref.test

TMP=$(mktemp -d "${TMPDIR:-/tmp}/smtpref_durability.XXXXXX") || exit 1
PIDS=()
T0=$SECONDS

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	if compgen -G "$TMP/*.log" >/dev/null; then
		echo "--- smtpref serve stderr (last 10 lines each):" >&2
		tail -n 10 "$TMP"/*.log >&2
	fi
	if compgen -G "$TMP/send.*.err" >/dev/null; then
		echo "--- smtpref send stderr (last 5 lines each):" >&2
		tail -n 5 "$TMP"/send.*.err >&2
	fi
	exit 1
}

[ -x "$REF" ] || fail "$REF not built"
command -v python3 >/dev/null || fail "python3 not found"
. "$(dirname "$0")/../lib/smtpref.sh"

# sender W LIST PORT OUT - send the messages named in LIST whose line
# number is W modulo NSENDERS; append "N STATUS" to OUT for each.
sender() {
	local w=$1 list=$2 port=$3 out=$4 k=0 n rc
	while read -r n; do
		if [ $((k % NSENDERS)) -eq "$w" ]; then
			timeout "$SEND_LIMIT" "$REF" send --timeout 5s \
			    --server "127.0.0.1:$port" --from "$FROM" \
			    --to "$RCPT" "$TMP/msg/$n" 2>>"$TMP/send.$w.err"
			rc=$?
			echo "$n $rc" >>"$out"
		fi
		k=$((k + 1))
	done <"$list"
}

# run_senders LIST PORT TAG - NSENDERS senders in the background; sets
# SENDERS. Results go to $TMP/TAG.W.
run_senders() {
	local list=$1 port=$2 tag=$3 w
	SENDERS=()
	for ((w = 0; w < NSENDERS; w++)); do
		: >"$TMP/$tag.$w"
		sender "$w" "$list" "$port" "$TMP/$tag.$w" &
		SENDERS+=($!)
		PIDS+=($!)
	done
}

# The messages: CRLF lines, a unique Message-ID, text that differs from
# one message to the next, and lines starting with "." to stuff.
mkdir -p "$TMP/msg"
python3 - "$TMP/msg" "$NMSG" <<'EOF' || fail "cannot make messages"
import os, random, sys
d, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(0x5eed)
words = ("relay queue envelope header body dot crlf smtp mail rcpt data "
         "quit ehlo greeting reply durable fsync rename maildir").split()
for i in range(n):
    size = rnd.randint(300, 4096)
    lines = ["From: <sender@durability.test>",
             "To: <alice@smtpref.test>",
             "Subject: durability %04d" % i,
             "Message-ID: <%04d.%08x@durability.test>"
             % (i, rnd.getrandbits(32)),
             ""]
    body = "\r\n".join(lines) + "\r\n"
    while len(body) < size:
        k = rnd.random()
        if k < 0.08:
            line = "." + " ".join(rnd.choice(words) for _ in range(3))
        elif k < 0.1:
            line = "."
        else:
            line = " ".join(rnd.choice(words)
                            for _ in range(rnd.randint(1, 12)))
        body += line + "\r\n"
    with open(os.path.join(d, "%04d" % i), "wb") as f:
        f.write(body.encode())
EOF
(cd "$TMP/msg" && ls) >"$TMP/all"
[ "$(wc -l <"$TMP/all")" -eq "$NMSG" ] || fail "not $NMSG messages"

# check PHASE - the maildir against what the senders saw.
check() {
	python3 - "$1" "$TMP" "$NMSG" <<'EOF'
import glob, os, re, sys
phase, tmp, nmsg = sys.argv[1], sys.argv[2], int(sys.argv[3])
sent = {}
for p in glob.glob(os.path.join(tmp, "msg", "*")):
    data = open(p, "rb").read()
    mid = re.search(rb"^Message-ID: (<[^>]+>)\r$", data, re.M).group(1)
    sent[mid] = (os.path.basename(p), data)
status = {}
for p in sorted(glob.glob(os.path.join(tmp, "res*.*"))):
    for line in open(p):
        n, rc = line.split()
        status.setdefault(n, []).append(int(rc))
bad = sorted(n for n, v in status.items() if any(rc not in (0, 75) for rc in v))
if bad:
    sys.exit("exit status other than 0 or 75 for %s" % bad[:10])
acked = {n for n, v in status.items() if 0 in v}
errors = []
found = {}
files = sorted(glob.glob(os.path.join(tmp, "md", "new", "*")))
for p in files:
    got = open(p, "rb").read()
    m = re.match(rb"Received: [^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*", got)
    if m is None:
        errors.append("%s: no Received header" % p)
        continue
    body = got[m.end():]
    mid = re.search(rb"^Message-ID: (<[^>]+>)\r$", body, re.M)
    if mid is None or mid.group(1) not in sent:
        errors.append("%s: not a message we sent (%d octets)" % (p, len(body)))
        continue
    n, want = sent[mid.group(1)]
    if body != want:
        errors.append("%s: differs from message %s (%d octets, wanted %d)"
                      % (p, n, len(body), len(want)))
        continue
    found[n] = found.get(n, 0) + 1
lost = sorted(acked - set(found))
if lost:
    errors.append("acknowledged but not in new/: %s" % lost[:10])
if phase == "final":
    missing = sorted({v[0] for v in sent.values()} - set(found))
    if missing:
        errors.append("never delivered: %s" % missing[:10])
doubt = sorted(set(found) - acked)
dups = sum(c - 1 for c in found.values())
tmpleft = len(os.listdir(os.path.join(tmp, "md", "tmp")))
print("%s: sent=%d acked=%d tempfail=%d in_new=%d in_doubt=%d dups=%d "
      "tmp_left=%d" % (phase, len(status), len(acked),
      sum(1 for v in status.values() if 0 not in v), len(files), len(doubt),
      dups, tmpleft))
if errors:
    sys.exit("\n".join(errors[:20]))
EOF
}

# Phase 1: all messages, kill -9 once KILL_AT are accepted.
start first --listen 127.0.0.1:0 --maildir "$TMP/md"
SERVER=$LASTPID
run_senders "$TMP/all" "$PORT" res1
killed=0
for ((i = 0; i < WAIT_KILL; i++)); do
	ok=$(cat "$TMP"/res1.* | grep -c ' 0$')
	if [ "$ok" -ge "$KILL_AT" ]; then
		kill -9 "$SERVER"
		killed=1
		break
	fi
	sleep 0.05
done
[ "$killed" -eq 1 ] ||
    fail "fewer than $KILL_AT accepted in $((WAIT_KILL / 20))s"
wait "$SERVER" 2>/dev/null
echo "killed smtpref after $ok acknowledged ($((SECONDS - T0))s)"
for p in "${SENDERS[@]}"; do
	wait "$p"
done
done1=$(cat "$TMP"/res1.* | wc -l)
[ "$done1" -eq "$NMSG" ] || fail "senders recorded $done1 of $NMSG"
check after-kill || fail "after kill -9"

# Phase 2: a new server on the same maildir takes the rest.
cat "$TMP"/res1.* | awk '$2 != 0 { print $1 }' | sort >"$TMP/rest"
[ -s "$TMP/rest" ] || fail "nothing left to send: the kill came too late"
start second --listen 127.0.0.1:0 --maildir "$TMP/md"
SERVER=$LASTPID
run_senders "$TMP/rest" "$PORT" res2
for p in "${SENDERS[@]}"; do
	wait "$p"
done
nrest=$(wc -l <"$TMP/rest")
ok2=$(cat "$TMP"/res2.* | grep -c ' 0$')
if [ "$ok2" -ne "$nrest" ]; then
	grep -hv ' 0$' "$TMP"/res2.* | head -5 >&2
	fail "after restart only $ok2 of $nrest accepted"
fi
check final || fail "after restart"
echo "smtpref_durability: ok ($((SECONDS - T0))s)"
exit 0
