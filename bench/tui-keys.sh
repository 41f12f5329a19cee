#!/usr/bin/env bash
# Measures how fast the dashboard answers key presses while the 1-million-job
# scenario (scenarios/pai-scale-1m.toml) is being simulated, and after, with
# its results on screen: starts `cirrus tui` in a detached tmux session with
# `--key-log`, presses keys every 150 ms (tabs, selection moves, zoom), and
# prints the median, 95th percentile and maximum response time (from reading
# the key to the end of drawing the frame that shows its effect) for the
# presses made while the simulation ran and for those after.
#
#   cargo build --release && bench/tui-keys.sh [path/to/cirrus] [presses]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin=${1:-target/release/cirrus}
presses=${2:-60}
command -v tmux >/dev/null || { echo "needs tmux (apt-get install tmux)" >&2; exit 1; }
work=$(mktemp -d)
session="cirrus-keys-$$"
keep=${KEEP_LOG:-}
trap 'tmux kill-session -t "$session" 2>/dev/null || true; rm -rf "$work"' EXIT
tmux new-session -d -s "$session" -x 120 -y 40 \
  "$bin tui scenarios/pai-scale-1m.toml --key-log $work/keys.log"
# Wait for the simulation to start.
for _ in $(seq 300); do
  tmux capture-pane -p -t "$session" | grep -q "simulating" && break
  sleep 0.1
done
keys=(Tab Tab BTab j j k 3 5 + - 2 Down Up 4 1)
: >"$work/phase"
for i in $(seq "$presses"); do
  if tmux capture-pane -p -t "$session" | grep -q "simulating"; then
    echo running >>"$work/phase"
  else
    echo done >>"$work/phase"
  fi
  tmux send-keys -t "$session" "${keys[$((i % ${#keys[@]}))]}"
  sleep 0.15
done
tmux send-keys -t "$session" q
sleep 1
[ -n "$keep" ] && cp "$work/keys.log" "$keep"
paste -d' ' "$work/phase" <(awk '{print $NF}' "$work/keys.log") |
  awk '
    NF == 2 { ms[$1] = ms[$1] " " $2; n[$1]++ }
    END {
      for (p in n) {
        split(substr(ms[p], 2), v, " ")
        m = n[p]
        for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
        med = (m % 2) ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
        p95 = v[int(0.95 * (m - 1)) + 1]
        printf "%-8s %3d presses: median %.2f ms, p95 %.2f ms, max %.2f ms\n", (p == "running" ? "while simulating" : "after"), m, med, p95, v[m]
      }
    }' | sort
