#!/bin/sh
# /usr/local/bin/terminal on the device: the active release with the device's configuration, run
# as the service user even under sudo, so files it writes in the data folder (PINs, reports,
# case numbers) stay usable by the services.
export TERMINAL_CONFIG="${TERMINAL_CONFIG:-/etc/gov-terminal/terminal.toml}"
bin=/opt/gov-terminal/current/venv/bin/terminal
if [ "$(id -u)" = 0 ]; then
  exec runuser -u gov-terminal -- env TERMINAL_CONFIG="$TERMINAL_CONFIG" "$bin" "$@"
fi
exec "$bin" "$@"
