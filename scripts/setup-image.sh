#!/usr/bin/env bash
# Idempotent: the bot's container image, built from the project's Dockerfile with no public container registry.
#   1. A base image like node:<major>-bookworm-slim, made offline: Debian bookworm by debootstrap (minbase, from the
#      Debian mirror apt uses here), this machine's Node.js (the files of its nodejs package: node, headers; its npm) and
#      a `node` user (uid 1000, as in the official image), put together with `docker import`.
#   2. The project's Dockerfile built on that base (BASE build argument; the default is the public node image), with
#      the host's network for `apt-get` and `npm ci` in the build stage: ${ROLLBACK_IMAGE:-rollback-bot:latest}, the
#      name the README's `docker run`, docs/production.md and the tests use (ROLLBACK_IMAGE names it for all of them).
# Needs root and the Docker engine (scripts/setup-docker.sh). The base is made once (about 2 minutes); the image is
# rebuilt from Docker's cache when nothing changed. A first build takes about 6 minutes: each phase and each build step
# is printed with the seconds since the start, a dot every few seconds in between (full output: the log files named).
set -euo pipefail
cd "$(dirname "$0")/.."

START=$SECONDS
log() { printf '[setup-image] +%3ds  %s\n' "$((SECONDS - START))" "$*"; }
# Streams a long command's output into the log file $2: the lines that match $1 (a phase, a build step) are printed with
# the seconds since the start, every other line is a dot (at most one every 2 s), so a slow step shows it is alive.
progress() {
  local pattern=$1 file=$2 line last=0 dotted=0
  while IFS= read -r line; do
    printf '%s\n' "$line" >>"$file"
    if [[ $line =~ $pattern ]]; then
      if ((dotted)); then printf '\n'; fi
      dotted=0
      log "  $line"
    elif ((SECONDS - last >= 2)); then
      printf '.'
      dotted=1
      last=$SECONDS
    fi
  done
  if ((dotted)); then printf '\n'; fi
}
# Named after the Node.js and npm it carries (a machine whose Node.js changed makes a new base), and the certificates.
BASE=rollback-bot-base:node$(node -p process.versions.node)-npm$(npm -v)-ca$(sha256sum /etc/ssl/certs/ca-certificates.crt | cut -c1-8)-bookworm
IMAGE=${ROLLBACK_IMAGE:-rollback-bot:latest}

if ! docker image inspect "$BASE" >/dev/null 2>&1; then
  if ! command -v debootstrap >/dev/null; then
    log "installing debootstrap"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  fi
  # Debian's own mirror as apt knows it here (not a third-party repository such as Node's).
  MIRROR=$({ grep -rhoE '^(deb|URIs:) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ \
    2>/dev/null || true; } | awk '{print $2}' | head -n1)
  MIRROR=${MIRROR:-http://deb.debian.org/debian}
  ROOT=$(mktemp -d /var/tmp/rollback-bot-base.XXXXXX)
  trap 'rm -rf "$ROOT"' EXIT
  log "debootstrap bookworm (minbase) from $MIRROR (about 2 minutes; log: /var/tmp/rollback-bot-debootstrap.log)"
  : >/var/tmp/rollback-bot-debootstrap.log
  # Its phases end in "..." (one line per package otherwise).
  debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR" 2>&1 |
    progress '(\.\.\.|successfully\.)$' /var/tmp/rollback-bot-debootstrap.log ||
    { tail -n 20 /var/tmp/rollback-bot-debootstrap.log; exit 1; }
  log "adding Node.js $(node --version) (the nodejs package's files) and the node user"
  dpkg -L nodejs | while read -r f; do if [ -f "$f" ] || [ -L "$f" ]; then printf '%s\n' "${f#/}"; fi; done |
    tar -C / -cf - -T - | tar -C "$ROOT" -xf -
  # npm as it is here (it may have been updated since the package was installed).
  rm -rf "$ROOT/usr/lib/node_modules/npm"
  cp -a "$(npm root -g)/npm" "$ROOT/usr/lib/node_modules/npm"
  # This machine's trusted certificates (its egress may sit behind a CA of its own): npm in the build stage needs them.
  mkdir -p "$ROOT/etc/ssl/certs"
  cp /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/ssl/certs/ca-certificates.crt"
  chroot "$ROOT" groupadd --gid 1000 node
  chroot "$ROOT" useradd --uid 1000 --gid node --create-home --shell /bin/bash node
  rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/*
  # node-gyp finds the headers here instead of downloading them.
  tar -C "$ROOT" -c . | docker import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'ENV npm_config_nodedir=/usr' \
    -c 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    -c 'CMD ["node"]' - "$BASE" >/dev/null
  log "base image $BASE: $(docker image inspect "$BASE" --format '{{.Size}}' | awk '{printf "%.0f MB", $1/1e6}')"
fi

BUILD_LOG=/var/tmp/rollback-bot-build.${IMAGE//[^A-Za-z0-9._-]/_}.log
log "building $IMAGE from the Dockerfile on $BASE (a first build: about 4 minutes; log: $BUILD_LOG)"
: >"$BUILD_LOG"
# A step line of the classic builder ("Step 5/18 : RUN npm ci") or of BuildKit's plain output ("#9 [build 4/8] RUN …").
docker build --network host --build-arg "BASE=$BASE" -t "$IMAGE" . 2>&1 |
  progress '^(Step [0-9]+/[0-9]+ :|#[0-9]+ \[)' "$BUILD_LOG" ||
  { tail -n 30 "$BUILD_LOG"; log "the build failed (whole output: $BUILD_LOG)"; exit 1; }
log "ready: $IMAGE, $(docker image inspect "$IMAGE" --format '{{.Size}}' | awk '{printf "%.0f MB", $1/1e6}')"
