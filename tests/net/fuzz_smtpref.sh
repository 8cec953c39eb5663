#!/usr/bin/env bash
# fuzz_smtpref.sh - `smtpcheck fuzz` against smtpref: a plain smtpref
# gives no finding in 300 cases; a fixed seed finds each of a few fault
# profiles (one per oracle) within its case budget, and the reproducer it
# writes replays as a FAIL with `smtpcheck run`; the same seed gives the
# same cases twice; bad options exit 2 and an unreachable target 3.
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

mapfile -t REF_TLS < <(ref_tls_args "$src")
SEED=7
fuzz() {	# fuzz NAME PORT [args...]: the summary in $TMP/NAME/summary.json
	local name=$1 port=$2
	shift 2
	"$SC" fuzz --target "127.0.0.1:$port" --seed "$SEED" --rate 0 \
		--reply-timeout 2s --out "$TMP/$name" \
		--profile fixtures/smtpref.profile -q "$@" \
		>"$TMP/$name.out" 2>&1
}
field() {	# field FILE PYEXPR: a value of the summary
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# 1. plain smtpref: nothing in 300 cases, and alive at the end
start plain --listen 127.0.0.1:0 "${REF_TLS[@]}"
fuzz plain "$PORT" --iterations 300
rc=$?
[ $rc -eq 0 ] || bad "plain smtpref: exit $rc, want 0: $(field "$TMP/plain/summary.json" "j['findings']")"
[ "$(field "$TMP/plain/summary.json" "j['cases']")" = 300 ] || bad "plain smtpref: not 300 cases"
[ "$(field "$TMP/plain/summary.json" "j['alive_at_end']")" = alive ] || bad "plain smtpref: not alive at the end"

# 2. the same seed twice, --jobs 1: the same cases, the same outcome
fuzz again "$PORT" --iterations 300
cmp -s <(field "$TMP/plain/summary.json" "(j['cases'], j['by_class'])") \
	<(field "$TMP/again/summary.json" "(j['cases'], j['by_class'])") ||
	bad "the same seed gave different runs"
stop_all() { local p; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; PIDS=(); }
stop_all

# 3. one fault per oracle: found within the budget (cases), class as
# named, and the reproducer replays as a FAIL
check_fault() {	# check_fault FAULT CLASS MAXCASES [fuzz args...]
	local fault=$1 cls=$2 max=$3 n file
	shift 3
	start "$fault" --listen 127.0.0.1:0 --fault "$fault" "${REF_TLS[@]}"
	fuzz "$fault" "$PORT" --iterations "$max" --stop-after 1 "$@"
	rc=$?
	[ $rc -eq 1 ] || bad "$fault: fuzz exited $rc, want 1 (findings): $(tail -3 "$TMP/$fault.out")"
	n=$(field "$TMP/$fault/summary.json" "j['by_class'].get('$cls', {}).get('first_case', 'none')")
	if [ "$n" = none ]; then
		bad "$fault: no $cls finding in $max cases: $(field "$TMP/$fault/summary.json" "j['by_class']")"
	else
		file=$(field "$TMP/$fault/summary.json" "[x['file'] for x in j['findings'] if x['class'] == '$cls'][0]")
		"$SC" run --target "127.0.0.1:$PORT" --insecure --report json:"$TMP/$fault.replay.json" \
			-q "$file" >"$TMP/$fault.replay.out" 2>&1
		rc=$?
		[ $rc -eq 1 ] || { bad "$fault: the reproducer $file replayed with exit $rc, want 1"; cat "$file" "$TMP/$fault.replay.out"; }
		echo "ok: $fault -> $cls at case $n"
	fi
	stop_all
}
check_fault bad-reply-code malformed-reply 20
check_fault unknown-cmd-250 accepted-invalid 50
check_fault smuggle-cr smuggling 400
check_fault two-replies-data reply-count 100
check_fault close-after-mail dropped 50
check_fault silent-rcpt hang 50
check_fault tls-keeps-buffer tls-injection 400

# 4. TLS: every session inside STARTTLS, or implicit TLS; --jobs 2; and
# Ctrl-C stops the run and keeps the summary
start tls --listen 127.0.0.1:0 "${REF_TLS[@]}"
fuzz starttls "$PORT" --iterations 60 --tls starttls --jobs 2
rc=$?
[ $rc -eq 0 ] || bad "--tls starttls --jobs 2 against plain smtpref: exit $rc: $(tail -3 "$TMP/starttls.out")"
[ "$(field "$TMP/starttls/summary.json" "j['cases']")" = 60 ] || bad "--jobs 2: not 60 cases"
"$SC" fuzz --target "127.0.0.1:$PORT" --seed 1 --rate 0 --duration 120 \
	--out "$TMP/int" -q >"$TMP/int.out" 2>&1 &
fpid=$!
sleep 2
kill -INT "$fpid"
for _ in $(seq 100); do kill -0 "$fpid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$fpid" 2>/dev/null; then
	bad "fuzz still running 10 s after Ctrl-C"; kill -9 "$fpid"
fi
wait "$fpid"; rc=$?
[ $rc -eq 0 ] || bad "fuzz after Ctrl-C: exit $rc, want 0: $(cat "$TMP/int.out")"
[ -s "$TMP/int/summary.json" ] || bad "no summary after Ctrl-C"
stop_all
start implicit --listen 127.0.0.1:0 --implicit-tls "${REF_TLS[@]}"
fuzz implicit "$PORT" --iterations 40 --tls implicit
rc=$?
[ $rc -eq 0 ] || bad "--tls implicit against plain smtpref: exit $rc: $(tail -3 "$TMP/implicit.out")"
stop_all

# 5. usage errors exit 2; an unreachable target 3
"$SC" fuzz --seed 1 >/dev/null 2>&1; [ $? -eq 2 ] || bad "no --target: not exit 2"
"$SC" fuzz --target 127.0.0.1:1 --iterations x >/dev/null 2>&1; [ $? -eq 2 ] || bad "--iterations x: not exit 2"
"$SC" fuzz --target 127.0.0.1:1 --rate -1 >/dev/null 2>&1; [ $? -eq 2 ] || bad "--rate -1: not exit 2"
"$SC" fuzz --target 127.0.0.1:1 --iterations 1 --out "$TMP/u" -q >"$TMP/u.out" 2>&1
[ $? -eq 3 ] || bad "an unreachable target: not exit 3"
grep -q "unreachable" "$TMP/u.out" || bad "no one-line reason for an unreachable target"

[ $fails -eq 0 ] || { echo "$fails check(s) failed" >&2; exit 1; }
echo "fuzz_smtpref: all checks passed"
