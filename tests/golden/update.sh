#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# update.sh - regenerate the golden files under tests/golden/ from the
# current code, by running the golden tests with SC_GOLDEN_UPDATE=1.
#
# Usage: tests/golden/update.sh [BUILD_DIR]   (default: build)
#
# The goldens are the specification of the report formats. A regenerated
# file is only right if you read it: review `git diff tests/golden/` line
# by line before committing, and say in the commit message why the output
# changed. Never regenerate to make a failing test pass without that review.
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}

cmake -S "$src" -B "$build" >/dev/null
cmake --build "$build" --target test_rep -j2 >/dev/null
# the test binary writes each golden instead of comparing it
(cd "$src" && SC_GOLDEN_UPDATE=1 "$build/tests/test_rep" >/dev/null)
# and a normal run must now pass
(cd "$src" && "$build/tests/test_rep" >/dev/null)

git -C "$src" status --short -- tests/golden/ || true
echo "goldens regenerated: review 'git diff tests/golden/' before committing" >&2
