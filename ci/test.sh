#!/usr/bin/env bash
# test.sh - build with -Wall -Wextra -Werror and run every test with ctest;
# then the same with ASan+UBSan; then the libFuzzer targets with clang
# (tests/fuzz, SC_FUZZ_SECONDS each, about 3 minutes in all). This is the
# README's test command and what .ci/run runs after installing the
# dependencies.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$here/build}
asan=${ASAN_BUILD_DIR:-$here/build-asan}
fuzz=${FUZZ_BUILD_DIR:-$here/build-fuzz}
jobs=$(nproc 2>/dev/null || echo 2)

echo "== build ($build) with -Werror"
cmake -S "$here" -B "$build" -DSC_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$jobs"
echo "== tests"
(cd "$build" && ctest --output-on-failure -j"$jobs")

if [ "${SC_SKIP_ASAN:-0}" != 1 ]; then
	echo "== sanitizer build ($asan): ASan + UBSan"
	cmake -S "$here" -B "$asan" -DSC_WERROR=ON -DSC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build "$asan" -j"$jobs"
	echo "== tests under ASan + UBSan"
	(cd "$asan" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j"$jobs")
fi

if [ "${SC_SKIP_FUZZ:-0}" != 1 ]; then
	echo "== fuzz build ($fuzz): clang, libFuzzer + ASan + UBSan"
	cmake -S "$here" -B "$fuzz" -DCMAKE_C_COMPILER=clang -DSC_FUZZ=ON \
		-DSC_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DSC_FUZZ_SECONDS="${SC_FUZZ_SECONDS:-30}" >/dev/null
	cmake --build "$fuzz" -j"$jobs" --target fuzz_scn fuzz_reply \
		fuzz_ref_cmd fuzz_ref_data
	echo "== fuzz tests"
	(cd "$fuzz" && ctest --output-on-failure -j2 -L fuzz)
fi
