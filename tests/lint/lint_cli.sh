#!/usr/bin/env bash
# lint_cli.sh - `smtpcheck lint` on the command line: every shipped suite
# lints clean (exit 0); every file in tests/scn/bad is rejected with exit 2
# and exactly the "file:line:col: message" its first line promises; usage
# errors exit 2 with one line.
set -u
build=$1 src=$2
sc=$build/smtpcheck
fail=0
cd "$src" || exit 1

out=$("$sc" lint scenarios 2>&1); rc=$?
if [ $rc -ne 0 ]; then
	echo "FAIL: lint of scenarios/ exited $rc:"; echo "$out" | head -20; fail=1
fi

n=0
for f in tests/scn/bad/*.scn; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	want=$(head -1 "$f" | sed -n 's/^# error: //p')
	got=$("$sc" lint "$f" 2>&1 >/dev/null | head -1); rc=$?
	"$sc" lint "$f" >/dev/null 2>&1; rc=$?
	if [ $rc -ne 2 ]; then
		echo "FAIL: $f: exit $rc, want 2"; fail=1
	fi
	# the message names the file as given on the command line
	if [ "$got" != "$want" ] && [ "$got" != "tests/scn/bad/$want" ]; then
		echo "FAIL: $f:"; echo "  want: $want"; echo "  got:  $got"; fail=1
	fi
done
if [ $n -lt 10 ]; then echo "FAIL: only $n bad files"; fail=1; fi

for args in "run" "run --target nohostport" "run --target 127.0.0.1:0" \
	"run --target 127.0.0.1:25 --jobs 0" "run --target 127.0.0.1:25 --shard 3/2" \
	"run --target 127.0.0.1:25 --report xml:x" "bogus" "lint --nope"; do
	err=$($sc $args 2>&1 >/dev/null); rc=$?
	if [ $rc -ne 2 ] || [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ]; then
		echo "FAIL: smtpcheck $args: exit $rc, stderr:"; echo "$err"; fail=1
	fi
done

# a file that does not exist, and a folder with a broken file
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf 'id broken\ntitle x\nrfc 5321 4.2\nlevel MUST\nconnect\nexpect 2y0\n' >"$tmp/broken.scn"
got=$("$sc" lint "$tmp" 2>&1); rc=$?
case "$got" in *"broken.scn:6:8:"*) ;; *) echo "FAIL: broken.scn message: $got"; fail=1 ;; esac
[ $rc -eq 2 ] || { echo "FAIL: broken folder exit $rc"; fail=1; }
"$sc" lint "$tmp/missing.scn" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || { echo "FAIL: missing file exit $rc"; fail=1; }

[ $fail -eq 0 ] && echo "lint_cli: $n bad files rejected as promised"
exit $fail
