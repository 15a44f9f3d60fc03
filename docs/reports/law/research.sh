#!/bin/bash
# The fitting-choice measurements of the law report: one row of research.csv per configuration, read from stdin as
#   LAW SET TARGET BURN_IN WARMUP_AREA LAMBDA UNITS [FIX]
# (SET 2 = warmup+constant, warmup+cosine; 3 = and the two-stage run). Each fits on the fitting runs of DATA at SEEDS
# and checks the law against every held-out run of those seeds (anneal predict --check), then prints the mean and
# worst |relative error| of the final validation loss over the issue's four held-out schedules (warmup-linear,
# wsd-1sqrt, cosine to 0, step decay) and over all six, and the order agreement.
#   RUNS=/tmp/law/runs docs/reports/law/research.sh builtin "1337 1338 1339" research.csv < configs.txt
set -u
RUNS=${RUNS:-runs/law}
ANNEAL=${ANNEAL:-dotnet run --project src/Anneal.Cli -c Release --}
WORK=${WORK:-$RUNS/research}
DATA=$1; SEEDS=$2; OUT=$3
HELD="wlinear wsd1sqrt wcos0 wstep wexp wsd"
mkdir -p $WORK
runs() { for n in $1; do for s in $SEEDS; do d=$RUNS/$DATA/$n-s$s; [ -f $d/summary.json ] && echo -n "$d "; done; done; }
[ -f $OUT ] || echo "data,seeds,law,set,target,burn_in,warmup_area,lambda,units,fix,mean4,worst4,mean6,worst6,significant_pairs,agreeing_pairs,per_schedule" > $OUT
while read -r law set target burnin warmup lambda units fix; do
  [ -z "$law" ] && continue
  fitset="wconst wcos"; [ "$set" = 3 ] && fitset="wconst wcos twostage"
  extra=""; [ "$units" = raw ] && extra="--raw-lr-units"
  [ -n "${fix:-}" ] && extra="$extra --fix $fix"
  [ "$law" = tissue ] && extra="$extra --lambda $lambda"
  tag="$DATA-$law-$set-$target-$burnin-$warmup-$lambda-$units-${fix:-none}-${SEEDS// /_}"
  $ANNEAL fit $(runs "$fitset") --law $law --target $target --burn-in $burnin --warmup-area $warmup $extra --out $WORK/$tag.json < /dev/null > $WORK/$tag.fit.txt 2>&1 \
    || { echo "fit failed: $tag (see $WORK/$tag.fit.txt)" >&2; continue; }
  $ANNEAL predict $WORK/$tag.json --check $(runs "$HELD") --format json < /dev/null 2> $WORK/$tag.warn.txt > $WORK/$tag.pred.json \
    || { echo "predict failed: $tag" >&2; continue; }
  /usr/bin/python3 - $WORK/$tag.pred.json "$DATA,${SEEDS// /_},$law,$set,$target,$burnin,$warmup,$lambda,$units" "${fix:-}" >> $OUT <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["schedules"]
main = [abs(x["rel_error"]) for x in s if x["name"] in ("wlinear", "wsd1sqrt", "wcos0", "wstep")]
every = [abs(x["rel_error"]) for x in s]
per = ";".join("%s:%+.2f%%" % (x["name"], 100 * x["rel_error"]) for x in s)
print("%s,%s,%.4f,%.4f,%.4f,%.4f,%d,%d,%s" % (sys.argv[2], sys.argv[3].replace(",", ";"), sum(main) / len(main), max(main),
      sum(every) / len(every), max(every), d["significant_pairs"], d["agreeing_pairs"], per))
PY
  tail -1 $OUT
done
