#!/usr/bin/env bash
# The check before submitting (issue 14): the README's test command, build/test.sh, run N times in a row (default 3)
# while one CPU-bound loop per CPU runs beside it; a test that fails only under load is a bug in the test or the
# code. The loops are stopped by PID, also when a run fails or the script is interrupted.
#
#   ./build/test-under-load.sh          three runs in a row
#   ./build/test-under-load.sh 1        one run
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
case "$runs" in ''|*[!0-9]*) echo "test-under-load.sh: runs must be a number, got '$runs'" >&2; exit 2;; esac

pids=()
stop_loops() { [ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null; }
trap stop_loops EXIT INT TERM
for _ in $(seq "$(nproc)"); do
  ( while :; do :; done ) &
  pids+=($!)
done

for i in $(seq "$runs"); do
  start=$(date +%s)
  if ./build/test.sh; then
    echo "test-under-load.sh: run $i of $runs passed in $(( $(date +%s) - start )) s beside ${#pids[@]} busy loops"
  else
    echo "test-under-load.sh: run $i of $runs FAILED after $(( $(date +%s) - start )) s" >&2
    exit 1
  fi
done
