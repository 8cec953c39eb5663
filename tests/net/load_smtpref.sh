#!/usr/bin/env bash
# load_smtpref.sh - `smtpcheck load` against smtpref and smtp-sink:
# 200 messages over 10 sessions in each mode (plain, --pipelining,
# --per-session 0, --recipients 3, --size 100000, STARTTLS, implicit TLS,
# the poll loop) all accepted with the JSON counts right; a slow and a
# silent smtpref give "no reply" errors and exit 1; a --max-sessions 2
# smtpref gives 421s counted as 4xx at the greeting; smtp-sink takes 1000
# messages; usage errors exit 2 and an unreachable target 3.
set -u
build=$1 src=$2
SC=$build/smtpcheck REF=$build/smtpref
TMP=$(mktemp -d)
PIDS=()
# shellcheck source=../lib/smtpref.sh
. "$src/tests/lib/smtpref.sh"
trap cleanup EXIT
fails=0
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

mapfile -t REF_TLS < <(ref_tls_args "$src")
field() {	# field FILE PYEXPR: a value of the report
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null
}
# load NAME PORT WANT_RC [args...]: run, report in $TMP/NAME.json
load() {
	local name=$1 port=$2 want=$3 rc
	shift 3
	timeout 120 "$SC" load --target "127.0.0.1:$port" -q \
		--report "json:$TMP/$name.json" "$@" >"$TMP/$name.out" 2>&1
	rc=$?
	[ $rc -eq "$want" ] || bad "$name: exit $rc, want $want: $(cat "$TMP/$name.out"; field "$TMP/$name.json" "j['errors']")"
	return 0
}
# ok NAME MESSAGES: every message accepted, no error
ok() {
	local name=$1 n=$2
	[ "$(field "$TMP/$name.json" "j['messages_ok']")" = "$n" ] ||
		bad "$name: messages_ok $(field "$TMP/$name.json" "j['messages_ok']"), want $n"
	[ "$(field "$TMP/$name.json" "j['messages_failed']")" = 0 ] ||
		bad "$name: messages_failed not 0"
	[ "$(field "$TMP/$name.json" "j['errors']['total']")" = 0 ] ||
		bad "$name: errors $(field "$TMP/$name.json" "j['errors']")"
	[ "$(field "$TMP/$name.json" "j['latency_ms']['samples']")" = "$n" ] ||
		bad "$name: not $n latency samples"
	echo "ok: $name"
}

# 1. smtpref with STARTTLS offered: every mode, all 200 accepted
start plain --listen 127.0.0.1:0 "${REF_TLS[@]}"
P=$PORT
load plain "$P" 0 -s 10 -m 200
ok plain 200
[ "$(field "$TMP/plain.json" "j['sessions']")" = 200 ] || bad "plain: not 200 sessions (--per-session 1)"
[ "$(field "$TMP/plain.json" "j['bytes_sent']")" -gt 200000 ] || bad "plain: bytes_sent too small"
load pipe "$P" 0 -s 10 -m 200 --pipelining
ok pipe 200
[ "$(field "$TMP/pipe.json" "j['sessions_pipelined']")" = 200 ] || bad "pipe: sessions not pipelined"
load reuse "$P" 0 -s 10 -m 200 --per-session 0 --pipelining
ok reuse 200
[ "$(field "$TMP/reuse.json" "j['sessions']")" -le 20 ] || bad "reuse: $(field "$TMP/reuse.json" "j['sessions']") sessions for --per-session 0"
load k7 "$P" 0 -s 10 -m 200 --per-session 7
ok k7 200
[ "$(field "$TMP/k7.json" "j['sessions']")" -ge 29 ] || bad "k7: fewer than 200/7 sessions"
load rcpts "$P" 0 -s 10 -m 200 --recipients 3 --to alice@smtpref.test --to bob@smtpref.test
ok rcpts 200
load rcpts_pipe "$P" 0 -s 10 -m 200 --recipients 3 --pipelining --per-session 0
ok rcpts_pipe 200
load big "$P" 0 -s 10 -m 200 --size 100000
ok big 200
[ "$(field "$TMP/big.json" "j['bytes_sent'] >= 200 * 100000")" = True ] || bad "big: bytes_sent under 200 x 100000"
load starttls "$P" 0 -s 10 -m 200 --tls starttls
ok starttls 200
[ "$(field "$TMP/starttls.json" "j['sessions_tls']")" = 200 ] || bad "starttls: not 200 TLS sessions"
load starttls_pipe "$P" 0 -s 10 -m 200 --tls starttls --pipelining --per-session 0 --size 100000
ok starttls_pipe 200
load poll "$P" 0 -s 10 -m 200 --loop poll --pipelining --per-session 3
ok poll 200
[ "$(field "$TMP/poll.json" "j['options']['loop']")" = poll ] || bad "poll: loop not poll"
load duration "$P" 0 -s 4 --duration 1s --per-session 0
[ "$(field "$TMP/duration.json" "j['messages_ok'] > 0 and j['options']['messages'] is None")" = True ] ||
	bad "duration: $(cat "$TMP/duration.out")"
echo "ok: duration"

# 2. implicit TLS
start implicit --listen 127.0.0.1:0 --implicit-tls "${REF_TLS[@]}"
load implicit "$PORT" 0 -s 10 -m 200 --tls implicit
ok implicit 200
[ "$(field "$TMP/implicit.json" "j['sessions_tls']")" = 200 ] || bad "implicit: not 200 TLS sessions"
# a client in clear against implicit TLS gets no greeting it can read
load implicit_clear "$PORT" 1 -s 2 -m 2 --reply-timeout 1s

# 3. no reply in time: slow-reply (the greeting), silent-rcpt (RCPT)
start slow --listen 127.0.0.1:0 --fault slow-reply
# (each of the 10 sessions waits 1 s, fails its message, and a new one
# takes the next: 20 no-replies at the greeting)
load slow "$PORT" 1 -s 10 -m 20 --reply-timeout 1s
[ "$(field "$TMP/slow.json" "j['errors']['by_stage']['no_reply']['greeting']")" = 20 ] ||
	bad "slow-reply: no_reply $(field "$TMP/slow.json" "j['errors']")"
[ "$(field "$TMP/slow.json" "j['messages_failed']")" = 20 ] || bad "slow-reply: not 20 messages failed"
start silent --listen 127.0.0.1:0 --fault silent-rcpt
load silent "$PORT" 1 -s 10 -m 30 --reply-timeout 1s
[ "$(field "$TMP/silent.json" "j['errors']['by_stage']['no_reply']['rcpt']")" = 30 ] ||
	bad "silent-rcpt: $(field "$TMP/silent.json" "j['errors']")"
[ "$(field "$TMP/silent.json" "j['messages_ok']")" = 0 ] || bad "silent-rcpt: a message accepted"
echo "ok: no reply"

# 4. --max-sessions 2: the 421s to the greeting are 4xx
start max2 --listen 127.0.0.1:0 --max-sessions 2
load max2 "$PORT" 1 -s 10 -m 200
[ "$(field "$TMP/max2.json" "j['errors']['by_stage']['4xx']['greeting'] > 0")" = True ] ||
	bad "max-sessions: $(field "$TMP/max2.json" "j['errors']")"
[ "$(field "$TMP/max2.json" "j['messages_ok'] + j['messages_failed']")" = 200 ] ||
	bad "max-sessions: accepted + failed is not 200"
[ "$(field "$TMP/max2.json" "j['errors']['total'] == j['errors']['by_kind']['4xx']")" = True ] ||
	bad "max-sessions: errors other than 4xx"
echo "ok: max-sessions"

# 5. smtp-sink accepts everything: 1000 messages
SINK=/usr/sbin/smtp-sink
if [ -x "$SINK" ]; then
	sport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	sink_user=()
	[ "$(id -u)" = 0 ] && sink_user=(-u nobody)
	"$SINK" "${sink_user[@]}" "127.0.0.1:$sport" 100 2>"$TMP/sink.log" &
	PIDS+=($!)
	for _ in $(seq 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$sport") 2>/dev/null && break
		sleep 0.1
	done
	load sink "$sport" 0 -s 20 -m 1000
	ok sink 1000
	load sink_pipe "$sport" 0 -s 20 -m 1000 --pipelining --per-session 0
	ok sink_pipe 1000
else
	echo "skip: no $SINK"
fi

# 6. usage errors exit 2, an unreachable target 3
"$SC" load >/dev/null 2>&1; [ $? -eq 2 ] || bad "no --target: not exit 2"
"$SC" load -t 127.0.0.1:1 --sessions 0 >/dev/null 2>&1; [ $? -eq 2 ] || bad "--sessions 0: not exit 2"
"$SC" load -t 127.0.0.1:1 --size 1 >/dev/null 2>&1; [ $? -eq 2 ] || bad "--size 1: not exit 2"
"$SC" load -t 127.0.0.1:1 --tls maybe >/dev/null 2>&1; [ $? -eq 2 ] || bad "--tls maybe: not exit 2"
"$SC" load -t 127.0.0.1:1 --report xml:f >/dev/null 2>&1; [ $? -eq 2 ] || bad "--report xml: not exit 2"
"$SC" load -t 127.0.0.1:1 --to '<x>' >/dev/null 2>&1; [ $? -eq 2 ] || bad "--to <x>: not exit 2"
"$SC" load -t 127.0.0.1:1 extra >/dev/null 2>&1; [ $? -eq 2 ] || bad "an extra argument: not exit 2"
"$SC" load --help | grep -q "NOT checked" || bad "--help does not say certificates are not checked"
"$SC" load -t 127.0.0.1:1 -s 5 -m 50 >"$TMP/unreach.out" 2>&1
[ $? -eq 3 ] || bad "an unreachable target: not exit 3"
grep -q "unreachable" "$TMP/unreach.out" || bad "no one-line reason for an unreachable target"

[ $fails -eq 0 ] || { echo "$fails check(s) failed" >&2; exit 1; }
echo "load_smtpref: all checks passed"
