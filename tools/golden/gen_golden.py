#!/usr/bin/env python3
"""Golden-value generator for Anneal's schedule tests.

HOW TO RUN (from the repository root, with the system Python that has torch 1.13):

    /usr/bin/python3 tools/golden/gen_golden.py            # rewrite both JSON files
    /usr/bin/python3 tools/golden/gen_golden.py --facts    # also print the PyTorch behaviour probes

WHAT IT PRODUCES (deterministically; same torch => byte-identical files):

    tests/Anneal.Tests/Golden/pytorch.json      real torch.optim.lr_scheduler classes
    tests/Anneal.Tests/Golden/huggingface.json  transformers' lr_lambda formulas (re-implemented
                                                here, transformers is not installable) driven by
                                                real torch.optim.lr_scheduler.LambdaLR

Every case holds a schedule spec in Anneal's JSON format (PyTorch / HF argument names), the
optimizer set-up, and the learning rate (and cycled momentum / Adam beta1) of every parameter
group read from optimizer.param_groups right after constructing the scheduler (row 0) and after
each of `steps` calls of scheduler.step() (row k). optimizer.step() is called before each
scheduler.step(), with zero gradients, so parameters never move and nothing warns.
See tools/golden/README.md for the file format, lambda keys and tolerances.
"""

import json
import math
import os
import re
import sys
import warnings

import torch
from torch.optim import lr_scheduler as L

GENERATOR = "tools/golden/gen_golden.py"
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT_DIR = os.path.join(ROOT, "tests", "Anneal.Tests", "Golden")

# ---------------------------------------------------------------------------------------------
# Lambda keys for LambdaLR / MultiplicativeLR cases (the C# tests map each key to the same
# function). `epoch` is the scheduler's last_epoch (an int).
# ---------------------------------------------------------------------------------------------
LAMBDAS = {
    "exp095": lambda epoch: 0.95 ** epoch,
    "inv_sqrt_plus1": lambda epoch: 1.0 / math.sqrt(epoch + 1),
    "warmup10": lambda epoch: min(1.0, (epoch + 1) / 10),
    "const09": lambda epoch: 0.9,
    "zero": lambda epoch: 0.0,
}


# ---------------------------------------------------------------------------------------------
# Hugging Face transformers lr_lambda formulas (src/transformers/optimization.py, v4.5x / main).
# Written to evaluate the floating-point operations in the same order as transformers does.
# ---------------------------------------------------------------------------------------------
def _hf_warmup(step, w):
    return float(step) / float(max(1, w))


def hf_lambda(spec, optimizer):
    """Return the lr_lambda transformers' get_scheduler(name, optimizer, **kwargs) would build."""
    s = dict(spec)
    t = s.pop("type")
    lr_default = optimizer.defaults["lr"]

    if t == "constant":
        assert not s, s
        return lambda step: 1

    W = s.pop("num_warmup_steps")

    if t == "constant_with_warmup":
        assert not s, s
        return lambda step: float(step) / float(max(1.0, W)) if step < W else 1.0

    if t == "inverse_sqrt":
        timescale = s.pop("timescale", None)
        assert not s, s
        if timescale is None:
            timescale = W or 10_000

        def f(step):
            if step < W:
                return _hf_warmup(step, W)
            shift = timescale - W
            return 1.0 / math.sqrt((step + shift) / timescale)

        return f

    if t == "warmup_stable_decay":
        D = s.pop("num_decay_steps")
        T = s.pop("num_training_steps", None)
        S = s.pop("num_stable_steps", None)
        warmup_type = s.pop("warmup_type", "linear")
        decay_type = s.pop("decay_type", "cosine")
        r = s.pop("min_lr_ratio", 0)
        num_cycles = s.pop("num_cycles", 0.5)
        assert not s, s
        if T is None and S is None:
            raise ValueError("Either num_training_steps or num_stable_steps must be specified.")
        assert warmup_type in ("linear", "cosine", "1-sqrt") and decay_type in ("linear", "cosine", "1-sqrt")
        if S is None:  # num_stable_steps wins when both are given
            S = T - W - D

        def f(step):
            if step < W:
                p = float(step) / float(max(1, W))
                if warmup_type == "linear":
                    g = p
                elif warmup_type == "cosine":
                    g = 0.5 * (1.0 - math.cos(math.pi * p))
                else:
                    g = 1.0 - math.sqrt(1.0 - p)
                return max(0.0, g * (1.0 - r) + r)
            if step < W + S:
                return 1.0
            if step < W + S + D:
                p = float(step - W - S) / float(max(1, D))
                if decay_type == "linear":
                    g = 1.0 - p
                elif decay_type == "cosine":
                    g = 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * p))
                else:
                    g = 1.0 - math.sqrt(p)
                return max(0.0, g * (1.0 - r) + r)
            return r

        return f

    T = s.pop("num_training_steps")

    if t == "linear":
        assert not s, s

        def f(step):
            if step < W:
                return _hf_warmup(step, W)
            return max(0.0, float(T - step) / float(max(1, T - W)))

        return f

    if t in ("cosine", "cosine_with_min_lr"):
        num_cycles = s.pop("num_cycles", 0.5)
        if t == "cosine":
            rate = 0.0
        else:
            min_lr = s.pop("min_lr", None)
            rate = s.pop("min_lr_rate", None)
            if min_lr is not None and rate is not None:
                raise ValueError("Only one of min_lr or min_lr_rate should be set")
            if min_lr is not None:
                rate = min_lr / lr_default  # HF: optimizer.defaults["lr"], for every group
            elif rate is None:
                raise ValueError("One of min_lr or min_lr_rate should be set")
        assert not s, s

        def f(step):
            if step < W:
                return _hf_warmup(step, W)
            progress = float(step - W) / float(max(1, T - W))
            g = 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress))
            g = g * (1 - rate) + rate
            return max(0, g)

        return f

    if t == "cosine_with_restarts":
        num_cycles = s.pop("num_cycles", 1)
        assert not s, s

        def f(step):
            if step < W:
                return _hf_warmup(step, W)
            progress = float(step - W) / float(max(1, T - W))
            if progress >= 1.0:
                return 0.0
            return max(0.0, 0.5 * (1.0 + math.cos(math.pi * ((float(num_cycles) * progress) % 1.0))))

        return f

    if t == "polynomial":
        lr_end = s.pop("lr_end", 1e-7)
        power = s.pop("power", 1.0)
        assert not s, s
        lr_init = lr_default  # HF: optimizer.defaults["lr"], for every group
        if not (lr_init > lr_end):
            raise ValueError("lr_end must be smaller than initial lr")

        def f(step):
            if step < W:
                return _hf_warmup(step, W)
            if step > T:
                return lr_end / lr_init
            lr_range = lr_init - lr_end
            decay_steps = T - W
            pct_remaining = 1 - (step - W) / decay_steps
            decay = lr_range * pct_remaining ** power + lr_end
            return decay / lr_init

        return f

    if t == "cosine_warmup_with_min_lr":
        num_cycles = s.pop("num_cycles", 0.5)
        min_lr = s.pop("min_lr", None)
        rate = s.pop("min_lr_rate", None)
        warmup_lr_rate = s.pop("warmup_lr_rate", None)
        assert not s, s
        if min_lr is not None and rate is not None:
            raise ValueError("Only one of min_lr or min_lr_rate should be set")
        if min_lr is not None:
            rate = min_lr / lr_default
        elif rate is None:
            raise ValueError("One of min_lr or min_lr_rate should be set")

        def f(step):
            step = float(step)
            w = float(W)
            total = float(T)
            if step < w:
                if warmup_lr_rate is None:
                    return (step + 1.0) / max(1.0, w)
                wr = float(warmup_lr_rate)
                return wr + (1.0 - wr) * step / max(1, w - 1)
            progress = (step - w + 1.0) / max(1.0, total - w)
            g = 0.5 * (1.0 + math.cos(math.pi * num_cycles * 2.0 * progress))
            g = g * (1 - rate) + rate
            return max(0, g)

        return f

    raise ValueError("unknown Hugging Face schedule type " + t)


# ---------------------------------------------------------------------------------------------
# Building and running
# ---------------------------------------------------------------------------------------------
def make_optimizer(case):
    groups = []
    for lr in case["lrs"]:
        p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
        p.grad = torch.zeros_like(p)
        groups.append({"params": [p], "lr": lr})
    # The constructor's lr (optimizer.defaults["lr"]) is lrs[0]; every group also sets its own.
    if case["optimizer"] == "sgd":
        return torch.optim.SGD(groups, lr=case["lrs"][0], momentum=case["momentum"])
    if case["optimizer"] == "adam":
        return torch.optim.Adam(groups, lr=case["lrs"][0], betas=tuple(case["betas"]))
    raise ValueError(case["optimizer"])


HF_TYPES = ("constant", "constant_with_warmup", "linear", "cosine", "cosine_with_restarts", "polynomial",
            "inverse_sqrt", "cosine_with_min_lr", "cosine_warmup_with_min_lr", "warmup_stable_decay")


def build_torch(spec, optimizer, case):
    """Construct the scheduler tree on `optimizer` in PyTorch's order (children before their SequentialLR)."""
    kw = dict(spec)
    t = kw.pop("type")
    if t in HF_TYPES:  # transformers' get_scheduler builds a LambdaLR around its lr_lambda
        return L.LambdaLR(optimizer, hf_lambda(spec, optimizer))
    if t in ("SequentialLR", "ChainedScheduler"):
        children = [build_torch(c, optimizer, case) for c in kw.pop("schedulers")]
        if t == "ChainedScheduler":
            assert not kw, kw
            return L.ChainedScheduler(children)
        return L.SequentialLR(optimizer, schedulers=children, **kw)
    if t in ("LambdaLR", "MultiplicativeLR"):
        kw["lr_lambda"] = LAMBDAS[kw.pop("lambda", None) or case["lambda"]]
    if t == "reduce_lr_on_plateau":
        t = "ReduceLROnPlateau"
    return getattr(L, t)(optimizer, **kw)


def cycles_momentum(spec):
    if spec["type"] in ("SequentialLR", "ChainedScheduler"):
        return any(cycles_momentum(c) for c in spec["schedulers"])
    return spec["type"] in ("CyclicLR", "OneCycleLR") and spec.get("cycle_momentum", True)


def read(optimizer, what):
    out = []
    for g in optimizer.param_groups:
        v = g["lr"] if what == "lr" else (g["betas"][0] if "betas" in g else g["momentum"])
        v = float(v)
        if not math.isfinite(v):
            raise ValueError("non-finite value")
        out.append(v)
    return out


def run_case(case):
    opt = make_optimizer(case)
    spec = case["spec"]
    sched = build_torch(spec, opt, case)
    plateau = isinstance(sched, L.ReduceLROnPlateau)
    mom = cycles_momentum(spec)
    assert plateau == ("metrics" in case)
    lr_rows = [read(opt, "lr")]
    mom_rows = [read(opt, "momentum")] if mom else None
    for k in range(case["steps"]):
        opt.step()
        if plateau:
            sched.step(case["metrics"][k])
        else:
            sched.step()
        lr_rows.append(read(opt, "lr"))
        if mom:
            mom_rows.append(read(opt, "momentum"))
    out = dict(case)
    out["lr"] = lr_rows
    if mom:
        out["momentum_values"] = mom_rows
    return out


def case(name, spec, steps, lrs=(0.1,), optimizer="sgd", momentum=0.9, betas=(0.9, 0.999), metrics=None, lam=None):
    c = {"name": name, "spec": spec, "lrs": list(lrs), "optimizer": optimizer}
    if optimizer == "sgd":
        c["momentum"] = momentum
    else:
        c["betas"] = list(betas)
    c["steps"] = steps
    if metrics is not None:
        assert len(metrics) == steps, name
        c["metrics"] = [float(m) for m in metrics]
    if lam is not None:
        c["lambda"] = lam
    return c


TWO = (0.1, 0.01)

# ---------------------------------------------------------------------------------------------
# PyTorch cases
# ---------------------------------------------------------------------------------------------
def pytorch_cases():
    C = []
    # StepLR
    C.append(case("StepLR/step3_gamma0.5", {"type": "StepLR", "step_size": 3, "gamma": 0.5}, 12))
    C.append(case("StepLR/step4_default_gamma/2groups/adam", {"type": "StepLR", "step_size": 4}, 13, TWO, "adam"))
    # MultiStepLR
    C.append(case("MultiStepLR/duplicate_milestone_5", {"type": "MultiStepLR", "milestones": [2, 5, 5, 9], "gamma": 0.1}, 12, momentum=0.0))
    C.append(case("MultiStepLR/2groups/gamma0.5", {"type": "MultiStepLR", "milestones": [3, 6], "gamma": 0.5}, 10, TWO))
    # ConstantLR
    C.append(case("ConstantLR/factor0.25_iters4", {"type": "ConstantLR", "factor": 0.25, "total_iters": 4}, 10))
    C.append(case("ConstantLR/defaults/2groups", {"type": "ConstantLR"}, 10, TWO, "adam"))
    # LinearLR
    C.append(case("LinearLR/warmup_0.1_to_1_iters5", {"type": "LinearLR", "start_factor": 0.1, "end_factor": 1.0, "total_iters": 5}, 10))
    C.append(case("LinearLR/decay_1_to_0.1_iters8/2groups", {"type": "LinearLR", "start_factor": 1.0, "end_factor": 0.1, "total_iters": 8}, 12, TWO))
    C.append(case("LinearLR/defaults", {"type": "LinearLR"}, 10, optimizer="adam"))
    # ExponentialLR
    C.append(case("ExponentialLR/gamma0.9", {"type": "ExponentialLR", "gamma": 0.9}, 20))
    C.append(case("article/exponential_k0.1", {"type": "ExponentialLR", "gamma": math.exp(-0.1)}, 30))
    C.append(case("ExponentialLR/gamma0.8/2groups/adam", {"type": "ExponentialLR", "gamma": 0.8}, 15, TWO, "adam"))
    # PolynomialLR
    C.append(case("PolynomialLR/iters8_power2", {"type": "PolynomialLR", "total_iters": 8, "power": 2.0}, 12))
    C.append(case("PolynomialLR/defaults/2groups", {"type": "PolynomialLR"}, 10, TWO))
    C.append(case("PolynomialLR/iters10_power0.5", {"type": "PolynomialLR", "total_iters": 10, "power": 0.5}, 14, optimizer="adam"))
    # CosineAnnealingLR
    C.append(case("CosineAnnealingLR/T10_eta0.001/to_Tmax", {"type": "CosineAnnealingLR", "T_max": 10, "eta_min": 0.001}, 10))
    C.append(case("CosineAnnealingLR/T10_eta0/past_Tmax", {"type": "CosineAnnealingLR", "T_max": 10, "eta_min": 0.0}, 25))
    C.append(case("CosineAnnealingLR/T6_eta0.005/2groups/three_periods", {"type": "CosineAnnealingLR", "T_max": 6, "eta_min": 0.005}, 40, TWO))
    C.append(case("CosineAnnealingLR/T7_default_eta/adam", {"type": "CosineAnnealingLR", "T_max": 7}, 30, optimizer="adam"))
    # CosineAnnealingWarmRestarts
    C.append(case("CosineAnnealingWarmRestarts/T0_5_Tmult2", {"type": "CosineAnnealingWarmRestarts", "T_0": 5, "T_mult": 2, "eta_min": 0.0}, 40))
    C.append(case("CosineAnnealingWarmRestarts/T0_4_Tmult1_eta0.001/2groups", {"type": "CosineAnnealingWarmRestarts", "T_0": 4, "T_mult": 1, "eta_min": 0.001}, 20, TWO))
    C.append(case("CosineAnnealingWarmRestarts/T0_3_Tmult3_defaults/adam", {"type": "CosineAnnealingWarmRestarts", "T_0": 3, "T_mult": 3}, 30, optimizer="adam"))
    # CyclicLR
    cyc = {"type": "CyclicLR", "base_lr": 0.001, "max_lr": 0.1, "step_size_up": 4, "step_size_down": 6}
    C.append(case("CyclicLR/triangular/up4_down6/sgd_momentum",
                  dict(cyc, mode="triangular", cycle_momentum=True, base_momentum=0.8, max_momentum=0.9), 25))
    C.append(case("CyclicLR/triangular2/up3/sgd_momentum",
                  {"type": "CyclicLR", "base_lr": 0.001, "max_lr": 0.1, "step_size_up": 3, "mode": "triangular2"}, 30))
    C.append(case("CyclicLR/exp_range/gamma0.9/sgd_momentum0",
                  dict(cyc, mode="exp_range", gamma=0.9, cycle_momentum=True, base_momentum=0.8, max_momentum=0.9), 30, momentum=0.0))
    C.append(case("CyclicLR/triangular/2groups/lists",
                  {"type": "CyclicLR", "base_lr": [0.001, 0.0005], "max_lr": [0.1, 0.05], "step_size_up": 5, "mode": "triangular",
                   "base_momentum": [0.8, 0.85], "max_momentum": [0.9, 0.95]}, 25, TWO))
    C.append(case("CyclicLR/triangular2/no_momentum/2groups/adam",
                  dict(cyc, mode="triangular2", cycle_momentum=False), 20, TWO, "adam"))
    # OneCycleLR
    C.append(case("OneCycleLR/cos/sgd/to_total_steps",
                  {"type": "OneCycleLR", "max_lr": 0.1, "total_steps": 20, "pct_start": 0.3, "anneal_strategy": "cos",
                   "three_phase": False, "div_factor": 25.0, "final_div_factor": 10000.0, "cycle_momentum": True,
                   "base_momentum": 0.85, "max_momentum": 0.95}, 20))
    C.append(case("OneCycleLR/linear/sgd/to_total_steps_negative_extrapolation",
                  {"type": "OneCycleLR", "max_lr": 0.1, "total_steps": 20, "anneal_strategy": "linear"}, 20))
    C.append(case("OneCycleLR/three_phase/cos/adam/to_total_steps",
                  {"type": "OneCycleLR", "max_lr": 0.1, "total_steps": 30, "three_phase": True}, 30, optimizer="adam"))
    C.append(case("OneCycleLR/three_phase/linear/2groups/adam",
                  {"type": "OneCycleLR", "max_lr": [0.1, 0.05], "total_steps": 25, "pct_start": 0.3, "anneal_strategy": "linear",
                   "three_phase": True, "base_momentum": 0.8, "max_momentum": 0.9}, 24, TWO, "adam", betas=(0.9, 0.99)))
    C.append(case("OneCycleLR/cos/2groups/list_max_lr/sgd/to_total_steps",
                  {"type": "OneCycleLR", "max_lr": [0.1, 0.05], "total_steps": 17, "pct_start": 0.25, "div_factor": 10.0,
                   "final_div_factor": 100.0, "base_momentum": [0.85, 0.8], "max_momentum": [0.95, 0.9]}, 17, TWO))
    C.append(case("OneCycleLR/cos/no_momentum/adam",
                  {"type": "OneCycleLR", "max_lr": 0.1, "total_steps": 16, "cycle_momentum": False}, 15, optimizer="adam"))
    C.append(case("OneCycleLR/defaults/sgd_momentum0",
                  {"type": "OneCycleLR", "max_lr": 0.2, "total_steps": 40}, 39, momentum=0.0))
    # SequentialLR
    C.append(case("SequentialLR/linear_warmup5_then_cosine10",
                  {"type": "SequentialLR", "schedulers": [
                      {"type": "LinearLR", "start_factor": 0.1, "total_iters": 5},
                      {"type": "CosineAnnealingLR", "T_max": 10}], "milestones": [5]}, 20))
    C.append(case("SequentialLR/doc_constant_then_exponential",
                  {"type": "SequentialLR", "schedulers": [
                      {"type": "ConstantLR", "factor": 0.1, "total_iters": 2},
                      {"type": "ExponentialLR", "gamma": 0.9}], "milestones": [2]}, 10, lrs=(1.0,)))
    C.append(case("SequentialLR/three_children/2groups",
                  {"type": "SequentialLR", "schedulers": [
                      {"type": "LinearLR", "start_factor": 0.25, "total_iters": 4},
                      {"type": "ExponentialLR", "gamma": 0.9},
                      {"type": "CosineAnnealingLR", "T_max": 8, "eta_min": 0.001}], "milestones": [4, 10]}, 25, TWO))
    C.append(case("SequentialLR/constant_then_multistep/adam",
                  {"type": "SequentialLR", "schedulers": [
                      {"type": "ConstantLR", "factor": 0.5, "total_iters": 10},
                      {"type": "MultiStepLR", "milestones": [3, 6], "gamma": 0.1}], "milestones": [4]}, 15, optimizer="adam"))
    C.append(case("SequentialLR/warmup3_then_step_at6",
                  {"type": "SequentialLR", "schedulers": [
                      {"type": "LinearLR", "start_factor": 0.2, "total_iters": 3},
                      {"type": "StepLR", "step_size": 3, "gamma": 0.5}], "milestones": [6]}, 20))
    # ChainedScheduler
    C.append(case("ChainedScheduler/doc_constant_exponential",
                  {"type": "ChainedScheduler", "schedulers": [
                      {"type": "ConstantLR", "factor": 0.1, "total_iters": 2},
                      {"type": "ExponentialLR", "gamma": 0.9}]}, 10, lrs=(1.0,)))
    C.append(case("ChainedScheduler/step_linear/2groups",
                  {"type": "ChainedScheduler", "schedulers": [
                      {"type": "StepLR", "step_size": 3, "gamma": 0.5},
                      {"type": "LinearLR", "start_factor": 0.2, "total_iters": 5}]}, 12, TWO))
    C.append(case("ChainedScheduler/cosine_multistep/adam",
                  {"type": "ChainedScheduler", "schedulers": [
                      {"type": "CosineAnnealingLR", "T_max": 10, "eta_min": 0.001},
                      {"type": "MultiStepLR", "milestones": [4, 8], "gamma": 0.5}]}, 15, optimizer="adam"))
    # ReduceLROnPlateau
    m1 = [1.0, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8, 0.79995, 0.8, 0.8, 0.8, 0.7, 0.6, 0.6, 0.6, 0.6,
          0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.5, 0.5, 0.5, 0.5, 0.5]
    C.append(case("ReduceLROnPlateau/min/rel/cooldown1/min_lr",
                  {"type": "ReduceLROnPlateau", "mode": "min", "factor": 0.5, "patience": 2, "threshold": 1e-4,
                   "threshold_mode": "rel", "cooldown": 1, "min_lr": 0.01, "eps": 1e-8}, 30, metrics=m1))
    m2 = [0.5, 0.6, 0.605, 0.61, 0.615, 0.62, 0.63, 0.64, 0.64, 0.7, 0.7, 0.7, 0.7, 0.7, 0.71,
          0.72, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85]
    C.append(case("ReduceLROnPlateau/max/abs/threshold0.01",
                  {"type": "ReduceLROnPlateau", "mode": "max", "factor": 0.1, "patience": 1, "threshold": 0.01,
                   "threshold_mode": "abs", "cooldown": 2, "min_lr": 1e-4}, 30, optimizer="adam", metrics=m2))
    m3 = [1.0, 0.9, 0.9, 0.85, 0.8, 0.8, 0.8, 0.8, 0.75, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7,
          0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7]
    C.append(case("ReduceLROnPlateau/min/abs/2groups/list_min_lr/eps1e-3",
                  {"type": "ReduceLROnPlateau", "mode": "min", "factor": 0.5, "patience": 1, "threshold": 0.1,
                   "threshold_mode": "abs", "cooldown": 0, "min_lr": [0.03, 1e-4], "eps": 1e-3}, 35, TWO, metrics=m3))
    m4 = [0.1, 0.2, 0.2, 0.2002, 0.20019, 0.3, 0.3, 0.3, 0.3, 0.3, 0.4, 0.4, 0.4, 0.4, 0.4,
          0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4]
    C.append(case("ReduceLROnPlateau/max/rel/patience0/2groups",
                  {"type": "ReduceLROnPlateau", "mode": "max", "factor": 0.7, "patience": 0, "threshold": 1e-3,
                   "threshold_mode": "rel", "cooldown": 2, "min_lr": 0.001}, 25, TWO, "adam", metrics=m4))
    m5 = [3.0, 2.5, 2.0] + [2.0] * 12 + [1.0] + [1.0] * 14
    C.append(case("ReduceLROnPlateau/defaults", {"type": "ReduceLROnPlateau"}, 30, metrics=m5))
    # LambdaLR / MultiplicativeLR
    C.append(case("LambdaLR/exp095", {"type": "LambdaLR"}, 20, lam="exp095"))
    C.append(case("LambdaLR/warmup10/2groups", {"type": "LambdaLR"}, 15, TWO, "adam", lam="warmup10"))
    C.append(case("LambdaLR/inv_sqrt_plus1", {"type": "LambdaLR"}, 20, lam="inv_sqrt_plus1"))
    C.append(case("MultiplicativeLR/exp095", {"type": "MultiplicativeLR"}, 15, lam="exp095"))
    C.append(case("MultiplicativeLR/inv_sqrt_plus1/2groups", {"type": "MultiplicativeLR"}, 12, TWO, lam="inv_sqrt_plus1"))
    C.append(case("MultiplicativeLR/warmup10/adam", {"type": "MultiplicativeLR"}, 12, optimizer="adam", lam="warmup10"))
    return C


# ---------------------------------------------------------------------------------------------
# Hugging Face cases
# ---------------------------------------------------------------------------------------------
def hf_cases():
    C = []
    A = "adam"
    C.append(case("hf/constant", {"type": "constant"}, 10, optimizer=A))
    C.append(case("hf/constant/2groups", {"type": "constant"}, 10, TWO, "sgd"))
    C.append(case("hf/constant_with_warmup/W5", {"type": "constant_with_warmup", "num_warmup_steps": 5}, 12, optimizer=A))
    C.append(case("hf/constant_with_warmup/W0/2groups", {"type": "constant_with_warmup", "num_warmup_steps": 0}, 10, TWO, A))
    C.append(case("hf/linear/W5_T20/2groups/past_T",
                  {"type": "linear", "num_warmup_steps": 5, "num_training_steps": 20}, 25, TWO, A))
    C.append(case("hf/linear/W0_T10/past_T", {"type": "linear", "num_warmup_steps": 0, "num_training_steps": 10}, 12, optimizer="sgd"))
    C.append(case("hf/cosine/W5_T30/past_T",
                  {"type": "cosine", "num_warmup_steps": 5, "num_training_steps": 30, "num_cycles": 0.5}, 35, optimizer=A))
    C.append(case("hf/cosine/W3_T20_cycles1/2groups/past_T",
                  {"type": "cosine", "num_warmup_steps": 3, "num_training_steps": 20, "num_cycles": 1.0}, 24, TWO, A))
    C.append(case("hf/cosine/W10_T40_default_cycles",
                  {"type": "cosine", "num_warmup_steps": 10, "num_training_steps": 40}, 40, optimizer=A))
    C.append(case("hf/cosine_with_restarts/W4_T24_cycles3/past_T",
                  {"type": "cosine_with_restarts", "num_warmup_steps": 4, "num_training_steps": 24, "num_cycles": 3}, 28, optimizer=A))
    C.append(case("hf/cosine_with_restarts/W0_T15_default_cycles/2groups",
                  {"type": "cosine_with_restarts", "num_warmup_steps": 0, "num_training_steps": 15}, 18, TWO, A))
    C.append(case("hf/polynomial/W4_T20_power2_lrend1e-4/2groups/past_T",
                  {"type": "polynomial", "num_warmup_steps": 4, "num_training_steps": 20, "lr_end": 1e-4, "power": 2.0}, 25, TWO, A))
    C.append(case("hf/polynomial/W5_T20_defaults/past_T",
                  {"type": "polynomial", "num_warmup_steps": 5, "num_training_steps": 20}, 24, optimizer=A))
    C.append(case("hf/polynomial/W0_T12_power0.5",
                  {"type": "polynomial", "num_warmup_steps": 0, "num_training_steps": 12, "lr_end": 0.001, "power": 0.5}, 15, optimizer="sgd"))
    C.append(case("hf/inverse_sqrt/W5_default_timescale",
                  {"type": "inverse_sqrt", "num_warmup_steps": 5}, 30, optimizer=A))
    C.append(case("hf/inverse_sqrt/W0_timescale10000/2groups",
                  {"type": "inverse_sqrt", "num_warmup_steps": 0}, 20, TWO, A))
    C.append(case("hf/inverse_sqrt/W4_timescale10",
                  {"type": "inverse_sqrt", "num_warmup_steps": 4, "timescale": 10}, 30, optimizer=A))
    C.append(case("hf/cosine_with_min_lr/W5_T25_rate0.1/past_T",
                  {"type": "cosine_with_min_lr", "num_warmup_steps": 5, "num_training_steps": 25, "min_lr_rate": 0.1}, 30, optimizer=A))
    C.append(case("hf/cosine_with_min_lr/W4_T30_min_lr0.001/2groups/past_T",
                  {"type": "cosine_with_min_lr", "num_warmup_steps": 4, "num_training_steps": 30, "num_cycles": 0.5,
                   "min_lr": 0.001}, 34, TWO, A))
    C.append(case("hf/cosine_warmup_with_min_lr/W5_T25_rate0.05/past_T",
                  {"type": "cosine_warmup_with_min_lr", "num_warmup_steps": 5, "num_training_steps": 25, "min_lr_rate": 0.05}, 30, optimizer=A))
    C.append(case("hf/cosine_warmup_with_min_lr/W6_T30_min_lr0.002_warmup_rate0.1/2groups/past_T",
                  {"type": "cosine_warmup_with_min_lr", "num_warmup_steps": 6, "num_training_steps": 30, "min_lr": 0.002,
                   "warmup_lr_rate": 0.1}, 35, TWO, A))
    C.append(case("hf/cosine_warmup_with_min_lr/W1_T12_warmup_rate0.2_cycles1",
                  {"type": "cosine_warmup_with_min_lr", "num_warmup_steps": 1, "num_training_steps": 12, "num_cycles": 1.0,
                   "min_lr_rate": 0.0, "warmup_lr_rate": 0.2}, 15, optimizer="sgd"))
    C.append(case("hf/warmup_stable_decay/W5_D10_T40/1-sqrt_decay/min0.1",
                  {"type": "warmup_stable_decay", "num_warmup_steps": 5, "num_decay_steps": 10, "num_training_steps": 40,
                   "decay_type": "1-sqrt", "min_lr_ratio": 0.1}, 40, optimizer=A))
    C.append(case("hf/warmup_stable_decay/W4_S6_D8/cosine_warmup/linear_decay/past_end",
                  {"type": "warmup_stable_decay", "num_warmup_steps": 4, "num_decay_steps": 8, "num_stable_steps": 6,
                   "warmup_type": "cosine", "decay_type": "linear"}, 22, optimizer=A))
    C.append(case("hf/warmup_stable_decay/W3_S5_D6_T100_stable_wins/1-sqrt_warmup/cosine_decay/min0.05",
                  {"type": "warmup_stable_decay", "num_warmup_steps": 3, "num_decay_steps": 6, "num_training_steps": 100,
                   "num_stable_steps": 5, "warmup_type": "1-sqrt", "decay_type": "cosine", "min_lr_ratio": 0.05,
                   "num_cycles": 0.5}, 18, optimizer=A))
    C.append(case("hf/warmup_stable_decay/W5_D10_T30_defaults/2groups/past_end",
                  {"type": "warmup_stable_decay", "num_warmup_steps": 5, "num_decay_steps": 10, "num_training_steps": 30}, 32, TWO, A))
    C.append(case("hf/warmup_stable_decay/W6_S2_D8/linear_warmup_min0.2/cosine_cycles0.25",
                  {"type": "warmup_stable_decay", "num_warmup_steps": 6, "num_decay_steps": 8, "num_stable_steps": 2,
                   "warmup_type": "linear", "decay_type": "cosine", "min_lr_ratio": 0.2, "num_cycles": 0.25}, 20, TWO, "sgd"))
    C.append(case("hf/warmup_stable_decay/W4_D6_T16/1-sqrt_warmup_and_decay",
                  {"type": "warmup_stable_decay", "num_warmup_steps": 4, "num_decay_steps": 6, "num_training_steps": 16,
                   "warmup_type": "1-sqrt", "decay_type": "1-sqrt"}, 18, optimizer=A))

    # Boundaries (issue 8, group 3): warmup end = decay start = training end, and warmups longer than training.
    B = "hf/boundary/"
    for t, extra in (("linear", {}), ("cosine", {}), ("cosine_with_restarts", {"num_cycles": 2}),
                     ("cosine_with_min_lr", {"min_lr_rate": 0.1}), ("cosine_warmup_with_min_lr", {"min_lr_rate": 0.1})):
        C.append(case(B + t + "/W5_T5", dict({"type": t, "num_warmup_steps": 5, "num_training_steps": 5}, **extra), 10, TWO, A))
        C.append(case(B + t + "/W7_T5", dict({"type": t, "num_warmup_steps": 7, "num_training_steps": 5}, **extra), 11, optimizer=A))
        C.append(case(B + t + "/W0_T0", dict({"type": t, "num_warmup_steps": 0, "num_training_steps": 0}, **extra), 4, optimizer=A))
        C.append(case(B + t + "/W1_T1", dict({"type": t, "num_warmup_steps": 1, "num_training_steps": 1}, **extra), 4, optimizer=A))
    C.append(case(B + "polynomial/W7_T5", {"type": "polynomial", "num_warmup_steps": 7, "num_training_steps": 5, "lr_end": 1e-3}, 10, TWO, A))
    C.append(case(B + "polynomial/W4_T5", {"type": "polynomial", "num_warmup_steps": 4, "num_training_steps": 5, "lr_end": 1e-3, "power": 2.0}, 8, optimizer=A))
    C.append(case(B + "constant_with_warmup/W1", {"type": "constant_with_warmup", "num_warmup_steps": 1}, 3, optimizer=A))
    C.append(case(B + "inverse_sqrt/W1", {"type": "inverse_sqrt", "num_warmup_steps": 1}, 5, optimizer=A))
    C.append(case(B + "warmup_stable_decay/W5_S0_D0", {"type": "warmup_stable_decay", "num_warmup_steps": 5, "num_decay_steps": 0,
                                                        "num_training_steps": 5, "min_lr_ratio": 0.1}, 8, TWO, A))
    C.append(case(B + "warmup_stable_decay/W5_D5_T5_stable_negative", {"type": "warmup_stable_decay", "num_warmup_steps": 5,
                                                                       "num_decay_steps": 5, "num_training_steps": 5}, 10, optimizer=A))
    C.append(case(B + "warmup_stable_decay/W5_D5_T8_decay_starts_part_way", {"type": "warmup_stable_decay", "num_warmup_steps": 5,
                                                                              "num_decay_steps": 5, "num_training_steps": 8,
                                                                              "decay_type": "linear", "min_lr_ratio": 0.1}, 12, optimizer=A))
    C.append(case(B + "warmup_stable_decay/W4_S3_D0", {"type": "warmup_stable_decay", "num_warmup_steps": 4, "num_decay_steps": 0,
                                                        "num_stable_steps": 3, "min_lr_ratio": 0.2}, 9, optimizer=A))
    C.append(case(B + "warmup_stable_decay/W0_S0_D4", {"type": "warmup_stable_decay", "num_warmup_steps": 0, "num_decay_steps": 4,
                                                        "num_stable_steps": 0, "decay_type": "1-sqrt"}, 6, optimizer=A))
    # Degenerate values transformers accepts.
    C.append(case("hf/degenerate/cosine/num_cycles0", {"type": "cosine", "num_warmup_steps": 2, "num_training_steps": 8, "num_cycles": 0.0}, 10, optimizer=A))
    C.append(case("hf/degenerate/cosine_with_restarts/num_cycles0", {"type": "cosine_with_restarts", "num_warmup_steps": 2,
                                                                     "num_training_steps": 8, "num_cycles": 0}, 10, optimizer=A))
    C.append(case("hf/degenerate/cosine_with_min_lr/num_cycles0", {"type": "cosine_with_min_lr", "num_warmup_steps": 2,
                                                                   "num_training_steps": 8, "num_cycles": 0.0, "min_lr_rate": 0.1}, 10, optimizer=A))
    C.append(case("hf/degenerate/warmup_stable_decay/num_cycles0", {"type": "warmup_stable_decay", "num_warmup_steps": 2, "num_decay_steps": 4,
                                                                    "num_stable_steps": 2, "num_cycles": 0.0, "min_lr_ratio": 0.1}, 10, optimizer=A))
    return C


# ---------------------------------------------------------------------------------------------
# Degenerate inputs PyTorch accepts (issue 8, group 2): zero lengths, zero factors, boundary values for
# every type, and the construction-order effects of SequentialLR (initial_lr set by CyclicLR / OneCycleLR,
# OneCycleLR's fields in the param groups, MultiplicativeLR continuing at a milestone).
# ---------------------------------------------------------------------------------------------
def degenerate_cases():
    C = []
    D = "degenerate/"
    C.append(case(D + "ConstantLR/total_iters0", {"type": "ConstantLR", "factor": 0.5, "total_iters": 0}, 6, TWO))
    C.append(case(D + "ConstantLR/factor0_total_iters0", {"type": "ConstantLR", "factor": 0.0, "total_iters": 0}, 4))
    C.append(case(D + "ConstantLR/factor1", {"type": "ConstantLR", "factor": 1.0, "total_iters": 3}, 5))
    C.append(case(D + "LinearLR/total_iters0", {"type": "LinearLR", "start_factor": 0.5, "end_factor": 1.0, "total_iters": 0}, 6, TWO))
    C.append(case(D + "LinearLR/start0_total_iters0", {"type": "LinearLR", "start_factor": 0.0, "total_iters": 0}, 4))
    C.append(case(D + "LinearLR/end0", {"type": "LinearLR", "start_factor": 1.0, "end_factor": 0.0, "total_iters": 4}, 7))
    C.append(case(D + "LinearLR/total_iters1", {"type": "LinearLR", "start_factor": 0.25, "total_iters": 1}, 4))
    C.append(case(D + "PolynomialLR/total_iters0", {"type": "PolynomialLR", "total_iters": 0, "power": 2.0}, 5, TWO))
    C.append(case(D + "PolynomialLR/power0", {"type": "PolynomialLR", "total_iters": 4, "power": 0.0}, 6))
    C.append(case(D + "PolynomialLR/total_iters1", {"type": "PolynomialLR", "total_iters": 1}, 4))
    C.append(case(D + "ExponentialLR/gamma0", {"type": "ExponentialLR", "gamma": 0.0}, 5, TWO))
    C.append(case(D + "ExponentialLR/gamma1.1", {"type": "ExponentialLR", "gamma": 1.1}, 8))
    C.append(case(D + "StepLR/gamma0", {"type": "StepLR", "step_size": 3, "gamma": 0.0}, 8))
    C.append(case(D + "StepLR/step_size1", {"type": "StepLR", "step_size": 1, "gamma": 0.5}, 6))
    C.append(case(D + "MultiStepLR/gamma0_milestone0", {"type": "MultiStepLR", "milestones": [0, 4], "gamma": 0.0}, 6))
    C.append(case(D + "MultiStepLR/milestone0", {"type": "MultiStepLR", "milestones": [0, 0, 3], "gamma": 0.5}, 6, TWO))
    C.append(case(D + "MultiStepLR/no_milestones", {"type": "MultiStepLR", "milestones": []}, 4))
    C.append(case(D + "CosineAnnealingLR/T_max1", {"type": "CosineAnnealingLR", "T_max": 1, "eta_min": 0.01}, 8, TWO))
    C.append(case(D + "CosineAnnealingLR/eta_min_above_base", {"type": "CosineAnnealingLR", "T_max": 4, "eta_min": 0.2}, 10))
    C.append(case(D + "CosineAnnealingWarmRestarts/T_0_1", {"type": "CosineAnnealingWarmRestarts", "T_0": 1, "T_mult": 2, "eta_min": 0.01}, 12))
    cyc = {"type": "CyclicLR", "base_lr": 0.001, "max_lr": 0.1, "step_size_up": 3}
    C.append(case(D + "CyclicLR/step_size_down0", dict(cyc, step_size_down=0), 10))
    C.append(case(D + "CyclicLR/exp_range_gamma0", dict(cyc, mode="exp_range", gamma=0.0), 8))
    C.append(case(D + "CyclicLR/scale_mode_ignored", dict(cyc, mode="triangular2", scale_mode="iterations"), 12))
    C.append(case(D + "CyclicLR/step_size_up1", {"type": "CyclicLR", "base_lr": 0.01, "max_lr": 0.1, "step_size_up": 1, "step_size_down": 1}, 5, TWO))
    oc = {"type": "OneCycleLR", "max_lr": 0.1, "total_steps": 10}
    C.append(case(D + "OneCycleLR/pct_start0", dict(oc, pct_start=0.0), 10))
    C.append(case(D + "OneCycleLR/pct_start_times_T_below_1", dict(oc, pct_start=0.05), 10))
    C.append(case(D + "OneCycleLR/three_phase_pct0.9_backwards", dict(oc, pct_start=0.9, three_phase=True), 10))
    C.append(case(D + "OneCycleLR/three_phase_last_phase_backwards_reached", dict(oc, pct_start=0.575, three_phase=True), 10))
    C.append(case(D + "OneCycleLR/total_steps2", {"type": "OneCycleLR", "max_lr": 0.1, "total_steps": 2}, 2, TWO, "adam"))
    C.append(case(D + "OneCycleLR/pct_start1_three_phase", dict(oc, pct_start=1.0, three_phase=True, anneal_strategy="linear"), 10))
    m = [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5]
    C.append(case(D + "ReduceLROnPlateau/factor0", {"type": "ReduceLROnPlateau", "factor": 0.0, "patience": 1, "min_lr": 0.001}, 8, metrics=m))
    C.append(case(D + "LambdaLR/zero", {"type": "LambdaLR"}, 4, lam="zero"))

    # SequentialLR: PyTorch's construction order and milestone restarts
    Q = "sequential/"
    C.append(case(Q + "ConstantLR_total_iters0_after_milestone", {"type": "SequentialLR", "schedulers": [
        {"type": "ConstantLR", "factor": 0.5, "total_iters": 10},
        {"type": "ConstantLR", "factor": 0.25, "total_iters": 0}], "milestones": [3]}, 7, TWO))
    C.append(case(Q + "MultiplicativeLR_continues_at_milestone", {"type": "SequentialLR", "schedulers": [
        {"type": "ConstantLR", "factor": 0.5, "total_iters": 10},
        {"type": "MultiplicativeLR", "lambda": "const09"}], "milestones": [3]}, 8, TWO))
    C.append(case(Q + "cosine_after_OneCycleLR_starts_at_its_initial_lr", {"type": "SequentialLR", "schedulers": [
        {"type": "OneCycleLR", "max_lr": 0.1, "total_steps": 10},
        {"type": "CosineAnnealingLR", "T_max": 8}], "milestones": [10]}, 20, TWO))
    C.append(case(Q + "warmup_before_OneCycleLR_runs_from_its_initial_lr", {"type": "SequentialLR", "schedulers": [
        {"type": "LinearLR", "start_factor": 0.2, "total_iters": 4},
        {"type": "OneCycleLR", "max_lr": 0.05, "total_steps": 12}], "milestones": [4]}, 16, TWO))
    C.append(case(Q + "cosine_first_from_OneCycleLR_initial_lr_past_T_max", {"type": "SequentialLR", "schedulers": [
        {"type": "CosineAnnealingLR", "T_max": 3, "eta_min": 0.001},
        {"type": "OneCycleLR", "max_lr": 0.05, "total_steps": 12}], "milestones": [9]}, 20))
    C.append(case(Q + "exponential_after_CyclicLR_takes_its_base_lr", {"type": "SequentialLR", "schedulers": [
        {"type": "CyclicLR", "base_lr": 0.002, "max_lr": 0.05, "step_size_up": 3},
        {"type": "ExponentialLR", "gamma": 0.8}], "milestones": [6]}, 12))
    C.append(case(Q + "two_OneCycleLR_share_the_groups_fields", {"type": "SequentialLR", "schedulers": [
        {"type": "OneCycleLR", "max_lr": 0.1, "total_steps": 10, "base_momentum": 0.8, "max_momentum": 0.9},
        {"type": "OneCycleLR", "max_lr": 0.04, "total_steps": 10, "div_factor": 10.0}], "milestones": [10]}, 20))
    C.append(case(Q + "lambda_after_OneCycleLR", {"type": "SequentialLR", "schedulers": [
        {"type": "OneCycleLR", "max_lr": 0.1, "total_steps": 6, "cycle_momentum": False},
        {"type": "LambdaLR", "lambda": "exp095"}], "milestones": [6]}, 10, optimizer="adam"))
    C.append(case(Q + "hf_cosine_after_OneCycleLR", {"type": "SequentialLR", "schedulers": [
        {"type": "OneCycleLR", "max_lr": [0.1, 0.02], "total_steps": 6},
        {"type": "cosine", "num_warmup_steps": 0, "num_training_steps": 6}], "milestones": [6]}, 12, TWO))
    # Momentum: constructing a cycling scheduler writes its step-0 momentum; a hand-over keeps the last one written.
    C.append(case(Q + "momentum_of_a_later_OneCycleLR_from_step_0", {"type": "SequentialLR", "schedulers": [
        {"type": "LinearLR", "start_factor": 0.5, "total_iters": 3}, {"type": "OneCycleLR", "max_lr": 0.1, "total_steps": 5},
        {"type": "ExponentialLR", "gamma": 0.9}], "milestones": [3, 8]}, 11, momentum=0.5))
    C.append(case(Q + "momentum_held_after_OneCycleLR_until_CyclicLR", {"type": "SequentialLR", "schedulers": [
        {"type": "OneCycleLR", "max_lr": 0.1, "total_steps": 5}, {"type": "ExponentialLR", "gamma": 0.9},
        {"type": "CyclicLR", "base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2}], "milestones": [5, 8]}, 11, TWO, momentum=0.5))
    C.append(case(Q + "chain_CyclicLR_and_SequentialLR_with_OneCycleLR", {"type": "ChainedScheduler", "schedulers": [
        {"type": "CyclicLR", "base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2},
        {"type": "SequentialLR", "schedulers": [{"type": "LinearLR", "start_factor": 0.5, "total_iters": 3},
                                                {"type": "OneCycleLR", "max_lr": 0.1, "total_steps": 5}], "milestones": [3]}]}, 8, momentum=0.5))
    return C


# ---------------------------------------------------------------------------------------------
# ChainedScheduler (issue 8, group 1): every ordered pair of different member types, two parameter
# groups, PyTorch's chainable forms stepping on the group's current lr.
# ---------------------------------------------------------------------------------------------
CHAIN_MEMBERS = [
    ("StepLR", {"type": "StepLR", "step_size": 3, "gamma": 0.5}),
    ("MultiStepLR", {"type": "MultiStepLR", "milestones": [2, 5, 5, 9], "gamma": 0.5}),
    ("ConstantLR", {"type": "ConstantLR", "factor": 0.5, "total_iters": 4}),
    ("LinearLR", {"type": "LinearLR", "start_factor": 0.2, "end_factor": 1.0, "total_iters": 6}),
    ("ExponentialLR", {"type": "ExponentialLR", "gamma": 0.9}),
    ("PolynomialLR", {"type": "PolynomialLR", "total_iters": 8, "power": 2.0}),
    ("CosineAnnealingLR", {"type": "CosineAnnealingLR", "T_max": 6}),
    ("CosineAnnealingLR_eta", {"type": "CosineAnnealingLR", "T_max": 5, "eta_min": 0.002}),
    ("CosineAnnealingWarmRestarts", {"type": "CosineAnnealingWarmRestarts", "T_0": 4, "T_mult": 2, "eta_min": 0.001}),
    ("CyclicLR", {"type": "CyclicLR", "base_lr": 0.001, "max_lr": 0.01, "step_size_up": 3, "step_size_down": 5,
                  "mode": "triangular2", "base_momentum": 0.8, "max_momentum": 0.9}),
    ("OneCycleLR", {"type": "OneCycleLR", "max_lr": 0.05, "total_steps": 24, "pct_start": 0.25}),
    ("LambdaLR", {"type": "LambdaLR", "lambda": "exp095"}),
    ("MultiplicativeLR", {"type": "MultiplicativeLR", "lambda": "const09"}),
    ("cosine_with_min_lr", {"type": "cosine_with_min_lr", "num_warmup_steps": 3, "num_training_steps": 20, "min_lr_rate": 0.1}),
    ("SequentialLR", {"type": "SequentialLR", "schedulers": [
        {"type": "LinearLR", "start_factor": 0.5, "total_iters": 3}, {"type": "ExponentialLR", "gamma": 0.85}], "milestones": [4]}),
]


def chained_cases():
    C = []
    for a, sa in CHAIN_MEMBERS:
        for b, sb in CHAIN_MEMBERS:
            if a != b:
                C.append(case("chain/%s+%s" % (a, b), {"type": "ChainedScheduler", "schedulers": [sa, sb]}, 24, TWO))
    M = dict(CHAIN_MEMBERS)
    C.append(case("chain3/cosine_eta+StepLR+ConstantLR/adam",
                  {"type": "ChainedScheduler", "schedulers": [M["CosineAnnealingLR_eta"], M["StepLR"], M["ConstantLR"]]},
                  30, TWO, "adam"))
    C.append(case("chain3/CyclicLR+cosine_past_T_max+OneCycleLR",
                  {"type": "ChainedScheduler", "schedulers": [M["CyclicLR"], M["CosineAnnealingLR"], M["OneCycleLR"]]}, 24, TWO))
    C.append(case("chain3/OneCycleLR+CyclicLR_lists+ExponentialLR/3groups",
                  {"type": "ChainedScheduler", "schedulers": [
                      M["OneCycleLR"],
                      {"type": "CyclicLR", "base_lr": [0.001, 0.002, 0.003], "max_lr": [0.01, 0.02, 0.03], "step_size_up": 4,
                       "cycle_momentum": False},
                      M["ExponentialLR"]]}, 24, (0.1, 0.05, 0.01)))
    C.append(case("chain/nested_chain",
                  {"type": "ChainedScheduler", "schedulers": [
                      M["ConstantLR"], {"type": "ChainedScheduler", "schedulers": [M["CosineAnnealingLR_eta"], M["LinearLR"]]}]}, 20, TWO))
    C.append(case("chain/doc_example", {"type": "ChainedScheduler", "schedulers": [
        {"type": "ConstantLR", "factor": 0.1, "total_iters": 2}, {"type": "ExponentialLR", "gamma": 0.9}]}, 10, lrs=(1.0,)))
    C.append(case("chain/cosine_eta_long_past_T_max", {"type": "ChainedScheduler", "schedulers": [
        {"type": "CosineAnnealingLR", "T_max": 3, "eta_min": 0.01}, {"type": "MultiStepLR", "milestones": [4, 8], "gamma": 0.5}]}, 40, TWO))
    return C


# ---------------------------------------------------------------------------------------------
# Inputs PyTorch / transformers accept at construction and then divide by zero on, or reject
# (issue 8, group 4): Anneal rejects them up front. Recorded: the exception and the step it hit.
# ---------------------------------------------------------------------------------------------
def rejected_cases():
    C = []
    C.append(case("OneCycleLR/pct_start_times_total_steps_1", {"type": "OneCycleLR", "max_lr": 0.1, "total_steps": 10, "pct_start": 0.1}, 10))
    C.append(case("OneCycleLR/pct_start1", {"type": "OneCycleLR", "max_lr": 0.1, "total_steps": 10, "pct_start": 1.0}, 10))
    C.append(case("OneCycleLR/three_phase_zero_last_phase", {"type": "OneCycleLR", "max_lr": 0.1, "total_steps": 10, "pct_start": 0.55,
                                                              "three_phase": True}, 10))
    C.append(case("ConstantLR/factor0", {"type": "ConstantLR", "factor": 0.0, "total_iters": 3}, 5))
    C.append(case("LinearLR/start_factor0", {"type": "LinearLR", "start_factor": 0.0, "total_iters": 3}, 5))
    C.append(case("StepLR/step_size0", {"type": "StepLR", "step_size": 0}, 3))
    C.append(case("CosineAnnealingLR/T_max0", {"type": "CosineAnnealingLR", "T_max": 0}, 3))
    C.append(case("CyclicLR/step_size_up0", {"type": "CyclicLR", "base_lr": 0.001, "max_lr": 0.1, "step_size_up": 0, "step_size_down": 4}, 3))
    C.append(case("SequentialLR/LinearLR_total_iters0_after_milestone", {"type": "SequentialLR", "schedulers": [
        {"type": "ConstantLR", "factor": 0.5, "total_iters": 2}, {"type": "LinearLR", "total_iters": 0}], "milestones": [2]}, 4))
    C.append(case("SequentialLR/PolynomialLR_total_iters0_after_milestone", {"type": "SequentialLR", "schedulers": [
        {"type": "ConstantLR", "factor": 0.5, "total_iters": 2}, {"type": "PolynomialLR", "total_iters": 0}], "milestones": [2]}, 4))
    C.append(case("ChainedScheduler/ReduceLROnPlateau", {"type": "ChainedScheduler", "schedulers": [
        {"type": "ExponentialLR", "gamma": 0.9}, {"type": "ReduceLROnPlateau"}]}, 3))
    C.append(case("hf/polynomial/W_equals_T", {"type": "polynomial", "num_warmup_steps": 5, "num_training_steps": 5}, 8))
    C.append(case("hf/inverse_sqrt/timescale0", {"type": "inverse_sqrt", "num_warmup_steps": 2, "timescale": 0}, 4))
    return C


def run_rejected(c):
    """Run the case until PyTorch raises; the case must raise (or it does not belong here)."""
    opt = make_optimizer(c)
    step = -1
    try:
        sched = build_torch(c["spec"], opt, c)
        for step in range(c["steps"]):
            opt.step()
            sched.step()
    except (ZeroDivisionError, TypeError, ValueError) as e:
        out = dict(c)
        out["pytorch_raises"] = "%s: %s" % (type(e).__name__, e)
        out["at_step"] = step + 1
        return out
    raise AssertionError("PyTorch accepted " + c["name"])


# ---------------------------------------------------------------------------------------------
# Output: compact, stable layout (one table row per line); floats are repr() = round-trip.
# ---------------------------------------------------------------------------------------------
def _inline(v):
    return json.dumps(v, allow_nan=False, separators=(", ", ": "))


def _dump_case(c):
    lines = []
    for k, v in c.items():
        if isinstance(v, list) and v and isinstance(v[0], list):  # lr / momentum_values tables
            body = ",\n".join("        " + _inline(row) for row in v)
            lines.append("      %s: [\n%s\n      ]" % (json.dumps(k), body))
        else:
            lines.append("      %s: %s" % (json.dumps(k), _inline(v)))
    return "    {\n" + ",\n".join(lines) + "\n    }"


def _dump(doc):
    head = ",\n".join("  %s: %s" % (json.dumps(k), _inline(v)) for k, v in doc.items() if k != "cases")
    cases = ",\n".join(_dump_case(c) for c in doc["cases"])
    return "{\n" + head + ',\n  "cases": [\n' + cases + "\n  ]\n}\n"


def write(path, cases):
    results = [run_case(c) for c in cases]
    names = [c["name"] for c in results]
    assert len(names) == len(set(names)), "duplicate case names"
    doc = {"generator": GENERATOR, "torch_version": torch.__version__, "cases": results}
    text = _dump(doc)
    assert json.loads(text) == json.loads(json.dumps(doc, allow_nan=False))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    return results


# ---------------------------------------------------------------------------------------------
# --facts: small probes of PyTorch behaviour that the C# port must reproduce
# ---------------------------------------------------------------------------------------------
def facts():
    def opt(lrs=(0.1,)):
        return make_optimizer({"lrs": list(lrs), "optimizer": "sgd", "momentum": 0.9})

    def rows(o, s, n):
        r = [o.param_groups[0]["lr"]]
        for _ in range(n):
            o.step()
            s.step()
            r.append(o.param_groups[0]["lr"])
        return r

    print("torch", torch.__version__)
    o = opt((1.0,))
    print("MultiStepLR [2,5,5,9] gamma 0.1, lr 1:", rows(o, L.MultiStepLR(o, [2, 5, 5, 9], 0.1), 10))
    o = opt((1.0,))
    a = L.ConstantLR(o, factor=0.1, total_iters=2)
    b = L.ExponentialLR(o, gamma=0.9)
    print("ChainedScheduler(ConstantLR(0.1,2), ExponentialLR(0.9)), lr 1:", rows(o, L.ChainedScheduler([a, b]), 5))
    o = opt((1.0,))
    a = L.ConstantLR(o, factor=0.1, total_iters=2)
    b = L.ExponentialLR(o, gamma=0.9)
    print("SequentialLR(ConstantLR(0.1,2), ExponentialLR(0.9), [2]), lr 1:", rows(o, L.SequentialLR(o, [a, b], [2]), 5))
    o = opt()
    a = L.LinearLR(o, start_factor=0.1, total_iters=5)
    lr_a = o.param_groups[0]["lr"]
    b = L.CosineAnnealingLR(o, T_max=10)
    lr_b = o.param_groups[0]["lr"]
    s = L.SequentialLR(o, [a, b], [5])
    print("SequentialLR(LinearLR(0.1,5), Cosine(10), [5]): lr after child ctors", lr_a, lr_b,
          "after SequentialLR ctor", o.param_groups[0]["lr"], "child last_epochs", a.last_epoch, b.last_epoch)
    print("   rows:", rows(o, s, 16))
    worst = 0.0
    for T, eta in ((10, 0.001), (10, 0.0), (7, 0.0), (3, 0.0), (100, 0.0), (50, 1e-5)):
        o = opt()
        r = rows(o, L.CosineAnnealingLR(o, T_max=T, eta_min=eta), 4 * T + 7)
        for e, v in enumerate(r):
            c = eta + (0.1 - eta) * (1 + math.cos(math.pi * e / T)) / 2
            if c != 0:
                worst = max(worst, abs(v - c) / abs(c))
            elif v != 0:
                print("   nonzero where closed form is 0:", T, eta, e, v)
    print("CosineAnnealingLR recursive vs closed form, worst relative difference:", worst)
    for three, strat in ((False, "cos"), (False, "linear"), (True, "cos"), (True, "linear")):
        o = opt()
        s = L.OneCycleLR(o, max_lr=0.1, total_steps=20, three_phase=three, anneal_strategy=strat)
        r = rows(o, s, 20)
        try:
            o.step()
            s.step()
            extra = "step 21 accepted"
        except ValueError as e:
            extra = "step 21 raises: " + str(e)
        print("OneCycleLR total_steps 20 three_phase=%s %s: row19 %r row20 %r momentum row20 %r; %s"
              % (three, strat, r[19], r[20], o.param_groups[0]["momentum"], extra))


def main():
    warnings.simplefilter("error")  # any unexpected warning is a bug in a case
    # SequentialLR calls child.step(0) at a milestone, which emits the epoch deprecation warning.
    warnings.filterwarnings("ignore", message=re.escape(L.EPOCH_DEPRECATION_WARNING[:60]))
    # transformers warns (and uses num_stable_steps) when WSD gets both; our lambdas do not warn.
    if "--facts" in sys.argv[1:]:
        facts()
    summary = []
    for fname, cases in (("pytorch.json", pytorch_cases()), ("degenerate.json", degenerate_cases()),
                         ("chained.json", chained_cases()), ("huggingface.json", hf_cases())):
        path = os.path.join(OUT_DIR, fname)
        res = write(path, cases)
        counts = {}
        for c in res:
            counts[c["spec"]["type"]] = counts.get(c["spec"]["type"], 0) + 1
        summary.append((fname, len(res), os.path.getsize(path), counts))
    rejected = [run_rejected(c) for c in rejected_cases()]
    path = os.path.join(OUT_DIR, "rejected.json")
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(_dump({"generator": GENERATOR, "torch_version": torch.__version__, "cases": rejected}))
    summary.append(("rejected.json", len(rejected), os.path.getsize(path), {}))
    for fname, n, size, counts in summary:
        print("%s: %d cases, %d bytes" % (fname, n, size))
        for t, k in counts.items():
            print("   %-28s %d" % (t, k))


if __name__ == "__main__":
    main()
