#!/usr/bin/env bash
# Walks docs/production.md as a newcomer would, from a fresh clone: the ```bash blocks that follow a `<!-- walk … -->`
# comment, in the page's order, in one shell, in a `git clone` of this repository (its committed HEAD) in a temporary
# folder. test/e2e/stack.e2e.spec.ts runs it on the test swarm for each stack, then sends a rollback through it.
#
#   scripts/walk-production-path.sh socket-mode|http [teardown]
#
# Markers (docs/production.md, "How this page is tested"): `<!-- walk -->` both stacks; `<!-- walk socket-mode -->` or
# `<!-- walk http -->` one of them; `retry=N` repeats the block until it succeeds, for at most N seconds; `teardown`
# marks the removal, run only with the `teardown` argument (and then only that). A marker not followed by a ```bash
# block fails the walk: an edit of the page cannot silently drop a step.
#
# The page's commands run as written, but for this documented substitution set (nothing else):
#   registry.example.com:5000            -> $WALK_REGISTRY          the test swarm's registry (127.0.0.1:5000/<run>)
#   docker build -t X .                  -> docker tag $WALK_BUILT_IMAGE X   setup-image.sh built it already
#   rollback_ in names, the stack name   -> ${WALK_NAME}_, $WALK_NAME       the swarm is shared: names of the run's own
#   -c deploy/stack.<mode>.yml           -> … -c $WALK_OVERRIDE     one node: host network, one replica, local stand-ins
#   postgres://rollback:$POSTGRES_PASSWORD@postgres:5432/rollback -> $WALK_DATABASE_URL   the test PostgreSQL
# The walk also needs the page's own variables (SLACK_BOT_TOKEN, SLACK_APP_TOKEN or SLACK_SIGNING_SECRET) and
# WALK_CONFIG, the rollback.config.yml to put in the clone (step 2 of the page is an edit by hand).
set -euo pipefail

VARIANT=${1:?usage: walk-production-path.sh socket-mode|http [teardown]}
PHASE=${2:-deploy}
case $VARIANT in socket-mode | http) ;; *)
  echo "walk: unknown stack '$VARIANT' (socket-mode or http)" >&2
  exit 2
  ;;
esac
case $PHASE in deploy | teardown) ;; *)
  echo "walk: unknown phase '$PHASE' (teardown, or nothing)" >&2
  exit 2
  ;;
esac
: "${WALK_NAME:?WALK_NAME: a name of this run for the stack, its secrets and its config}"
if [ "$PHASE" = deploy ]; then
  : "${WALK_REGISTRY:?WALK_REGISTRY: the registry (and path) the image is pushed to}"
  : "${WALK_BUILT_IMAGE:?WALK_BUILT_IMAGE: the image scripts/setup-image.sh built}"
  : "${WALK_OVERRIDE:?WALK_OVERRIDE: the stack file that adapts the stack to the test swarm}"
  : "${WALK_DATABASE_URL:?WALK_DATABASE_URL: the PostgreSQL the bot uses}"
  : "${WALK_CONFIG:?WALK_CONFIG: the rollback.config.yml to deploy}"
fi

REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rollback-walk.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
log() { printf '[walk %s] +%ds %s\n' "$VARIANT" "$SECONDS" "$*"; }

git clone --quiet "$REPO" "$WORK/clone"
git -C "$WORK/clone" checkout --quiet --detach "$(git -C "$REPO" rev-parse HEAD)"
log "fresh clone of $(git -C "$WORK/clone" rev-parse --short HEAD) in $WORK/clone"
PAGE=$WORK/clone/docs/production.md

# The blocks of this walk, each as a file (block-001.sh, …) with its marker's options in block-001.opts; the substitution
# set above applied (as references to the WALK_ variables, expanded when the block runs).
awk -v variant="$VARIANT" -v phase="$PHASE" -v out="$WORK" '
  function fail(msg) { printf "walk: docs/production.md line %d: %s\n", NR, msg > "/dev/stderr"; bad = 1; exit 1 }
  pending && !inblock {
    if ($0 != "```bash") fail("a walk marker must be followed by a ```bash block")
    inblock = 1; pending = 0; next
  }
  inblock && $0 == "```" { inblock = 0; if (take) close(file); next }
  inblock {
    if (!take) next
    line = $0
    gsub(/postgres:\/\/rollback:\$POSTGRES_PASSWORD@postgres:5432\/rollback/, "${WALK_DATABASE_URL}", line)
    gsub(/registry\.example\.com:5000/, "${WALK_REGISTRY}", line)
    if (line ~ /^docker build -t [^ ]+ \.$/) { split(line, w, " "); line = "docker tag \"${WALK_BUILT_IMAGE}\" " w[4] }
    gsub(/-c deploy\/stack\.[a-z-]+\.yml/, "& -c \"${WALK_OVERRIDE}\"", line)
    if (line ~ /^docker stack [a-z]+ .* rollback$/) sub(/ rollback$/, " \"${WALK_NAME}\"", line)
    # "rollback_" starting a name (not inside one such as my_rollback_x): POSIX awk has no back-references.
    done = ""
    while (match(line, /rollback_/)) {
      before = substr(line, 1, RSTART - 1)
      prev = RSTART > 1 ? substr(line, RSTART - 1, 1) : substr(done, length(done), 1)
      done = done before (prev ~ /[A-Za-z0-9_.-]/ ? "rollback_" : "${WALK_NAME}_")
      line = substr(line, RSTART + RLENGTH)
    }
    line = done line
    print line > file
    next
  }
  /^<!-- walk( [^>]*)? -->$/ {
    opts = $0; sub(/^<!-- walk ?/, "", opts); sub(/ ?-->$/, "", opts)
    n = split(opts, words, " "); forvariant = 1; isteardown = 0; retry = 0; onlyvariant = ""
    for (i = 1; i <= n; i++) {
      if (words[i] == "socket-mode" || words[i] == "http") onlyvariant = words[i]
      else if (words[i] == "teardown") isteardown = 1
      else if (words[i] ~ /^retry=[0-9]+$/) retry = substr(words[i], 7)
      else fail("unknown walk option \"" words[i] "\"")
    }
    take = (onlyvariant == "" || onlyvariant == variant) && (isteardown == (phase == "teardown"))
    pending = 1
    if (take) {
      count++; file = sprintf("%s/block-%03d.sh", out, count)
      printf "%d %d\n", retry, NR + 2 > sprintf("%s/block-%03d.opts", out, count); close(sprintf("%s/block-%03d.opts", out, count))
    }
  }
  END { if (!bad && (pending || inblock)) fail("the page ends inside a walk block") }
' "$PAGE"

BLOCKS=("$WORK"/block-*.sh)
[ -e "${BLOCKS[0]}" ] || {
  echo "walk: no blocks for '$VARIANT' ($PHASE) in docs/production.md" >&2
  exit 1
}

cd "$WORK/clone"
[ "$PHASE" = teardown ] || cp "$WALK_CONFIG" rollback.config.yml
# One shell session, as on the page: what a block sets, later blocks see (exported, so a repeated block, which runs in
# a shell of its own, sees it too).
set -a
# The walk's own variables are named walk_* so that the page's commands cannot clobber them.
for walk_block in "${BLOCKS[@]}"; do
  read -r walk_retry walk_line <"${walk_block%.sh}.opts"
  if [ "$walk_retry" -gt 0 ]; then
    log "docs/production.md line $walk_line, repeated until it succeeds (at most $walk_retry s):"
  else
    log "docs/production.md line $walk_line:"
  fi
  sed 's/^/    $ /' "$walk_block"
  if [ "$walk_retry" -gt 0 ]; then
    walk_deadline=$((SECONDS + walk_retry))
    until walk_out=$(bash -euo pipefail "$walk_block" 2>&1); do
      if ((SECONDS >= walk_deadline)); then
        printf '%s\n' "$walk_out"
        log "still failing after $walk_retry s"
        exit 1
      fi
      sleep 2
    done
    printf '%s\n' "$walk_out"
  else
    # shellcheck disable=SC1090 # the page's commands, in this shell
    source "$walk_block"
  fi
done
set +a
log "done: ${#BLOCKS[@]} blocks of docs/production.md"
