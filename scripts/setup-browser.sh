#!/usr/bin/env bash
# Debian's Chromium for the playground's browser test (playwright-core drives it; no browser download: those fail
# here). Idempotent; needs root.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "[setup-browser] $(/usr/bin/chromium --version 2>/dev/null || echo chromium) already installed"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || echo "[setup-browser] apt-get update failed; trying with the package lists we have" >&2
apt-get install -y -qq --no-install-recommends chromium >/dev/null
echo "[setup-browser] installed $(/usr/bin/chromium --version 2>/dev/null)"
