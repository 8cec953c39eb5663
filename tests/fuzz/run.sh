#!/usr/bin/env bash
# run.sh BUILD SOURCE TARGET SECONDS - the ctest fuzz.* test of one target:
# every input under tests/fuzz/regress/TARGET and the seeds (seed.sh, made
# fresh in BUILD/tests/fuzz/seed-TARGET) run once, then SECONDS of fuzzing on a
# corpus kept in BUILD/tests/fuzz/corpus/TARGET (so later runs start where
# this one stopped). Fails on any crash, leak, timeout or failed check;
# the input is saved in BUILD/tests/fuzz/artifacts/TARGET/.
set -euo pipefail
build=${1:?usage: run.sh BUILD SOURCE TARGET SECONDS}
src=${2:?}
target=${3:?}
secs=${4:?}
bin=$build/tests/fuzz/$target
here=$build/tests/fuzz
case $target in
fuzz_ref_data)	max_len=65536 ;;
fuzz_reply)	max_len=8192 ;;	# room for a line over SC_REPLY_LINE_HARD_MAX
*)		max_len=4096 ;;
esac

# each target makes its own copy: ctest -j runs them side by side
# a copy per target: ctest -j runs the targets side by side
seed=$here/seed-$target
bash "$src/tests/fuzz/seed.sh" "$src" "$seed" >/dev/null
corpus=$here/corpus/$target
art=$here/artifacts/$target
mkdir -p "$corpus" "$art"
dirs=("$seed/$target")
if [ -d "$src/tests/fuzz/regress/$target" ]; then
	dirs=("$src/tests/fuzz/regress/$target" "${dirs[@]}")
fi
opts=(-timeout=10 -rss_limit_mb=2048 -max_len="$max_len"
	-artifact_prefix="$art/" -print_final_stats=1)

echo "== $target: regression inputs and seeds, once"
"$bin" "${opts[@]}" -runs=0 "${dirs[@]}"
echo "== $target: fuzzing for ${secs}s"
"$bin" "${opts[@]}" -max_total_time="$secs" "$corpus" "${dirs[@]}"
