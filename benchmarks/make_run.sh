#!/usr/bin/env bash
# Time `make run` as a user meets it, then press Ctrl-C and look for leftovers.
#
# Usage: benchmarks/make_run.sh [LABEL] [TARGET]   (from the repository's root, e.g. a fresh clone;
# TARGET: run by default, or up to start the servers on data already materialised)
#
# Starts `make run` in its own session (ports 3917, 3001, 5001), polls the service's /readyz,
# the explainer page (/ui/), Dagster's /server_info and MLflow's /health every second and prints
# the seconds after which each answered 200; prints the Dagster daemon's process; then sends Ctrl-C (SIGINT) to the
# session and, 15 s later, prints any port still listening and any process left in it.
label=${1:-make-run}
target=${2:-run}  # `up` times the servers alone, on data already materialised
log=/tmp/$label.log
start=$(date +%s.%N)
setsid make "$target" PORT=3917 DAGSTER_PORT=3001 MLFLOW_PORT=5001 >"$log" 2>&1 &
session=$!
declare -A seen
urls=(http://127.0.0.1:3917/readyz http://127.0.0.1:3917/ui/ http://127.0.0.1:3001/server_info
  http://127.0.0.1:5001/health)
for _ in $(seq 1 1800); do
  for url in "${urls[@]}"; do
    if [ -z "${seen[$url]:-}" ] && [ "$(curl -s --max-time 1 -o /dev/null -w '%{http_code}' "$url")" = 200 ]; then
      seen[$url]=$(echo "$(date +%s.%N) - $start" | bc)
      echo "$label: $url answered 200 after ${seen[$url]} s"
    fi
  done
  [ "${#seen[@]}" = "${#urls[@]}" ] && break
  sleep 1
done
pgrep -af "dagster._daemon" | cut -c1-80 | sed "s/^/$label daemon: /"
echo "$label: Ctrl-C (make run's log: $log)"
kill -INT -"$session"
sleep 15
echo "$label: listening after Ctrl-C:"
ss -ltn | grep -E ":(3917|3001|5001) " || echo "  none"
echo "$label: processes left in the session:"
ps -eo pid,sid,stat,cmd | awk -v s="$session" '$2 == s && $3 !~ /Z/' || true
