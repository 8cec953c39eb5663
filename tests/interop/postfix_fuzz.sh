#!/usr/bin/env bash
# postfix_fuzz.sh - `smtpcheck fuzz` against a real server: a private
# Postfix instance on loopback, a fixed seed, 120 cases. Postfix must come
# out alive (the fuzzer's liveness probe after every case, and at the
# end), and every finding must be of a class and operator judged in
# postfix_fuzz.expected: a new kind is either a false finding (a harness
# bug) or a change in Postfix, and both need a human.
set -u
build=$1 src=$2
sc=$build/smtpcheck
here=$src/tests/interop
# shellcheck source=../lib/postfix.sh
. "$src/tests/lib/postfix.sh"
postfix_start "$src"
cd "$src" || exit 1
"$sc" fuzz --target "127.0.0.1:$PF_PORT" --seed 1 --iterations 120 --rate 0 \
	--reply-timeout 5s --keep 1 --out "$PF_DIR/fuzz" \
	--profile "$here/postfix.profile" -q >"$PF_DIR/fuzz.out" 2>&1
rc=$?
cp "$PF_DIR/fuzz/summary.json" "$build/interop-postfix-fuzz.json" 2>/dev/null
if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
	echo "FAIL: fuzz exited $rc"; cat "$PF_DIR/fuzz.out"; exit 1
fi
if grep -qiE "fatal|panic|killed by signal" "$PF_DIR/maillog"; then
	echo "FAIL: Postfix logged a fatal error or a crash:"
	grep -iE "fatal|panic|killed by signal" "$PF_DIR/maillog" | head
	exit 1
fi
python3 - "$PF_DIR/fuzz/summary.json" "$here/postfix_fuzz.expected" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
allowed = {}
for line in open(sys.argv[2]):
    line = line.split("#", 1)[0].split()
    if line:
        allowed.setdefault(line[0], set()).add(line[1])
bad = []
if j["alive_at_end"] != "alive" or j["target_down"]:
    bad.append("Postfix is not alive at the end: %s" % j["alive_at_end"])
if j["cases"] != 120:
    bad.append("%d cases run, not 120" % j["cases"])
for f in j["findings"]:
    if f["operator"] not in allowed.get(f["class"], ()):
        bad.append("unexpected finding %s (%s) at case %d: %s" %
                   (f["class"], f["operator"], f["case"], f["detail"]))
    elif f["replay"] != "FAIL":
        bad.append("the reproducer %s replayed as %s, not FAIL" %
                   (f["file"], f["replay"]))
print("postfix fuzz: %d cases, findings by class: %s" % (j["cases"],
      {k: v["count"] for k, v in j["by_class"].items()}))
for b in bad:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
PY
