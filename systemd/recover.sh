#!/bin/sh
# gov-terminal-recover@UNIT.service: the last resort after UNIT failed its start limit.
#   kiosk: reboot, at most MAX_REBOOTS (default 3) times in 24 hours; after that, stop trying and
#          put the out-of-order screen on the display (a technician must come; see deployment.md).
#   sync:  no reboot (it would cut a citizen's session short): start it again in 15 minutes.
#   the data partition's mount: the out-of-order screen at once (the reboot count could not even be
#          kept without that partition, and rebooting rarely revives a dead card).
set -eu
unit=${1:?usage: recover UNIT}
state=${STATE_DIR:-/var/lib/gov-terminal/state}
max=${MAX_REBOOTS:-3}
python=${TERMINAL_PYTHON:-/opt/gov-terminal/current/venv/bin/python}
console=${CONSOLE:-/dev/tty1}
log() { echo "gov-terminal-recover: $*"; }

out_of_order() {
  # Keep the console quiet: no login prompt and no cursor over the screen.
  systemctl stop getty@tty1.service 2>/dev/null || true
  printf '\033[?25l\033[2J' >"$console" 2>/dev/null || true
  if [ -x "$python" ] && "$python" -m terminal.outoforder; then
    return 0
  fi
  # No display code could run: at least say it on the console.
  printf '\033[2J\033[H\n\n  OUT OF ORDER - please use the service window.\n  Technician: journalctl -u %s\n' "$unit" \
    >"$console" || true
}

case "$unit" in
  gov-terminal-sync.service)
    log "event=sync_gave_up action=retry_in_15min"
    exec systemd-run --quiet --unit=gov-terminal-sync-retry --on-active=15min \
      /bin/sh -c "systemctl reset-failed $unit; systemctl start $unit"
    ;;
  gov-terminal-kiosk.service) ;;
  *gov*terminal.mount)  # var-lib-gov\x2dterminal.mount
    log "event=data_partition_missing action=out_of_order_screen"
    out_of_order
    exit 0 ;;
  *) log "event=unknown_unit unit=$unit action=none"; exit 0 ;;
esac

book="$state/kiosk-reboots"
now=$(date +%s)
# Keep only the reboots of the last 24 hours.
recent=$( (cat "$book" 2>/dev/null || true) | awk -v since=$((now - 86400)) '$1 >= since')
count=$(printf '%s' "$recent" | grep -c . || true)
if [ "$count" -lt "$max" ]; then
  # A reboot that cannot be counted could become a reboot loop: without the book, no reboot.
  if mkdir -p "$state" 2>/dev/null && printf '%s\n%s\n' "$recent" "$now" | grep . >"$book.tmp" \
      && mv "$book.tmp" "$book" && sync; then
    log "event=kiosk_gave_up action=reboot reboots_24h=$((count + 1)) max=$max"
    exec systemctl reboot
  fi
  log "event=reboot_book_unwritable state=$state action=out_of_order_screen"
  out_of_order
  exit 0
fi
log "event=kiosk_out_of_order reboots_24h=$count max=$max action=out_of_order_screen"
out_of_order
