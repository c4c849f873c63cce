#!/usr/bin/env bash
# Installs the services that tests start themselves on loopback (Redis), from Debian packages.
# Nothing is started here and nothing listens beyond the tests' lifetime.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
# The package's own service start is refused in containers (no init); the tests do not need it.
$SUDO apt-get install -y --no-install-recommends redis-server >/dev/null 2>&1 ||
  { $SUDO apt-get update -qq && $SUDO apt-get install -y --no-install-recommends redis-server >/dev/null; }
redis-server --version
