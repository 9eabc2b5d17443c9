#!/usr/bin/env bash
# Install (or uninstall) the terminal on a fresh Raspberry Pi OS Bookworm (64-bit) as root.
#
#   sudo systemd/install.sh                  install, or bring an install up to date; run twice = no change
#   sudo systemd/install.sh --uninstall      remove programs, units and rules; keep config and data
#   sudo systemd/install.sh --uninstall --purge   also remove /etc/gov-terminal and the data (outbox, keys!)
#
# Options:
#   --prefix DIR     install into DIR instead of / (a throwaway root for tests; implies --no-apt
#                    and --no-systemctl, and never mounts anything)
#   --source PATH    the source tree or wheel to install (default: this repository)
#   --wheelhouse DIR install Python packages from DIR only (offline install; pip --no-index)
#   --no-deps        install the package without its Python dependencies (tests only)
#   --no-apt         do not install Debian packages
#   --no-systemctl   do not reload, enable or start units, nor reload udev
#   --release-only   only build the release of --source and print its folder (used by update.sh)
#
# Layout (docs/deployment.md explains it): releases live on the data partition under
# /var/lib/gov-terminal/app/releases/<version>-<source hash>/venv; /opt/gov-terminal is a symlink
# to /var/lib/gov-terminal/app, so /opt/gov-terminal/current/venv/bin/terminal is what units run,
# and an update survives the read-only root.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
prefix=/
source_dir=$(dirname "$here")
wheelhouse=""
no_deps=0
use_apt=1
use_systemctl=1
mode=install
purge=0

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --source) source_dir=$2; shift 2 ;;
    --wheelhouse) wheelhouse=$2; shift 2 ;;
    --no-deps) no_deps=1; shift ;;
    --no-apt) use_apt=0; shift ;;
    --no-systemctl) use_systemctl=0; shift ;;
    --release-only) mode=release; shift ;;
    --uninstall) mode=uninstall; shift ;;
    --purge) purge=1; shift ;;
    -h|--help) usage 0 ;;
    *) echo "install: unknown option $1" >&2; usage 2 ;;
  esac
done

P=${prefix%/}   # "" for the real root, so "$P/etc" is /etc
if [ -n "$P" ]; then use_apt=0; use_systemctl=0; fi
if [ "$(id -u)" -ne 0 ]; then echo "install: run as root (sudo $0 $*)" >&2; exit 1; fi

APP_USER=gov-terminal
DATA=/var/lib/gov-terminal
APP=$DATA/app
UNITS=(gov-terminal-kiosk.service gov-terminal-sync.service gov-terminal-selfcheck.service
       gov-terminal-selfcheck.timer gov-terminal-recover@.service)
ENABLE=(gov-terminal-kiosk.service gov-terminal-sync.service gov-terminal-selfcheck.timer)
# Kivy's SDL2 on KMS/DRM needs Mesa GLES/GBM; pyscard may build from source (swig, pcsclite);
# espeak-ng speaks in elderly mode; the rest are technician tools.
APT_PACKAGES=(python3-venv python3-pip python3-dev build-essential swig libpcsclite-dev pcscd pcsc-tools
              libgl1-mesa-dri libegl1 libgles2 libgbm1 libdrm2 libmtdev1 libusb-1.0-0
              fonts-wqy-microhei espeak-ng v4l-utils usbutils)
# "src in repo|destination|mode"
FILES=(
  "99-gov-terminal.rules|/etc/udev/rules.d/99-gov-terminal.rules|0644"
  "gov-terminal.sysusers|/etc/sysusers.d/gov-terminal.conf|0644"
  "gov-terminal.tmpfiles|/etc/tmpfiles.d/gov-terminal.conf|0644"
  "journald-gov-terminal.conf|/etc/systemd/journald.conf.d/60-gov-terminal.conf|0644"
  "system-watchdog.conf|/etc/systemd/system.conf.d/60-gov-terminal.conf|0644"
  "60-gov-terminal-pcscd.rules|/etc/polkit-1/rules.d/60-gov-terminal-pcscd.rules|0644"
  "recover.sh|/usr/local/lib/gov-terminal/recover|0755"
  "selfcheck.sh|/usr/local/lib/gov-terminal/selfcheck|0755"
  "update.sh|/usr/local/sbin/gov-terminal-update|0755"
  "install.sh|/usr/local/sbin/gov-terminal-install|0755"
  "terminal-wrapper.sh|/usr/local/bin/terminal|0755"
  "data-mount-onfailure.conf|/etc/systemd/system/var-lib-gov\x2dterminal.mount.d/60-gov-terminal.conf|0644"
  "../docs/deployment.md|/usr/local/share/doc/gov-terminal/deployment.md|0644"
)

changes=0
changed() { echo "install: $*"; changes=$((changes + 1)); }

# Copy $1 to $2 with mode $3 unless it is already there, identical, with that mode.
put_file() {
  local src=$1 dest=$2 mode=$3
  if [ -f "$dest" ] && cmp -s "$src" "$dest"; then
    if [ "$(stat -c %a "$dest")" != "${mode#0}" ]; then chmod "$mode" "$dest"; changed "mode $mode $dest"; fi
    return 0
  fi
  mkdir -p "$(dirname "$dest")"
  install -m "$mode" "$src" "$dest.new.$$"
  mv -f "$dest.new.$$" "$dest"
  changed "wrote $dest"
}

# Point symlink $2 at $1 (atomically), unless it already does.
put_link() {
  local target=$1 link=$2
  [ "$(readlink "$link" 2>/dev/null || true)" = "$target" ] && return 0
  if [ -e "$link" ] && [ ! -L "$link" ]; then
    echo "install: $link exists and is not a symlink; move it away first" >&2; exit 1
  fi
  mkdir -p "$(dirname "$link")"
  ln -sfn "$target" "$link.new.$$"
  mv -Tf "$link.new.$$" "$link"
  changed "linked $link -> $target"
}

# Numeric ids from the target root's own user database (the prefix has its own /etc/passwd).
app_uid() { awk -F: -v u="$APP_USER" '$1 == u { print $3 }' "$P/etc/passwd"; }
app_gid() { awk -F: -v u="$APP_USER" '$1 == u { print $4 }' "$P/etc/passwd"; }

# The service user exists and is in every group its sysusers file names.
user_complete() {
  [ -n "$(app_uid 2>/dev/null)" ] || return 1
  local group
  for group in $(awk '$1 == "m" { print $3 }' "$P/etc/sysusers.d/gov-terminal.conf"); do
    awk -F: -v g="$group" -v u="$APP_USER" '$1 == g { n = split($4, m, ","); for (i = 1; i <= n; i++) if (m[i] == u) found = 1 }
      END { exit !found }' "$P/etc/group" || return 1
  done
}

# A fingerprint to tell whether tmpfiles changed anything.
data_state() { { find "$P$DATA" -maxdepth 2 -printf '%p %m %u %g\n' 2>/dev/null || true; } | sort | sha256sum; }

# A secret file the service user alone may read, made once on this device and never replaced.
put_secret() {
  local path=$1 content=$2
  [ -s "$path" ] && return 0
  (umask 077; printf '%s\n' "$content" >"$path.new.$$")
  chown "$(app_uid):$(app_gid)" "$path.new.$$"
  mv -f "$path.new.$$" "$path"
  changed "generated $path"
}

install_packages() {
  [ "$use_apt" = 1 ] || return 0
  local missing=() pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    changed "installed Debian packages: ${missing[*]}"
  fi
  # brltty claims CH340/CP210x serial adapters as braille displays and steals the ID-card reader.
  if dpkg-query -W -f='${Status}' brltty 2>/dev/null | grep -q "install ok installed"; then
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq brltty
    changed "removed brltty (it grabs USB-serial adapters)"
  fi
}

# The release id: the package version plus a hash of exactly what gets installed.
release_id() {
  if [ -f "$source_dir" ]; then  # a wheel: gov_terminal-<version>-py3-none-any.whl
    echo "$(basename "$source_dir" | cut -d- -f2)-$(sha256sum <"$source_dir" | cut -c1-10)"
    return 0
  fi
  local version hash
  version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$source_dir/pyproject.toml" | head -n 1)
  hash=$(cd "$source_dir" && tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
           --exclude=__pycache__ --exclude='*.pyc' --exclude='*.egg-info' -cf - \
           pyproject.toml README.md terminal drivers ui sync | sha256sum | cut -c1-10)
  echo "$version-$hash"
}

# Build the release of $source_dir (a source tree or a wheel) once, and set REL to its folder.
# The venv has no pip of its own: the system's pip installs into it (pip --python), and an
# update builds a new venv anyway.
build_release() {
  local id target stage="" pip_args=(-q --disable-pip-version-check)
  id=$(release_id)
  REL="$P$APP/releases/$id"
  [ -f "$REL/.complete" ] && return 0
  rm -rf "$REL"
  mkdir -p "$REL"
  target=$source_dir
  if [ -d "$source_dir" ]; then
    # Build from a copy so pip leaves no build/ or egg-info behind in the source tree.
    stage=$(mktemp -d)
    (cd "$source_dir" && tar --exclude=__pycache__ --exclude='*.egg-info' -cf - \
       pyproject.toml README.md terminal drivers ui sync) | tar -xf - -C "$stage"
    target=$stage
  fi
  "${PYTHON:-python3}" -m venv --without-pip "$REL/venv" >&2
  if [ -n "$wheelhouse" ]; then pip_args+=(--no-index --find-links "$wheelhouse"); fi
  if [ "$no_deps" = 1 ]; then pip_args+=(--no-deps); fi
  "${PIP_PYTHON:-python3}" -m pip --python "$REL/venv/bin/python" install "${pip_args[@]}" "$target" >&2
  [ -z "$stage" ] || rm -rf "$stage"
  printf 'release=%s\n' "$id" >"$REL/RELEASE"
  touch "$REL/.complete"
  changed "built release $id" >&2
}

install_fstab() {
  local fstab="$P/etc/fstab" block
  block=$(cat "$here/fstab.gov-terminal")
  [ -e "$fstab" ] || : >"$fstab"
  if grep -qF "# BEGIN gov-terminal" "$fstab"; then
    # Replace an older block only if it differs.
    if [ "$(sed -n '/^# BEGIN gov-terminal/,/^# END gov-terminal/p' "$fstab")" != "$block" ]; then
      sed -i '/^# BEGIN gov-terminal/,/^# END gov-terminal/d' "$fstab"
      printf '%s\n' "$block" >>"$fstab"
      changed "updated the gov-terminal block in $fstab"
    fi
  else
    printf '%s\n' "$block" >>"$fstab"
    changed "added the data partition and tmpfs lines to $fstab"
  fi
  [ -n "$P" ] && return 0
  if blkid -L GTDATA >/dev/null 2>&1; then
    if ! mountpoint -q "$DATA"; then mkdir -p "$DATA"; mount "$DATA"; changed "mounted the data partition on $DATA"; fi
  else
    echo "install: WARNING no partition labelled GTDATA: data stays on the root file system;" \
         "do not enable the read-only overlay (docs/deployment.md, step 3)" >&2
  fi
}

install_all() {
  install_packages
  local entry src dest fmode
  for entry in "${FILES[@]}"; do
    IFS='|' read -r src dest fmode <<<"$entry"
    put_file "$here/$src" "$P$dest" "$fmode"
  done
  for src in "${UNITS[@]}"; do put_file "$here/$src" "$P/etc/systemd/system/$src" 0644; done
  install_fstab

  # The service user and the data folders (sysusers and tmpfiles only act on what is missing).
  local before
  if ! user_complete; then  # sysusers would touch /etc even with nothing to add
    systemd-sysusers --root="${P:-/}" "$P/etc/sysusers.d/gov-terminal.conf"
    changed "created user $APP_USER and its group memberships"
  fi
  before=$(data_state)
  systemd-tmpfiles --create --root="${P:-/}" "$P/etc/tmpfiles.d/gov-terminal.conf"
  [ "$before" = "$(data_state)" ] || changed "created data folders in $DATA"

  # Programs: /opt/gov-terminal is the app folder on the data partition.
  put_link "..$APP" "$P/opt/gov-terminal"
  build_release
  if [ ! -L "$P$APP/current" ]; then
    put_link "releases/$(basename "$REL")" "$P$APP/current"
  elif [ "$(readlink "$P$APP/current")" != "releases/$(basename "$REL")" ]; then
    echo "install: release $(basename "$REL") is built but $(readlink "$P$APP/current") stays active;" \
         "switch with: gov-terminal-update $source_dir" >&2
  fi

  # Configuration skeleton, written once: a technician's edits are never overwritten.
  local conf="$P/etc/gov-terminal/terminal.toml"
  if [ ! -e "$conf" ]; then
    mkdir -p "$(dirname "$conf")"
    install -m 0640 -o 0 -g "$(app_gid)" "$here/terminal.toml.in" "$conf"
    changed "wrote the configuration skeleton $conf (set terminal.id and the platform URL)"
  fi

  # Secrets generated on this device: the outbox key ring (format of sync/keys.py) and the
  # shared secrets for the platform (push) and the central server's pull tokens.
  local keys="$P$DATA/data/keys"
  put_secret "$keys/outbox.key" "{\"current\": \"k1\", \"keys\": {\"k1\": \"$(head -c 32 /dev/urandom | base64)\"}}"
  put_secret "$keys/platform-secret" "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  put_secret "$keys/sync-api-secret" "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"

  if [ -z "$P" ] && mountpoint -q "$DATA" && ! mountpoint -q /var/log/journal; then
    mount /var/log/journal   # the fstab bind mount: the journal moves to the data partition
    changed "moved the journal to $DATA/journal"
  fi
  if [ "$changes" = 0 ]; then echo "install: nothing to change"; return 0; fi
  # Something changed: make systemd, udev and journald see it, and restart onto it.
  if [ "$use_systemctl" = 1 ]; then
    systemctl daemon-reload
    systemctl enable --quiet "${ENABLE[@]}"
    udevadm control --reload
    udevadm trigger --action=change
    systemctl restart systemd-journald
    systemctl restart "${ENABLE[@]}"
  fi
  echo "install: $changes change(s)"
}

uninstall_all() {
  if [ "$use_systemctl" = 1 ]; then
    systemctl disable --now --quiet "${ENABLE[@]}" 2>/dev/null || true
  fi
  local entry src dest fmode
  for src in "${UNITS[@]}"; do rm -f "$P/etc/systemd/system/$src"; done
  for entry in "${FILES[@]}"; do
    IFS='|' read -r src dest fmode <<<"$entry"
    rm -f "$P$dest"
  done
  rm -rf "$P/usr/local/lib/gov-terminal" "$P/usr/local/share/doc/gov-terminal"
  rm -f "$P/opt/gov-terminal"
  rmdir "$P/etc/systemd/system/var-lib-gov\x2dterminal.mount.d" 2>/dev/null || true
  rm -rf "$P$APP"
  [ -f "$P/etc/fstab" ] && sed -i '/^# BEGIN gov-terminal/,/^# END gov-terminal/d' "$P/etc/fstab"
  if [ "$purge" = 1 ]; then
    if [ -z "$P" ] && mountpoint -q /var/log/journal; then umount /var/log/journal; fi
    rm -rf "$P/etc/gov-terminal" "${P:-}$DATA"
    if awk -F: -v u="$APP_USER" '$1 == u { found = 1 } END { exit !found }' "$P/etc/passwd"; then
      userdel --root "${P:-/}" "$APP_USER"
    fi
    echo "install: purged configuration, data (outbox and keys) and the user $APP_USER"
  else
    echo "install: kept /etc/gov-terminal and $DATA (outbox, keys); --purge removes them"
  fi
  if [ "$use_systemctl" = 1 ]; then
    systemctl daemon-reload
    udevadm control --reload
  fi
  echo "install: uninstalled"
}

case "$mode" in
  install) install_all ;;
  release) build_release; echo "$REL" ;;
  uninstall) uninstall_all ;;
esac
