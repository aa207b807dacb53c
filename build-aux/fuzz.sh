#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, AddressSanitizer and UBSan) in
# _build-fuzz and runs each for SECONDS (default 30) from its seed corpus
# in tests/fuzz/corpus. New inputs go to a scratch corpus, not the tree.
# Prints each target's executions and coverage; exit status 1 if any target
# found a crash (its reproducer is left in _build-fuzz/fuzz-out/).
#   build-aux/fuzz.sh            # CI: 30 s each
#   build-aux/fuzz.sh 3600       # a longer run: an hour each
#   build-aux/fuzz.sh 600 sdp    # one target
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/_build-fuzz"
seconds=${1:-30}
shift || true
targets=("${@:-request sdp offer-json token source}")
targets=(${targets[@]})

if ! command -v clang >/dev/null; then
  echo "fuzz: clang is missing (apt-get install clang libclang-rt-dev)" >&2
  exit 1
fi
if [ ! -d "$build" ]; then
  CC=clang meson setup "$build" "$top" -Dfuzzing=true -Db_sanitize=address,undefined \
    -Db_lundef=false >/dev/null || exit 1
fi
ninja -C "$build" $(printf 'tests/fuzz/fuzz-%s ' "${targets[@]}") >/dev/null || exit 1

export GST_REGISTRY="$build/fuzz-registry.bin"
# GLib and GStreamer keep type data, caches and plugins for the whole
# process: the sanitizer suite (build-aux/sanitize.sh) is where leaks
# are checked, with its suppressions; here they would only be noise.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for t in "${targets[@]}"; do
  out="$build/fuzz-out/$t"
  scratch=$(mktemp -d)
  mkdir -p "$out"
  "$build/tests/fuzz/fuzz-$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 \
    -artifact_prefix="$out/" -print_final_stats=1 "$scratch" "$top/tests/fuzz/corpus/$t" \
    >"$out/log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/log" | grep -o '[0-9]*$')
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$out/log" | tail -1)
  corpus=$(ls "$scratch" | wc -l)
  rm -rf "$scratch"
  if [ $rc -eq 0 ]; then
    echo "fuzz-$t: ok, ${execs:-?} executions in ${seconds} s, ${cov:-?}, $corpus new inputs"
  else
    echo "fuzz-$t: FAILED (exit $rc), see $out/log"
    tail -30 "$out/log"
    status=1
  fi
done
exit $status
