#!/bin/sh
# Nightly self-check (gov-terminal-selfcheck.service): `terminal diag --json` saved as a dated
# report in the data folder; the newest is also reports/selfcheck-latest.json. Keeps KEEP_REPORTS.
# CHECKS names the checks (default: all). Exit status is diag's: 0 all well, 1 something at fault
# (the unit then shows as failed).
set -u
bin=${TERMINAL_BIN:-/opt/gov-terminal/current/venv/bin/terminal}
dir=${REPORT_DIR:-/var/lib/gov-terminal/data/reports}
keep=${KEEP_REPORTS:-30}

stamp=$(date +%Y%m%d-%H%M%S)
tmp="$dir/.selfcheck-$stamp.tmp"
# shellcheck disable=SC2086 # CHECKS is a list of words
"$bin" diag --json ${CHECKS:-} >"$tmp"
rc=$?
if [ "$rc" -gt 1 ] || [ ! -s "$tmp" ]; then
  rm -f "$tmp"
  echo "selfcheck: event=selfcheck_failed exit=$rc (no report written)" >&2
  exit "$rc"
fi
mv "$tmp" "$dir/selfcheck-$stamp.json"
ln -sfn "selfcheck-$stamp.json" "$dir/.selfcheck-latest.tmp" && mv -T "$dir/.selfcheck-latest.tmp" "$dir/selfcheck-latest.json"
# Dated names sort by time (the glob expands in order): drop all but the newest $keep.
set -- "$dir"/selfcheck-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9].json
excess=$(($# - keep))
while [ "$excess" -gt 0 ]; do
  rm -f "$1"
  shift
  excess=$((excess - 1))
done
echo "selfcheck: event=selfcheck_done exit=$rc report=selfcheck-$stamp.json"
exit "$rc"
