#!/usr/bin/env bash
# Builds On Air with AddressSanitizer, UndefinedBehaviorSanitizer and
# LeakSanitizer in _build-asan and runs the GTest suites there (SUITES, or
# the engine and server programs by default). Leaks inside third-party
# libraries are suppressed in build-aux/lsan.supp, each with a comment
# saying whose; none of On Air's own is.
#   build-aux/sanitize.sh
#   build-aux/sanitize.sh server hostile
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/_build-asan"
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(engine server hostile headless webrtc rtsp camera webcam rung)

if [ ! -d "$build" ]; then
  meson setup "$build" "$top" -Db_sanitize=address,undefined -Db_lundef=false >/dev/null || exit 1
fi
ninja -C "$build" >/dev/null || exit 1

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0:detect_odr_violation=0
export LSAN_OPTIONS=suppressions=$top/build-aux/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions=$top/build-aux/ubsan.supp
# GLib's slice allocator and GStreamer's plugin scanner hide or fork
# around allocations the sanitizers need to see.
export G_SLICE=always-malloc G_DEBUG=gc-friendly,fatal-criticals GST_REGISTRY_FORK=no
# Cases that depend on speed (a stalled reader skipping frames, a late
# joiner's first frame within a second, 25 fps through RTSP, a joiner's
# first packet being its keyframe, slots back within seconds while four
# offers are answered, a stalled viewer back on a keyframe with nothing
# undecodable sent): the sanitizers slow everything down several times.
# They run in the normal build; everything else runs here.
skip=(-s /server/slow-viewer-skips -s /webrtc/whep-two-viewers-share-encoder -s /rtsp/passthrough
      -s /webrtc/viewer-starts-at-keyframe -s /hostile/whep-leavers -s /webrtc/shed-resumes-at-keyframe)
"$top/build-aux/run-tests.sh" "$build" --timeout-multiplier 4 --test-args "${skip[*]}" -- "${suites[@]}"
