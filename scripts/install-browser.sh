#!/usr/bin/env bash
# Debian's Chromium for the browser tests (test tools' own browser downloads fail without internet).
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then exit 0; fi
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
cache="${NEWSWORKER_CACHE:-/var/cache/newsworker}"
as_root mkdir -p "$cache"
[ -f "$cache/.apt-updated" ] || { as_root apt-get update -qq && as_root touch "$cache/.apt-updated"; }
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core >/dev/null
