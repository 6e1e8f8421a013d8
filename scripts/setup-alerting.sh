#!/usr/bin/env bash
# Debian's Prometheus and Alertmanager, for the tests that run the real ones on 127.0.0.1 (each test starts its own
# with a config of its own in a temp dir; nothing runs as a service). Idempotent; needs root.
set -euo pipefail
if [ -x /usr/bin/prometheus ] && [ -x /usr/bin/prometheus-alertmanager ]; then
  echo "[setup-alerting] $(/usr/bin/prometheus --version 2>&1 | head -1) and $(/usr/bin/prometheus-alertmanager --version 2>&1 | head -1) already installed"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || echo "[setup-alerting] apt-get update failed; trying with the package lists we have" >&2
# policy-rc.d: install the binaries without starting Debian's services (the tests start their own, on ports of their own).
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -qq --no-install-recommends prometheus prometheus-alertmanager >/dev/null
echo "[setup-alerting] installed $(/usr/bin/prometheus --version 2>&1 | head -1) and $(/usr/bin/prometheus-alertmanager --version 2>&1 | head -1)"
