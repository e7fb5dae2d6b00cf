#!/bin/sh
# Installs the Debian packages the tests drive, when missing: the reference HAProxy, socat and
# hatop (runtime API), Chromium (the page), the Prometheus exporter and netdata's collector
# (scrapers of the page), etcd (fleet), tmux (hatop), systemd-analyze (the unit file), tzdata
# (local-time log dates).
# With `bench` as first argument: nginx, wrk and haproxy for `npm run bench` instead.
# Needs root for apt-get; without it, prints what is missing and goes on.
set -e
missing=""
need() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }
if [ "${1:-}" = bench ]; then
  need nginx nginx-light
  need wrk wrk
  need haproxy haproxy
  need taskset util-linux
else
  need haproxy haproxy
  need socat socat
  need curl curl
  need chromium chromium
  need hatop hatop
  need prometheus-haproxy-exporter prometheus-haproxy-exporter
  need etcd etcd-server
  need tmux tmux
  need systemd-analyze systemd
  [ -x /usr/lib/netdata/plugins.d/python.d.plugin ] || missing="$missing netdata-plugins-python"
  [ -f /usr/share/zoneinfo/America/New_York ] || missing="$missing tzdata"
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
    echo "warning: missing Debian packages:$missing (run as root or: sudo apt-get install$missing)" >&2
fi
