#!/usr/bin/env bash
# gov-terminal-update SOURCE: install a new version beside the running one, switch to it, and
# switch back by itself if the new version fails its health check.
#
#   sudo gov-terminal-update /media/usb/gov-terminal-0.2.0      (an unpacked source tree)
#
# Steps: 1. build releases/<version>-<hash>/venv beside the current release (nothing running
# changes yet); 2. run the new release's `terminal diag --json` as the service user: it must run
# and print a report (a device at fault is allowed, a crash is not); 3. switch the `current`
# symlink; 4. restart the services and wait until both report READY and stay up for SETTLE
# seconds without a restart; 5. on any failure switch `current` back and restart the old release.
# Keeps the three newest releases plus the active and previous ones.
#
#   sudo gov-terminal-update --rollback    (back to the release active before the last update)
#
# Options: --prefix DIR, --no-systemctl, --wheelhouse DIR, --no-deps (as for install.sh);
#   --timeout SECONDS (default 180) to come up, --settle SECONDS (default 60) to stay up.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
installer=$here/install.sh
[ -x "$installer" ] || installer=$here/gov-terminal-install
prefix=/
use_systemctl=1
timeout=180
settle=60
build_args=()
rollback=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; build_args+=(--prefix "$2"); shift 2 ;;
    --wheelhouse) build_args+=(--wheelhouse "$2"); shift 2 ;;
    --no-deps) build_args+=(--no-deps); shift ;;
    --no-systemctl) use_systemctl=0; shift ;;
    --timeout) timeout=$2; shift 2 ;;
    --settle) settle=$2; shift 2 ;;
    --rollback) rollback=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "update: unknown option $1" >&2; exit 2 ;;
    *) source_dir=$1; shift ;;
  esac
done
[ -n "${source_dir:-}" ] || [ "$rollback" = 1 ] || { echo "usage: gov-terminal-update [options] SOURCE|--rollback" >&2; exit 2; }
P=${prefix%/}
[ -n "$P" ] && use_systemctl=0
APP=$P/var/lib/gov-terminal/app
SERVICES=(gov-terminal-kiosk.service gov-terminal-sync.service)
export TERMINAL_CONFIG=${TERMINAL_CONFIG:-$P/etc/gov-terminal/terminal.toml}
log() { echo "update: $*"; }

switch_to() {  # atomically point current at releases/$1
  ln -sfn "releases/$1" "$APP/.current.new" && mv -Tf "$APP/.current.new" "$APP/current"
}

# The new release must start and produce a diagnostics report (run as the service user). Only
# checks that leave the devices alone: the old kiosk is still running and holds them.
diag_ok() {
  local bin=$1 out rc=0 as=() checks
  read -r -a checks <<<"${CHECKS:-system outbox network}"
  if [ -z "$P" ]; then as=(runuser -u gov-terminal --); fi
  out=$("${as[@]}" "$bin" diag --json "${checks[@]}" 2>/dev/null) || rc=$?
  if [ "$rc" -gt 1 ]; then log "health: terminal diag exited $rc"; return 1; fi
  printf '%s' "$out" | "$(dirname "$bin")/python" -c \
    'import json, sys; report = json.load(sys.stdin); sys.exit(0 if "checks" in report else 1)' ||
    { log "health: terminal diag printed no report"; return 1; }
}

# Both services active (Type=notify: after READY=1) within $timeout, then no restart for $settle.
services_ok() {
  [ "$use_systemctl" = 1 ] || return 0
  systemctl restart --no-block "${SERVICES[@]}"
  local deadline=$((SECONDS + timeout)) unit state all
  while :; do
    all=1
    for unit in "${SERVICES[@]}"; do
      state=$(systemctl is-active "$unit" || true)
      case "$state" in
        active) ;;
        failed) log "health: $unit failed"; return 1 ;;
        *) all=0 ;;
      esac
    done
    [ "$all" = 1 ] && break
    [ "$SECONDS" -lt "$deadline" ] || { log "health: services not up after ${timeout}s"; return 1; }
    sleep 2
  done
  local restarts
  restarts=$(systemctl show -p NRestarts --value "${SERVICES[@]}" | tr '\n' ' ')
  sleep "$settle"
  for unit in "${SERVICES[@]}"; do
    [ "$(systemctl is-active "$unit" || true)" = active ] || { log "health: $unit stopped"; return 1; }
  done
  [ "$(systemctl show -p NRestarts --value "${SERVICES[@]}" | tr '\n' ' ')" = "$restarts" ] ||
    { log "health: a service restarted during the ${settle}s settle time"; return 1; }
}

if [ "$rollback" = 1 ]; then
  previous=$(cat "$APP/previous" 2>/dev/null || true)
  if [ -z "$previous" ] || [ ! -d "$APP/releases/$previous" ]; then
    log "no previous release to go back to"
    exit 1
  fi
  active=$(basename "$(readlink "$APP/current")")
  switch_to "$previous"
  printf '%s\n' "$active" >"$APP/previous"
  if [ "$use_systemctl" = 1 ]; then systemctl restart --no-block "${SERVICES[@]}"; fi
  log "event=update_rollback active=$previous previous=$active"
  exit 0
fi

rel=$("$installer" --release-only --no-apt --source "$source_dir" "${build_args[@]}" | tail -n 1)
new=$(basename "$rel")
old=$(basename "$(readlink "$APP/current")")
if [ "$new" = "$old" ]; then log "release $new is already active"; exit 0; fi

if ! diag_ok "$rel/venv/bin/terminal"; then
  log "event=update_refused release=$new kept=$old (the new release failed its check before the switch)"
  exit 1
fi
switch_to "$new"
log "switched current from $old to $new"
if ! services_ok; then
  switch_to "$old"
  if [ "$use_systemctl" = 1 ]; then systemctl restart --no-block "${SERVICES[@]}"; fi
  log "event=update_rolled_back release=$new active=$old"
  exit 1
fi
printf '%s\n' "$old" >"$APP/previous"
# Prune: keep the 3 newest releases, and always the active and previous ones.
ls -1t "$APP/releases" | tail -n +4 | while read -r stale; do
  [ "$stale" = "$new" ] || [ "$stale" = "$old" ] || rm -rf "${APP:?}/releases/$stale"
done
log "event=update_done release=$new previous=$old"
