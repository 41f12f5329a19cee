#!/bin/bash
# kill -9 `cirrus simulate SCENARIO --out DIR` at random moments, over a
# previous set, and check after each kill that DIR holds one complete set
# (every file equal to the old set's or every file equal to the new one's);
# finally, that a complete run leaves no temporary file behind.
#
#   tests/scripts/kill9-output-sets.sh [SCENARIO] [RUNS] [MAX_DELAY_S]
#
# Defaults: scenarios/pai-scale-1m.toml, 50 runs, 30 s (about twice one
# run's length on a 2-core machine: some runs are killed while committing,
# some finish). C names the binary (target/release/cirrus).
# Seeds 1 and 2 alternate, so the old and the new set differ.
set -u
C=${C:-target/release/cirrus}
S=${1:-scenarios/pai-scale-1m.toml}
RUNS=${2:-50}
MAX=${3:-30}
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
"$C" simulate "$S" --out "$D/A" --seed 1 >/dev/null || exit 1
"$C" simulate "$S" --out "$D/B" --seed 2 >/dev/null || exit 1
cp -r "$D/A" "$D/out"
same_as() { # set-dir: every file of it equal in out, and out has no other file
    local ref=$1 f
    [ "$(cd "$D/out" && ls | sort)" = "$(cd "$ref" && ls | sort)" ] || return 1
    for f in "$ref"/*; do cmp -s "$f" "$D/out/$(basename "$f")" || return 1; done
}
old=0 new=0 bad=0 temps_max=0 prev=A
for i in $(seq 1 "$RUNS"); do
    seed=$(( i % 2 + 1 ))
    delay=$(awk -v m="$MAX" -v r="$RANDOM" 'BEGIN { printf "%.2f", m * r / 32767 }')
    "$C" simulate "$S" --out "$D/out" --seed "$seed" >/dev/null 2>&1 &
    pid=$!
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    temps=$(ls -A "$D/out" | grep -c '^\.cirrus-tmp')
    [ "$temps" -gt "$temps_max" ] && temps_max=$temps
    if same_as "$D/A"; then state=A; elif same_as "$D/B"; then state=B; else state=MIXED; fi
    want=$([ "$seed" = 1 ] && echo A || echo B)
    if [ "$state" = MIXED ]; then
        bad=$((bad + 1)); ls -lA "$D/out"
    elif [ "$state" = "$want" ] && [ "$state" != "$prev" ]; then
        new=$((new + 1))
    elif [ "$state" = "$prev" ]; then
        old=$((old + 1))
    fi
    [ "$state" != MIXED ] && prev=$state
    echo "run $i: seed $seed, killed after ${delay}s: set $state, $temps temporary entries"
done
"$C" simulate "$S" --out "$D/out" --seed 1 >/dev/null || exit 1
left=$(ls -A "$D/out" | grep -c '^\.cirrus-tmp')
same_as "$D/A" && final=complete || final=INCOMPLETE
echo "summary: $RUNS kills: $old left the old set, $new the new set, $bad a mixed one; at most $temps_max temporary entries after a kill; after one more run: set $final, $left temporary entries left"
[ "$bad" = 0 ] && [ "$left" = 0 ] && [ "$final" = complete ]
