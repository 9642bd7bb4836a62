#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs what tanzhen needs to build, run the demo and run every test on Debian 12.
# Quick when everything is already there: it asks dpkg first and calls apt-get only for
# what is missing. Must run as root (or with sudo available).
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libpcap-dev libndpi-dev libndpi-bin libzmq3-dev libczmq-dev libsodium-dev
  librdkafka-dev libsqlite3-dev sqlite3 libmicrohttpd-dev libjansson-dev libyaml-dev
  libcriterion-dev
  tshark kcat tcpdump curl
  libmodbus-dev python3-jsonschema python3-zmq
  python3-pymodbus python3-serial-asyncio mbpoll time python3-scapy
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root (missing: ${missing[*]})" >&2; exit 1; }
  SUDO=sudo
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
