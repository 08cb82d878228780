#!/usr/bin/env bash
# The README's test command: installs the Debian packages the real-server tests need when it can (as root, or
# through password-less sudo), names exactly what it could not install, then runs every test with real servers
# required (-Dhakit.requireServers=true: a test whose server is missing fails, it is never skipped) and finally
# the failover tour's short form, checking its "0 lost / 0 failures" lines.
#
#   ./build/test.sh                 everything
#   ./build/test.sh pkg ...         also install these packages (.ci/run passes its own list)
#   HAKIT_TOUR=off ./build/test.sh  the Maven suite only
#   HAKIT_MVN_ARGS="-o" ./build/test.sh   extra Maven arguments
set -euo pipefail
cd "$(dirname "$0")/.."

# one line per package: "<package> <how to tell it is there>"
checks=(
  "rabbitmq-server  test -x /usr/lib/rabbitmq/bin/rabbitmq-server"
  "nginx-light      test -x /usr/sbin/nginx"
  "haproxy          test -x /usr/sbin/haproxy"
  "openssl          command -v openssl"
  "chromium         command -v chromium"
  "chromium-driver  command -v chromedriver"
  "iptables         test -x /usr/sbin/iptables"
  "iproute2         test -x /usr/sbin/ip -o -x /sbin/ip"
  "procps           command -v ps"
  "maven            command -v mvn"
)

missing() {
  local line pkg check out=()
  for line in "${checks[@]}"; do
    pkg=${line%% *}
    check=${line#* }
    eval "$check" >/dev/null 2>&1 || out+=("$pkg")
  done
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || out+=("$pkg")
  done
  [ ${#out[@]} -eq 0 ] || printf '%s\n' "${out[@]}" | sort -u | tr '\n' ' '
}

need=$(missing "$@")
if [ -n "$need" ]; then
  if [ "$(id -u)" = 0 ]; then
    sudo=""
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
  else
    sudo=none
  fi
  if [ "$sudo" != none ]; then
    echo "test.sh: installing $need"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq || echo "test.sh: apt-get update failed" >&2
    # shellcheck disable=SC2086
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need \
      || echo "test.sh: apt-get install failed" >&2
  else
    echo "test.sh: not root and no password-less sudo: cannot install $need" >&2
  fi
  still=$(missing "$@")
  if [ -n "$still" ]; then
    echo "test.sh: COULD NOT INSTALL: $still" >&2
    echo "test.sh: the tests that need them will fail (-Dhakit.requireServers=true); install them with" >&2
    echo "         apt-get install $still" >&2
  fi
fi
export PATH="$PATH:/usr/sbin:/sbin:/usr/lib/rabbitmq/bin"

# shellcheck disable=SC2086
mvn -B -ntp ${HAKIT_MVN_ARGS:-} verify -Dhakit.requireServers=true

if [ "${HAKIT_TOUR:-on}" != off ]; then
  log=$(mktemp -t hakit-tour.XXXXXX)
  # the README's first command, short form; it exits non-zero when hakit failed a call or lost a message
  # shellcheck disable=SC2086
  mvn -B -q -ntp ${HAKIT_MVN_ARGS:-} -DskipTests -Pdemo -pl examples/failover-tour -am verify \
    -Dtour.args="--short --require-all" | tee "$log"
  total=$(grep -c '^RESULT ' "$log" || true)
  ok=$(grep -cE '^RESULT .* hakit: (0|-) lost / 0 failures' "$log" || true)
  if [ "$total" -lt 5 ] || [ "$ok" != "$total" ]; then
    echo "test.sh: the failover tour printed $total RESULT lines (5 expected), $ok with 'hakit: 0 lost / 0 failures'" >&2
    exit 1
  fi
  rm -f "$log"
  echo "test.sh: failover tour: hakit lost nothing and failed no call in all $total scenarios"
fi
