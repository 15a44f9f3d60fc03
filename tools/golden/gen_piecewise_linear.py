#!/usr/bin/env python3
"""Golden values for Anneal's `piecewise_linear` schedule.

HOW TO RUN (from the repository root, with the system Python that has torch 1.13 and numpy):

    /usr/bin/python3 tools/golden/gen_piecewise_linear.py

WHAT IT PRODUCES: tests/Anneal.Tests/Golden/piecewise_linear.json, in gen_golden.py's case format (spec, lrs,
optimizer, steps, lr rows: row 0 after constructing the scheduler, row k after k calls of scheduler.step()).

PyTorch has no piecewise-linear class; two independent references are used:
  - cases whose factors are all in (0, 1]: real torch SequentialLR of one LinearLR per segment
    (LinearLR(start_factor=f_j, end_factor=f_(j+1), total_iters=s_(j+1)-s_j), milestones s_1..s_(m-1)),
    the knots starting at step 0; the script asserts it equals numpy.interp within 1e-12;
  - every other case (a factor of 0 at the start, factors above 1, a first knot after step 0): numpy.interp,
    which holds the end values outside the knots exactly as the schedule does.
"""

import json
import os
import warnings

import numpy as np
import torch
from torch.optim import lr_scheduler as L

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "tests", "Anneal.Tests", "Golden", "piecewise_linear.json")


def torch_rows(steps, factors, lrs, n):
    params = [torch.nn.Parameter(torch.zeros(1)) for _ in lrs]
    opt = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, lrs)], lr=lrs[0])
    pieces = [L.LinearLR(opt, start_factor=factors[j], end_factor=factors[j + 1], total_iters=steps[j + 1] - steps[j])
              for j in range(len(steps) - 1)]
    sched = L.SequentialLR(opt, pieces, milestones=steps[1:-1]) if len(pieces) > 1 else pieces[0]
    rows = []
    for _ in range(n + 1):
        rows.append([g["lr"] for g in opt.param_groups])
        opt.step()
        sched.step()
    return rows


def interp_rows(steps, factors, lrs, n):
    t = np.arange(n + 1, dtype=np.float64)
    f = np.interp(t, np.array(steps, dtype=np.float64), np.array(factors, dtype=np.float64))
    return [[float(lr * v) for lr in lrs] for v in f]


def case(name, steps, factors, n, lrs=(0.1,)):
    lrs = list(lrs)
    ref = interp_rows(steps, factors, lrs, n)
    if steps[0] == 0 and all(0 < f <= 1 for f in factors[:-1]) and 0 <= factors[-1] <= 1:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rows = torch_rows(steps, factors, lrs, n)
        assert np.allclose(rows, ref, rtol=1e-12, atol=1e-18), name
        source = "torch SequentialLR of LinearLR"
    else:
        rows = ref
        source = "numpy.interp"
    return {"name": name, "source": source, "spec": {"type": "piecewise_linear", "steps": steps, "factors": factors},
            "lrs": lrs, "optimizer": "sgd", "momentum": 0.0, "steps": n, "lr": rows}


def main():
    cases = [
        case("piecewise_linear/warmup_hold_decay/torch", [0, 5, 12, 20, 30], [0.1, 1.0, 1.0, 0.5, 0.05], 36),
        case("piecewise_linear/two_groups/torch", [0, 7, 19], [1.0, 0.3, 0.01], 25, lrs=(0.1, 0.02)),
        case("piecewise_linear/cooldown_to_zero/torch", [0, 10, 16], [1.0, 1.0, 0.0], 20),
        case("piecewise_linear/warmup_from_zero/interp", [0, 4, 10, 14], [0.0, 1.0, 1.0, 0.0], 18),
        case("piecewise_linear/first_knot_late_factor_above_1/interp", [3, 8, 9, 15], [0.5, 2.0, 1.5, 0.25], 20),
        case("piecewise_linear/one_knot/interp", [6], [0.7], 10),
    ]
    doc = {"generator": "tools/golden/gen_piecewise_linear.py", "torch_version": torch.__version__,
           "numpy_version": np.__version__, "cases": cases}
    lines = ["{"]
    for k in ("generator", "torch_version", "numpy_version"):
        lines.append("  %s: %s," % (json.dumps(k), json.dumps(doc[k])))
    lines.append('  "cases": [')
    body = []
    for c in cases:
        fields = []
        for k, v in c.items():
            if k == "lr":
                rows = ",\n".join("        " + json.dumps(r) for r in v)
                fields.append('      "lr": [\n%s\n      ]' % rows)
            else:
                fields.append("      %s: %s" % (json.dumps(k), json.dumps(v, separators=(", ", ": "))))
        body.append("    {\n" + ",\n".join(fields) + "\n    }")
    lines.append(",\n".join(body))
    lines.append("  ]\n}\n")
    text = "\n".join(lines)
    assert json.loads(text) == json.loads(json.dumps(doc))
    with open(OUT, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    print("wrote %s: %d cases" % (os.path.relpath(OUT, ROOT), len(cases)))


if __name__ == "__main__":
    main()
