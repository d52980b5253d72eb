#!/usr/bin/env bash
# Install lapgate as a service on Raspberry Pi OS Bookworm (Pi 4 / Pi 5). Idempotent: run it
# again after pulling a new version; it changes only what differs and never overwrites the
# config you edited.
#
#   sudo deploy/install-pi.sh [--kiosk] [--config FILE] [--port N]
#
# Options (for testing on another machine, the hardware and system steps have flags):
#   --root DIR      install into DIR instead of / (files only; implies --no-systemd)
#   --source DIR    the lapgate checkout to install (default: this script's repository)
#   --no-apt        do not install system packages
#   --no-systemd    write the unit but do not call systemctl
#   --no-venv       do not create the virtual environment / pip install
#   --kiosk         autostart Chromium full-screen on the big screen page on HDMI login
#   --config FILE   use FILE as the initial /etc/lapgate/lapgate.toml (only if none exists)
set -euo pipefail

ROOT=""
SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
APT=1 SYSTEMD=1 VENV=1 KIOSK=0 INITIAL_CONFIG="" PORT=5000
while [ $# -gt 0 ]; do
  case "$1" in
    --root) ROOT="${2:?--root needs a directory}"; SYSTEMD=0; shift 2 ;;
    --source) SOURCE="${2:?--source needs a directory}"; shift 2 ;;
    --no-apt) APT=0; shift ;;
    --no-systemd) SYSTEMD=0; shift ;;
    --no-venv) VENV=0; shift ;;
    --kiosk) KIOSK=1; shift ;;
    --config) INITIAL_CONFIG="${2:?--config needs a file}"; shift 2 ;;
    --port) PORT="${2:?--port needs a number}"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "install-pi.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

PREFIX="$ROOT/opt/lapgate"
DATA="$ROOT/var/lib/lapgate"
ETC="$ROOT/etc/lapgate"
UNIT="$ROOT/etc/systemd/system/lapgate.service"
changed=()

say() { echo "install-pi: $*"; }

# Write $2 to file $1 only when the content differs; remember what changed.
put() {
  local file="$1" content="$2"
  mkdir -p "$(dirname "$file")"
  if [ ! -f "$file" ] || [ "$(cat "$file")" != "$content" ]; then
    printf '%s\n' "$content" > "$file"
    changed+=("$file")
  fi
}

if [ "$(id -u)" -ne 0 ] && [ -z "$ROOT" ]; then
  echo "install-pi.sh: run as root (sudo), or with --root DIR to try it in a folder" >&2
  exit 1
fi

if [ "$APT" -eq 1 ]; then
  say "system packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # python3-lgpio gives gpiozero kernel edge timestamps; the venv sees it via system site-packages.
  apt-get install -y -qq python3 python3-venv python3-pip python3-lgpio sqlite3 >/dev/null
  if [ "$KIOSK" -eq 1 ]; then apt-get install -y -qq chromium-browser unclutter >/dev/null || \
    apt-get install -y -qq chromium >/dev/null; fi
fi

say "user lapgate (group gpio)"
if [ -n "$ROOT" ]; then
  mkdir -p "$ROOT/etc"
  touch "$ROOT/etc/passwd" "$ROOT/etc/group"
  grep -q '^gpio:' "$ROOT/etc/group" || echo "gpio:x:997:" >> "$ROOT/etc/group"
  if ! grep -q '^lapgate:' "$ROOT/etc/passwd"; then
    echo "lapgate:x:996:996:lapgate race timer:/var/lib/lapgate:/usr/sbin/nologin" >> "$ROOT/etc/passwd"
    echo "lapgate:x:996:" >> "$ROOT/etc/group"
    changed+=("user lapgate")
  fi
  grep -q '^gpio:.*lapgate' "$ROOT/etc/group" || sed -i 's/^\(gpio:[^:]*:[^:]*:\)\(.*\)$/\1\2,lapgate/; s/^\(gpio:[^:]*:[^:]*:\),/\1/' "$ROOT/etc/group"
else
  getent group gpio >/dev/null || groupadd --system gpio
  if ! id lapgate >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/lapgate --shell /usr/sbin/nologin --groups gpio lapgate
    changed+=("user lapgate")
  fi
  id -nG lapgate | grep -qw gpio || usermod -aG gpio lapgate
fi

say "folders"
mkdir -p "$PREFIX" "$DATA" "$ETC"
[ -z "$ROOT" ] && chown lapgate:lapgate "$DATA"

if [ "$VENV" -eq 1 ]; then
  say "virtual environment in /opt/lapgate/venv"
  [ -x "$PREFIX/venv/bin/python" ] || python3 -m venv --system-site-packages "$PREFIX/venv"
  # The versions CI tested (requirements/constraints.txt), not whatever is newest today.
  "$PREFIX/venv/bin/python" -m pip install --quiet --upgrade \
    -c "$SOURCE/requirements/constraints.txt" "$SOURCE"
fi

say "config /etc/lapgate/lapgate.toml"
if [ ! -f "$ETC/lapgate.toml" ]; then
  cp "${INITIAL_CONFIG:-$SOURCE/config/examples/summit.toml}" "$ETC/lapgate.toml"
  sed -i 's|^data_dir = .*|data_dir = "/var/lib/lapgate"|' "$ETC/lapgate.toml"
  changed+=("$ETC/lapgate.toml")
  say "edit $ETC/lapgate.toml and set staff_password_hash (lapgate hash-password)"
fi

say "systemd unit"
put "$UNIT" "[Unit]
Description=lapgate race timer and live board
Documentation=file:///opt/lapgate/docs/raspberry-pi.md
After=network-online.target time-sync.target
Wants=network-online.target

[Service]
# READY=1 once serving; WATCHDOG=1 only while the engine answers: systemd restarts it otherwise.
Type=notify
NotifyAccess=main
WatchdogSec=30
User=lapgate
Group=lapgate
SupplementaryGroups=gpio dialout
# lgpio creates its notification pipe in the working directory: it must be writable, or
# gpiozero silently falls back to a pin factory without kernel edge timestamps.
WorkingDirectory=/var/lib/lapgate
Environment=LG_WD=/var/lib/lapgate
Environment=LAPGATE_DATA=/var/lib/lapgate
ExecStart=/opt/lapgate/venv/bin/lapgate run --config /etc/lapgate/lapgate.toml
Restart=always
RestartSec=2
# SIGTERM: decoder stopped, pins closed, sync stopped, store closed (< 5 s measured).
KillSignal=SIGTERM
TimeoutStopSec=15
# Hardening: the board writes only its data folder.
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
ReadWritePaths=/var/lib/lapgate
StandardOutput=journal
StandardError=journal
SyslogIdentifier=lapgate

[Install]
WantedBy=multi-user.target"

if [ "$KIOSK" -eq 1 ]; then
  say "kiosk autostart of the big screen"
  put "$ROOT/etc/xdg/autostart/lapgate-kiosk.desktop" "[Desktop Entry]
Type=Application
Name=lapgate big screen
Comment=The lapgate board full-screen on the HDMI output
Exec=sh -c 'until curl -fs http://127.0.0.1:$PORT/ >/dev/null; do sleep 1; done; exec chromium-browser --kiosk --noerrdialogs --disable-infobars --incognito --autoplay-policy=no-user-gesture-required --check-for-update-interval=31536000 http://127.0.0.1:$PORT/ || exec chromium --kiosk --noerrdialogs --disable-infobars --incognito --autoplay-policy=no-user-gesture-required http://127.0.0.1:$PORT/'
X-GNOME-Autostart-enabled=true"
fi

if [ "$SYSTEMD" -eq 1 ]; then
  systemctl daemon-reload
  systemctl enable lapgate.service >/dev/null
  if [ "${#changed[@]}" -gt 0 ]; then systemctl restart lapgate.service; else systemctl start lapgate.service; fi
  say "service: $(systemctl is-active lapgate.service) (logs: journalctl -u lapgate -f)"
fi

if [ "${#changed[@]}" -eq 0 ]; then
  say "nothing changed"
else
  for item in "${changed[@]}"; do say "changed: $item"; done
fi
