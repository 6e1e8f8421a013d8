#!/usr/bin/env bash
# Idempotent: brings up what the integration and end-to-end tests need on this machine.
#   - Debian's docker.io (dockerd), docker-registry, busybox-static and iproute2, installed if missing
#   - dockerd running (a stale pid file from a killed daemon is cleared first)
#   - a registry on 127.0.0.1:5000 (no auth, no TLS: loopback registries are trusted by dockerd)
#   - a single-node swarm advertised on 127.0.0.1
#   - tiny test images built offline (busybox httpd serving /health) and pushed to the registry
# Needs root (apt-get and dockerd). Safe to run again: every step checks before it acts.
set -euo pipefail

REGISTRY=127.0.0.1:5000
STATE_DIR=/var/lib/rollback-bot-test
LOG_DIR=/var/log/rollback-bot-test
mkdir -p "$STATE_DIR" "$LOG_DIR"

log() { printf '[setup-docker] %s\n' "$*"; }

wait_for() { # wait_for <what> <seconds> <command...>
  local what=$1 secs=$2; shift 2
  for _ in $(seq 1 $((secs * 5))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  log "timed out after ${secs}s waiting for $what"; return 1
}

# --- packages -------------------------------------------------------------------------
missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
command -v curl >/dev/null 2>&1 || missing+=(curl)
# `ip`: the tests' private second engine brings up loopback in its own network namespace.
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx httpd || missing+=(busybox-static)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- dockerd ----------------------------------------------------------------------------
if ! docker info >/dev/null 2>&1; then
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    log "removing stale /var/run/docker.pid"; rm -f /var/run/docker.pid
  fi
  if [ -f /var/run/docker/containerd/containerd.pid ] && ! kill -0 "$(cat /var/run/docker/containerd/containerd.pid)" 2>/dev/null; then
    rm -f /var/run/docker/containerd/containerd.pid
  fi
  log "starting dockerd (log: $LOG_DIR/dockerd.log)"
  nohup dockerd >"$LOG_DIR/dockerd.log" 2>&1 &
  wait_for dockerd 60 docker info
fi

# --- registry on 127.0.0.1:5000 --------------------------------------------------------------
if ! curl -fsS "http://$REGISTRY/v2/" >/dev/null 2>&1; then
  cat >"$STATE_DIR/registry.yml" <<YML
version: 0.1
log: { level: warn }
storage:
  filesystem: { rootdirectory: $STATE_DIR/registry }
  delete: { enabled: true }
http:
  addr: $REGISTRY
YML
  log "starting docker-registry on $REGISTRY"
  nohup docker-registry serve "$STATE_DIR/registry.yml" >"$LOG_DIR/registry.log" 2>&1 &
  wait_for registry 30 curl -fsS "http://$REGISTRY/v2/"
fi

# --- swarm --------------------------------------------------------------------------------
if [ "$(docker info --format '{{.Swarm.LocalNodeState}}')" != "active" ]; then
  log "initialising a single-node swarm"
  docker swarm init --advertise-addr 127.0.0.1 >/dev/null
fi

# --- test images ----------------------------------------------------------------------
# One rootfs (busybox httpd), several tags that differ only in what /health reports:
#   v1, v2, v3     healthy, /health says {"version":"<tag>"}
#   broken         no /health at all (404): a rollback to it fails verification
#   liar           healthy, but /health claims version "v1" whatever it runs
#   crash          exits at once: Swarm's update monitor sees the task fail
#   corrupt        its manifest is there but its layer blob is gone: a pull fails mid-stream
#   migrations     healthy, labelled org.rollback-bot.migrations=true (a deployment that carried migrations)
build_rootfs() {
  local dir=$1
  rm -rf "$dir"; mkdir -p "$dir/bin" "$dir/www" "$dir/tmp"
  cp /bin/busybox "$dir/bin/busybox"
  for app in sh httpd mkdir kill sleep cat echo; do ln -s busybox "$dir/bin/$app"; done
  cat >"$dir/entrypoint.sh" <<'SH'
#!/bin/sh
# Serves /health (JSON with the version), /ready and / on $PORT. Traps SIGTERM so a
# service update does not wait for the stop grace period.
[ "$APP_CRASH" = "1" ] && { echo "crashing on purpose" >&2; exit 1; }
mkdir -p /www
if [ "$APP_HEALTH" != "missing" ]; then
  printf '{"status":"ok","version":"%s"}' "${REPORTED_VERSION:-$APP_VERSION}" > /www/health
fi
printf '{"ready":true,"version":"%s"}' "$APP_VERSION" > /www/ready
printf '<html><body>app %s</body></html>' "$APP_VERSION" > /www/index.html
trap 'kill "$pid" 2>/dev/null; exit 0' TERM INT
httpd -f -p "${PORT:-8080}" -h /www &
pid=$!
wait "$pid"
SH
  chmod +x "$dir/entrypoint.sh"
}

image_present_in_registry() { # repo tag
  curl -fsS -o /dev/null -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REGISTRY/v2/$1/manifests/$2" 2>/dev/null
}

rootfs_tar="$STATE_DIR/rootfs.tar"
make_tar() {
  [ -n "${tar_built:-}" ] && return 0
  tar_built=1
  build_rootfs "$STATE_DIR/rootfs"
  tar -C "$STATE_DIR/rootfs" -cf "$rootfs_tar" .
}

push_tag() { # repo tag env...
  local repo=$1 tag=$2; shift 2
  if image_present_in_registry "$repo" "$tag"; then return 0; fi
  make_tar
  local changes=(--change 'CMD ["/bin/sh","/entrypoint.sh"]' --change 'EXPOSE 8080' --change "LABEL org.rollback-bot.test=true")
  for kv in "$@"; do
    case "$kv" in
      LABEL:*) changes+=(--change "LABEL ${kv#LABEL:}") ;;
      *) changes+=(--change "ENV $kv") ;;
    esac
  done
  docker import "${changes[@]}" "$rootfs_tar" "$REGISTRY/$repo:$tag" >/dev/null
  docker push -q "$REGISTRY/$repo:$tag" >/dev/null
  log "pushed $REGISTRY/$repo:$tag"
}

for repo in rollback-test/backend rollback-test/frontend; do
  for v in v1 v2 v3; do push_tag "$repo" "$v" "APP_VERSION=$v"; done
  push_tag "$repo" broken "APP_VERSION=broken" "APP_HEALTH=missing"
  push_tag "$repo" liar "APP_VERSION=liar" "REPORTED_VERSION=v1"
  push_tag "$repo" crash "APP_VERSION=crash" "APP_CRASH=1"
  push_tag "$repo" migrations "APP_VERSION=migrations" "LABEL:org.rollback-bot.migrations=true"
done

# A tag whose pull starts (the manifest is served) and then fails (the layer blob is gone from storage).
corrupt_tag() { # repo
  local repo=$1
  if image_present_in_registry "$repo" corrupt; then return 0; fi
  make_tar
  # A layer of its own (a marker file), so deleting its blob breaks no other tag.
  local dir="$STATE_DIR/corrupt-rootfs"
  rm -rf "$dir"; mkdir -p "$dir"; tar -C "$dir" -xf "$rootfs_tar"; date +%s%N > "$dir/corrupt-marker"
  tar -C "$dir" -cf "$STATE_DIR/corrupt.tar" .
  docker import --change 'CMD ["/bin/sh","/entrypoint.sh"]' --change "ENV APP_VERSION=corrupt" "$STATE_DIR/corrupt.tar" "$REGISTRY/$repo:corrupt" >/dev/null
  docker push -q "$REGISTRY/$repo:corrupt" >/dev/null
  local layer
  layer=$(curl -fsS -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "http://$REGISTRY/v2/$repo/manifests/corrupt" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["digest"].split(":")[1])')
  rm -f "$STATE_DIR/registry/docker/registry/v2/blobs/sha256/${layer:0:2}/$layer/data"
  docker image rm -f "$REGISTRY/$repo:corrupt" >/dev/null
  log "pushed $REGISTRY/$repo:corrupt (layer blob removed)"
}
for repo in rollback-test/backend rollback-test/frontend; do corrupt_tag "$repo"; done

log "ready: dockerd $(docker version --format '{{.Server.Version}}'), swarm active, registry $REGISTRY"
