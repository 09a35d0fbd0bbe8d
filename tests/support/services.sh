#!/usr/bin/env bash
# Finds or starts what the tests need on a Debian machine: PostgreSQL on 127.0.0.1:5432, NATS
# with JetStream on 127.0.0.1:4222, Debian's Chromium. Installs a missing one with apt (as root,
# or through sudo). Sourced by tests/run-all.sh, so the exports below reach the tests.

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  as_root apt-get -o DPkg::Lock::Timeout=600 update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$@" >/dev/null
}
port_open() { (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

echo "==> PostgreSQL on 127.0.0.1:5432"
if ! port_open 5432; then
  command -v pg_ctlcluster >/dev/null 2>&1 || apt_install postgresql
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 30); do port_open 5432 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"

echo "==> NATS with JetStream on 127.0.0.1:4222"
if ! port_open 4222; then
  nats_bin=$(command -v nats-server || { [ -x /usr/sbin/nats-server ] && echo /usr/sbin/nats-server; } || true)
  if [ -z "$nats_bin" ]; then apt_install nats-server; nats_bin=$(command -v nats-server || echo /usr/sbin/nats-server); fi
  ssd=$(command -v start-stop-daemon || echo /sbin/start-stop-daemon)
  as_root mkdir -p /var/lib/nats-server
  as_root "$ssd" --start --oknodo --background --exec "$nats_bin" -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server
  for _ in $(seq 1 30); do port_open 4222 && break; sleep 1; done
fi
port_open 4222 && echo "nats: listening"

echo "==> Chromium for the end-to-end tests"
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$CHROMIUM_PATH" ] || apt_install chromium
"$CHROMIUM_PATH" --version
