#!/usr/bin/env bash
# install-deps.sh - install every package the build and the tests need.
# Runs as root on a fresh Debian machine (CI) or a developer's box.
# Postfix is installed for the interop test without starting the system
# instance (policy-rc.d), as ../shared/interop.md describes. swaks needs
# Net::SSLeay for STARTTLS, which is only a Recommends of the package.
# clang and libclang-rt-14-dev (libFuzzer, bookworm) build the fuzz stage.
# tshark decodes the captures --pcap writes; headless chromium renders the
# HTML report in its test.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
echo "postfix postfix/main_mailer_type select Local only" | $SUDO debconf-set-selections
echo "postfix postfix/mailname string test.localdomain" | $SUDO debconf-set-selections
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
$SUDO chmod 755 /usr/sbin/policy-rc.d
trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
$SUDO apt-get update -qq
$SUDO apt-get install -y -q --no-install-recommends \
	build-essential cmake pkg-config \
	clang libclang-rt-14-dev \
	libssl-dev libpcap-dev libcunit1-dev \
	libxml2-utils python3 \
	postfix openssl \
	curl swaks libnet-ssleay-perl \
	tshark chromium
