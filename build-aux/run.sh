#!/usr/bin/env bash
# Builds On Air and starts it: the window where there is a display,
# headless serving otherwise. Extra arguments go to onair.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/build-aux/install-deps.sh"
[ -f "$top/build/build.ninja" ] || meson setup "$top/build" "$top" >/dev/null
ninja -C "$top/build" >/dev/null
export GSETTINGS_SCHEMA_DIR="$top/build/data${GSETTINGS_SCHEMA_DIR:+:$GSETTINGS_SCHEMA_DIR}"
exec "$top/build/src/onair" "$@"
