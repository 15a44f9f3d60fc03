#!/bin/bash
# The training runs of the law report: 9 schedules x 3 seeds on the built-in corpus and on Tiny Shakespeare, the
# compare model (width 128, 600 steps of 16 x 64 tokens, AdamW at a peak of 3e-3, warmup 30 steps = 5%), evaluated
# every 10 steps. Finished runs are skipped, so running it again continues.
#   RUNS=/tmp/law/runs ANNEAL="dotnet run --project src/Anneal.Cli -c Release --" docs/reports/law/train.sh
# OMP_NUM_THREADS=1: on a shared 2-core machine libtorch's two spinning threads made a step 10x slower than one thread.
set -u
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
RUNS=${RUNS:-runs/law}
ANNEAL=${ANNEAL:-dotnet run --project src/Anneal.Cli -c Release --}
SHAKESPEARE=${SHAKESPEARE:-/work/shared/data/tinyshakespeare.txt}
declare -A S
S[wconst]='{"type":"constant_with_warmup","num_warmup_steps":30}'                                   # fit: warmup + constant
S[wcos]='warmup-cosine'                                                                              # fit: warmup + cosine to 10%
S[twostage]='{"type":"warmup","num_warmup_steps":30,"schedule":{"type":"MultiStepLR","milestones":[270],"gamma":0.1}}'  # fit: x0.1 at step 300
S[wlinear]='warmup-linear'                                                                           # held out: linear to 0
S[wsd1sqrt]='wsd-1sqrt'                                                                              # held out: WSD, 1-sqrt over the last 20%
S[wcos0]='{"type":"cosine","num_warmup_steps":30,"num_training_steps":600}'                          # held out: cosine to 0
S[wstep]='{"type":"warmup","num_warmup_steps":30,"schedule":{"type":"MultiStepLR","milestones":[170,370],"gamma":0.3}}'  # held out: x0.3 at 200, 400
S[wexp]='{"type":"warmup","num_warmup_steps":30,"schedule":{"type":"ExponentialLR","gamma":0.9919533}}'                # held out: exponential to 1%
S[wsd]='wsd'                                                                                  # held out: WSD, cosine cooldown over the last 20% (the wsd preset)
for data in builtin shakespeare; do
  for seed in 1337 1338 1339; do
    for name in wconst wcos twostage wlinear wsd1sqrt wcos0 wstep wexp wsd; do
      dir=$RUNS/$data/$name-s$seed
      [ -f $dir/summary.json ] && continue
      rm -rf $dir; mkdir -p $RUNS/$data
      extra=""; [ $data = shakespeare ] && extra="--data $SHAKESPEARE"
      $ANNEAL train --schedule "${S[$name]}" --dim 128 --steps 600 --eval-every 10 --checkpoint-every 0 --seed $seed $extra --out $dir > $dir.log 2>&1 \
        || echo "failed: $dir (see $dir.log); run again to retry"
    done
  done
done
