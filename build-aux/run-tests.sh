#!/usr/bin/env bash
# Runs meson's tests in BUILD one at a time; each test that fails is run
# once more, alone, and that run is logged apart (BUILD/meson-logs/
# retry.json, retry.txt). Exit status 0 when every test passed in its
# first run or its second. The summary (build-aux/test.sh) names every
# test that needed the second run, with what its first run said, so a
# rare crash stays visible without making the whole run red.
#   build-aux/run-tests.sh BUILD [meson test options] -- [test names]
set -uo pipefail
build=$1
shift
options=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  options+=("$1")
  shift
done
[ $# -gt 0 ] && shift
names=("$@")

rm -f "$build/meson-logs/retry.json" "$build/meson-logs/retry.txt"
meson test -C "$build" --num-processes 1 --print-errorlogs "${options[@]}" "${names[@]}"
status=$?
[ $status -eq 0 ] && exit 0

# "onair:openh264 / webrtc-openh264" is selected as "onair:webrtc-openh264".
mapfile -t failed < <(python3 - "$build/meson-logs/testlog.json" <<'PY'
import json, sys
with open(sys.argv[1]) as f:
    for line in f:
        if line.strip():
            r = json.loads(line)
            if r["result"] not in ("OK", "EXPECTEDFAIL", "SKIP"):
                project, _, name = r["name"].partition(" / ")
                print(project.split(":")[0] + ":" + name)
PY
)
# Nothing to run again (the build failed, say): the first status stands.
[ ${#failed[@]} -gt 0 ] || exit $status

echo "Failed: ${failed[*]}; each runs once more."
meson test -C "$build" --no-rebuild --num-processes 1 --print-errorlogs --logbase retry \
  "${options[@]}" "${failed[@]}"
