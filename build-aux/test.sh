#!/usr/bin/env bash
# Builds On Air from scratch and runs every test (GTest programs, the window
# under Xvfb, headless Chromium), then a short benchmark. The last line is
# "N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/_build"

"$top/build-aux/install-deps.sh" || { echo "0 passed, 1 failed"; exit 1; }

# playwright-core for the browser tests and the benchmark's Chromium viewer,
# puppeteer-core for Firefox: they drive Debian's chromium and firefox-esr
# and never download a browser.
export PUPPETEER_SKIP_DOWNLOAD=1
for dir in tests/e2e bench; do
  if [ -f "$top/$dir/package-lock.json" ]; then
    npm ci --prefix "$top/$dir" --no-audit --no-fund --loglevel=error || { echo "0 passed, 1 failed"; exit 1; }
  fi
done

rm -rf "$build"
if ! meson setup "$build" "$top" >/dev/null || ! ninja -C "$build"; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

# A test that fails is run once more (build-aux/run-tests.sh); the summary
# below names it either way.
"$top/build-aux/run-tests.sh" "$build" --
status=$?

# The fuzzers, 30 s each from their seeds (build-aux/fuzz.sh; about 4
# minutes with the clang build). Each target is one pass or failure below.
extra=()
if command -v clang >/dev/null; then
  rm -rf "$top/_build-fuzz"
  "$top/build-aux/fuzz.sh" 30 | tee "$build/fuzz.log"
  while read -r name result _; do
    extra+=("${name%:}=${result%,}")
  done < <(grep -E '^fuzz-[a-z-]+: ' "$build/fuzz.log")
  grep -q FAILED "$build/fuzz.log" && status=1
fi

# The GTest suites again under ASan, UBSan and LeakSanitizer
# (build-aux/sanitize.sh; about 5 minutes with its build): one entry below.
rm -rf "$top/_build-asan"
if "$top/build-aux/sanitize.sh"; then
  extra+=("sanitizers=ok")
else
  extra+=("sanitizers=FAILED")
  status=1
fi

python3 - "$build" "$top/_build-asan" "${extra[@]}" <<'PY'
import json, os, re, sys

FINE = ("OK", "EXPECTEDFAIL", "SKIP")
# What a failed test said last that names the failure (an assertion, a
# sanitizer's report), so that the end of this log tells why.
CAUSE = re.compile(r"Bail out|ERROR|CRITICAL|assert|Sanitizer|SUMMARY|^not ok|Error:|Timeout|FAIL")


def why(r, label):
    text = (r.get("stdout") or "") + "\n" + (r.get("stderr") or "")
    lines = [l.strip() for l in text.splitlines() if CAUSE.search(l)]
    for line in lines[-6:]:
        print(f"  {label}: {line[:240]}")


def records(build, base):
    path = os.path.join(build, "meson-logs", base + ".json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        rs = [json.loads(l) for l in f if l.strip()]
    return {r["name"]: r for r in rs}


def judge(build, label):
    """(passed, failed) of BUILD's tests; a test that failed and then
    passed its second run (build-aux/run-tests.sh) passes, named FLAKY."""
    passed = failed = 0
    retry = records(build, "retry")
    for name, r in records(build, "testlog").items():
        if r["result"] in FINE:
            passed += 1
            continue
        again = retry.get(name)
        if again is not None and again["result"] in FINE:
            passed += 1
            print(f"FLAKY: {label}{name} {r['result']}, then passed when run again")
            why(r, label + name)
        else:
            failed += 1
            print(f"FAILED: {label}{name} {r['result']}"
                  + (f", and {again['result']} when run again" if again else ""))
            why(again or r, label + name)
    return passed, failed


judge(sys.argv[2], "sanitizers: ")
passed, failed = judge(sys.argv[1], "")
for arg in sys.argv[3:]:
    name, _, result = arg.partition('=')
    if result == 'ok':
        passed += 1
    else:
        failed += 1
        print("FAILED:", name, result)
print(f"{passed} passed, {failed} failed")
PY
exit $status
