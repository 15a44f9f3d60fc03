#!/usr/bin/env python3
"""Golden values for Anneal's recipe readers (ScheduleSpec.FromHuggingFaceArgs / FromNanoGptConfig).

HOW TO RUN (from the repository root, with the system Python that has torch 1.13):

    /usr/bin/python3 tools/golden/gen_recipes.py      # rewrites tests/Anneal.Tests/Golden/recipes.json

Each case holds the input (a TrainingArguments JSON object, or nanoGPT's train.py globals) and what the upstream
trainer does with it, transcribed here because neither transformers nor nanoGPT is installable:

- Hugging Face: the step count of Trainer (max_steps if > 0, else ceil(num_train_epochs * steps_per_epoch)), the
  warmup of TrainingArguments.get_warmup_steps (transformers 4.x: warmup_steps if > 0 else
  ceil(N * warmup_ratio); transformers 5: int(warmup_steps) if >= 1 else ceil(N * warmup_steps)), the arguments
  get_scheduler passes to each type, and the lr_lambda formulas of gen_golden.py driven by real
  torch.optim.lr_scheduler.LambdaLR. Rows 0..N: the learning rate after k scheduler steps.
- nanoGPT: train.py's get_lr(it) (warmup learning_rate * (it + 1) / (warmup_iters + 1), cosine to min_lr until
  lr_decay_iters, then min_lr; learning_rate when decay_lr is False), set into a real torch optimizer's param_groups
  as train.py does, for it = 0..max_iters + 1 (the loop runs it = 0..max_iters).
"""

import json
import math
import os
import sys

import torch
from torch.optim import lr_scheduler as L

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_golden import hf_lambda, _inline  # noqa: E402  (the transcribed transformers formulas)

GENERATOR = "tools/golden/gen_recipes.py"
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "tests", "Anneal.Tests", "Golden", "recipes.json")


def optimizer(lr):
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    p.grad = torch.zeros_like(p)
    return torch.optim.SGD([p], lr=lr)


# ----------------------------------------------------------------------------------------------- Hugging Face
HF_DEFAULTS = {"learning_rate": 5e-5, "lr_scheduler_type": "linear", "lr_scheduler_kwargs": {}, "warmup_ratio": 0.0,
               "warmup_steps": 0, "max_steps": -1, "num_train_epochs": 3.0}


def hf_case(name, args, steps_per_epoch=None):
    a = dict(HF_DEFAULTS)
    a.update(args)
    kwargs = a["lr_scheduler_kwargs"]
    if isinstance(kwargs, str):
        kwargs = json.loads(kwargs) if kwargs.strip() else {}
    # Trainer._inner_training_loop
    if a["max_steps"] > 0:
        n = a["max_steps"]
    else:
        n = math.ceil(a["num_train_epochs"] * steps_per_epoch)
    # TrainingArguments.get_warmup_steps (4.x for integers and warmup_ratio, 5.x for a fractional warmup_steps)
    ws = a["warmup_steps"]
    if ws >= 1:
        w = int(ws)
    elif ws > 0:
        w = math.ceil(n * ws)
    else:
        w = math.ceil(n * a["warmup_ratio"])
    # get_scheduler: which arguments each type receives
    t = a["lr_scheduler_type"]
    spec = {"type": t}
    if t not in ("constant", "reduce_lr_on_plateau"):
        spec["num_warmup_steps"] = w
        if t not in ("constant_with_warmup", "inverse_sqrt"):
            spec["num_training_steps"] = n
    spec.update(kwargs)
    opt = optimizer(a["learning_rate"])
    sched = L.LambdaLR(opt, hf_lambda(spec, opt))
    rows = [opt.param_groups[0]["lr"]]
    for _ in range(n):
        opt.step()
        sched.step()
        rows.append(opt.param_groups[0]["lr"])
    c = {"name": name, "kind": "huggingface", "args": args}
    if steps_per_epoch is not None:
        c["steps_per_epoch"] = steps_per_epoch
    c.update({"learning_rate": a["learning_rate"], "training_steps": n,
              "warmup_steps": w if t not in ("constant", "reduce_lr_on_plateau") else 0, "lr": rows})
    return c


# ----------------------------------------------------------------------------------------------------- nanoGPT
NANO_DEFAULTS = {"learning_rate": 6e-4, "max_iters": 600000, "decay_lr": True, "warmup_iters": 2000,
                 "lr_decay_iters": 600000, "min_lr": 6e-5}


def nano_case(name, config):
    c = dict(NANO_DEFAULTS)
    c.update(config)
    learning_rate, warmup_iters, lr_decay_iters, min_lr = c["learning_rate"], c["warmup_iters"], c["lr_decay_iters"], c["min_lr"]

    def get_lr(it):  # train.py
        if it < warmup_iters:
            return learning_rate * (it + 1) / (warmup_iters + 1)
        if it > lr_decay_iters:
            return min_lr
        decay_ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
        assert 0 <= decay_ratio <= 1
        coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
        return min_lr + coeff * (learning_rate - min_lr)

    opt = optimizer(learning_rate)
    rows = []
    for it in range(c["max_iters"] + 2):
        lr = get_lr(it) if c["decay_lr"] else learning_rate
        for g in opt.param_groups:
            g["lr"] = lr
        rows.append(opt.param_groups[0]["lr"])
    return {"name": name, "kind": "nanogpt", "args": config, "learning_rate": learning_rate,
            "training_steps": c["max_iters"] + 1, "warmup_steps": warmup_iters if c["decay_lr"] else 0, "lr": rows}


def cases():
    C = []
    # The recipe of the issue: --lr_scheduler_type cosine --warmup_ratio 0.03 --learning_rate 2e-5 --max_steps 1000
    C.append(hf_case("hf/cosine/warmup_ratio_0.03/max_steps_1000",
                     {"learning_rate": 2e-5, "lr_scheduler_type": "cosine", "warmup_ratio": 0.03, "max_steps": 1000}))
    C.append(hf_case("hf/defaults/linear/3_epochs_of_25", {}, steps_per_epoch=25))
    C.append(hf_case("hf/linear/fractional_epochs_ceil", {"num_train_epochs": 0.3, "warmup_ratio": 0.1}, steps_per_epoch=10))
    C.append(hf_case("hf/linear/max_steps_wins_over_epochs", {"max_steps": 40, "num_train_epochs": 7, "warmup_steps": 5}, steps_per_epoch=1000))
    C.append(hf_case("hf/cosine/warmup_steps_wins_over_ratio", {"learning_rate": 1e-4, "lr_scheduler_type": "cosine",
                                                                "warmup_steps": 7, "warmup_ratio": 0.5, "max_steps": 60}))
    C.append(hf_case("hf/cosine/transformers5_fractional_warmup_steps", {"learning_rate": 3e-4, "lr_scheduler_type": "cosine",
                                                                         "warmup_steps": 0.05, "max_steps": 130}))
    C.append(hf_case("hf/cosine/kwargs_num_cycles", {"lr_scheduler_type": "cosine", "lr_scheduler_kwargs": {"num_cycles": 1.5},
                                                     "warmup_ratio": 0.1, "max_steps": 50}))
    C.append(hf_case("hf/cosine_with_min_lr/kwargs_as_string", {"learning_rate": 1e-3, "lr_scheduler_type": "cosine_with_min_lr",
                                                                "lr_scheduler_kwargs": "{\"min_lr_rate\": 0.1}",
                                                                "warmup_ratio": 0.05, "max_steps": 80}))
    C.append(hf_case("hf/cosine_with_min_lr/min_lr", {"learning_rate": 1e-3, "lr_scheduler_type": "cosine_with_min_lr",
                                                      "lr_scheduler_kwargs": {"min_lr": 1e-5}, "warmup_steps": 4, "max_steps": 40}))
    C.append(hf_case("hf/cosine_warmup_with_min_lr", {"learning_rate": 1e-3, "lr_scheduler_type": "cosine_warmup_with_min_lr",
                                                      "lr_scheduler_kwargs": {"min_lr_rate": 0.05}, "warmup_steps": 6, "max_steps": 40}))
    C.append(hf_case("hf/cosine_with_restarts", {"lr_scheduler_type": "cosine_with_restarts", "lr_scheduler_kwargs": {"num_cycles": 3},
                                                 "warmup_steps": 3, "max_steps": 45}))
    C.append(hf_case("hf/polynomial", {"learning_rate": 1e-3, "lr_scheduler_type": "polynomial",
                                       "lr_scheduler_kwargs": {"power": 2.0, "lr_end": 1e-5}, "warmup_ratio": 0.1, "max_steps": 40}))
    C.append(hf_case("hf/constant_ignores_warmup", {"learning_rate": 1e-3, "lr_scheduler_type": "constant", "warmup_steps": 5, "max_steps": 10}))
    C.append(hf_case("hf/constant_with_warmup", {"learning_rate": 1e-3, "lr_scheduler_type": "constant_with_warmup",
                                                 "warmup_ratio": 0.2, "max_steps": 25}))
    C.append(hf_case("hf/inverse_sqrt", {"learning_rate": 1e-3, "lr_scheduler_type": "inverse_sqrt", "warmup_steps": 10, "max_steps": 60}))
    C.append(hf_case("hf/warmup_stable_decay", {"learning_rate": 1e-3, "lr_scheduler_type": "warmup_stable_decay",
                                                "lr_scheduler_kwargs": {"num_decay_steps": 20, "decay_type": "1-sqrt", "min_lr_ratio": 0.1},
                                                "warmup_ratio": 0.05, "max_steps": 100}))
    # nanoGPT: the Shakespeare-char config, the GPT-2 defaults (shortened by a small max_iters), and edge cases.
    C.append(nano_case("nanogpt/shakespeare_char", {"learning_rate": 1e-3, "max_iters": 5000, "lr_decay_iters": 5000,
                                                    "min_lr": 1e-4, "warmup_iters": 100, "batch_size": 64, "block_size": 256}))
    C.append(nano_case("nanogpt/defaults_first_2500_iters", {"max_iters": 2500}))
    C.append(nano_case("nanogpt/decay_past_max_iters", {"learning_rate": 6e-4, "max_iters": 300, "lr_decay_iters": 200,
                                                        "warmup_iters": 20, "min_lr": 6e-5}))
    C.append(nano_case("nanogpt/no_warmup", {"learning_rate": 1e-3, "max_iters": 50, "lr_decay_iters": 40, "warmup_iters": 0, "min_lr": 0.0}))
    C.append(nano_case("nanogpt/decay_before_warmup_end", {"learning_rate": 1e-3, "max_iters": 30, "lr_decay_iters": 5, "warmup_iters": 10, "min_lr": 1e-4}))
    C.append(nano_case("nanogpt/min_lr_above_learning_rate", {"learning_rate": 1e-4, "max_iters": 30, "lr_decay_iters": 25, "warmup_iters": 5, "min_lr": 3e-4}))
    C.append(nano_case("nanogpt/decay_lr_false", {"learning_rate": 5e-4, "max_iters": 20, "decay_lr": False, "warmup_iters": 5}))
    return C


def main():
    results = cases()
    names = [c["name"] for c in results]
    assert len(names) == len(set(names)), "duplicate case names"
    lines = []
    for c in results:
        fields = ",\n".join("      %s: %s" % (json.dumps(k), _inline(v)) for k, v in c.items())
        lines.append("    {\n" + fields + "\n    }")
    text = ('{\n  "generator": %s,\n  "torch_version": %s,\n  "cases": [\n' % (json.dumps(GENERATOR), json.dumps(torch.__version__))
            + ",\n".join(lines) + "\n  ]\n}\n")
    json.loads(text)
    with open(OUT, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    print("%s: %d cases, %d bytes" % (OUT, len(results), os.path.getsize(OUT)))


if __name__ == "__main__":
    main()
