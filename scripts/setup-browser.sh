#!/usr/bin/env bash
# Debian's Chromium for the playground's browser test (playwright-core drives it; no browser download: those fail
# here), and Debian's colour emoji font so the page shows emoji as Slack does. Idempotent; needs root.
set -euo pipefail
EMOJI_FONT=/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf
if [ -x /usr/bin/chromium ] && [ -f "$EMOJI_FONT" ]; then
  echo "[setup-browser] $(/usr/bin/chromium --version 2>/dev/null || echo chromium) and the emoji font already installed"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || echo "[setup-browser] apt-get update failed; trying with the package lists we have" >&2
apt-get install -y -qq --no-install-recommends chromium fonts-noto-color-emoji >/dev/null
fc-cache -f >/dev/null 2>&1 || true
echo "[setup-browser] installed $(/usr/bin/chromium --version 2>/dev/null) and $(basename "$EMOJI_FONT")"
