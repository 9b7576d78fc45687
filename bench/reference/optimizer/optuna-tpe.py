# Reference figures for the sampler benchmark (bench/src/optimizer/run.ts): Optuna 5's
# TPESampler(seed=s) with its defaults, on the test functions of packages/testing/src/
# test-functions.ts (same definitions and domains, one suggest_float per coordinate over its
# [low, high]), 50 evaluations, sequential and with 4 trials pending, with run.ts' protocol: ask
# `par` trials, then tell the oldest and ask one more per tell until the budget is asked.
# Regret = best true value - known optimum.
#
# Optuna 5.0's TPESampler defaults (checked in optuna/samplers/_tpe/sampler.py): multivariate is
# on for single-objective studies (multivariate=None -> True), constant_liar=True (running trials
# join the "above" group), n_startup_trials=10, n_ei_candidates=24, gamma(n)=min(ceil(0.1 n), 25),
# prior_weight=1, magic clip on (bandwidth floor (high-low)/min(100, n_group+2)). This is what
# hpo's TpeSampler mirrors (multivariate, constant liar), except its minBandwidth.
#
# Usage (venv with optuna 5.0.0; numpy):
#   python optuna-tpe.py --functions=levy6,rosenbrock4 --seeds=0-29 \
#       --modes=sequential,pending4 --budget=50
# --seeds=N runs seeds 0..N-1, --seeds=A-B runs A..B. Prints one JSON object on stdout shaped like
# run.ts' `regret.tpe` block: {fn: {mode: {medianRegret, regrets}}}; progress (and the optuna
# version) goes to stderr.
# Exits with code 3 and a message when optuna cannot be imported.
import argparse
import json
import math
import sys

try:
    import numpy as np
    import optuna
except ImportError as e:  # pragma: no cover
    sys.stderr.write(
        f"optuna-tpe.py needs optuna 5 and numpy ({e}); install them, e.g. pip install optuna\n"
    )
    sys.exit(3)

optuna.logging.set_verbosity(optuna.logging.ERROR)

PI = math.pi


def levy(x):
    w = [1 + (v - 1) / 4 for v in x]
    d = len(x)
    s = math.sin(PI * w[0]) ** 2
    for i in range(d - 1):
        s += (w[i] - 1) ** 2 * (1 + 10 * math.sin(PI * w[i] + 1) ** 2)
    return s + (w[d - 1] - 1) ** 2 * (1 + math.sin(2 * PI * w[d - 1]) ** 2)


def branin(x):
    x1, x2 = x
    b = 5.1 / (4 * PI * PI)
    c = 5 / PI
    t = 1 / (8 * PI)
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


H_ALPHA = [1, 1.2, 3, 3.2]
H6_A = [
    [10, 3, 17, 3.5, 1.7, 8],
    [0.05, 10, 17, 0.1, 8, 14],
    [3, 3.5, 1.7, 10, 17, 8],
    [17, 8, 0.05, 10, 0.1, 14],
]
H6_P = [
    [v * 1e-4 for v in r]
    for r in [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
]
H3_A = [[3, 10, 30], [0.1, 10, 35], [3, 10, 30], [0.1, 10, 35]]
H3_P = [
    [v * 1e-4 for v in r]
    for r in [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]]
]


def hartmann(a, p):
    def f(x):
        s = 0.0
        for i in range(4):
            inner = 0.0
            for j in range(len(x)):
                inner += a[i][j] * (x[j] - p[i][j]) ** 2
            s -= H_ALPHA[i] * math.exp(-inner)
        return s

    return f


def styblinski(x):
    s = 0.0
    for v in x:
        s += (v**4 - 16 * v**2 + 5 * v) / 2
    return s


def ackley(x):
    d = len(x)
    sq = sum(v * v for v in x) / d
    cs = sum(math.cos(2 * PI * v) for v in x) / d
    return -20 * math.exp(-0.2 * math.sqrt(sq)) - math.exp(cs) + 20 + math.e


def corner_sphere(x):
    return sum((v - 1) ** 2 for v in x)


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (x[i] - 1) ** 2 for i in range(len(x) - 1))


def rastrigin(x):
    return sum(v * v - 10 * math.cos(2 * PI * v) + 10 for v in x)


def griewank(x):
    s = 0.0
    prod = 1.0
    for i, v in enumerate(x):
        s += v * v / 4000
        prod *= math.cos(v / math.sqrt(i + 1))
    return s - prod + 1


def schwefel(x):
    return 418.9828872724338 * len(x) - sum(v * math.sin(math.sqrt(abs(v))) for v in x)


def michalewicz(x):
    return -sum(math.sin(v) * math.sin((i + 1) * v * v / PI) ** 20 for i, v in enumerate(x))


def six_hump_camel(x):
    a, b = x
    return (4 - 2.1 * a * a + a**4 / 3) * a * a + a * b + (-4 + 4 * b * b) * b * b


def goldstein_price(x):
    a, b = x
    p = 1 + (a + b + 1) ** 2 * (19 - 14 * a + 3 * a * a - 14 * b + 6 * a * b + 3 * b * b)
    q = 30 + (2 * a - 3 * b) ** 2 * (18 - 32 * a + 12 * a * a + 48 * b - 36 * a * b + 27 * b * b)
    return p * q


SHEKEL_BETA = [b / 10 for b in [1, 2, 2, 4, 4, 6, 3, 7, 5, 5]]
SHEKEL_C = [
    [4, 1, 8, 6, 3, 2, 5, 8, 6, 7],
    [4, 1, 8, 6, 7, 9, 3, 1, 2, 3.6],
    [4, 1, 8, 6, 3, 2, 5, 8, 6, 7],
    [4, 1, 8, 6, 7, 9, 3, 1, 2, 3.6],
]


def shekel(x):
    s = 0.0
    for i in range(10):
        inner = SHEKEL_BETA[i]
        for j in range(4):
            inner += (x[j] - SHEKEL_C[j][i]) ** 2
        s -= 1 / inner
    return s


def zakharov(x):
    s1 = 0.0
    s2 = 0.0
    for i, v in enumerate(x):
        s1 += v * v
        s2 += 0.5 * (i + 1) * v
    return s1 + s2**2 + s2**4


def dixon_price(x):
    s = (x[0] - 1) ** 2
    for i in range(1, len(x)):
        s += (i + 1) * (2 * x[i] ** 2 - x[i - 1]) ** 2
    return s


def sum_squares(x):
    return sum((i + 1) * v * v for i, v in enumerate(x))


def box(d, low, high):
    return [(low, high)] * d


# name -> (bounds per coordinate x0..x{d-1}, function, known optimum); as in test-functions.ts.
FUNCTIONS = {
    "branin": ([(-5, 10), (0, 15)], branin, 0.397887),
    "hartmann6": (box(6, 0, 1), hartmann(H6_A, H6_P), -3.32237),
    "styblinski4": (box(4, -5, 5), styblinski, -39.16617 * 4),
    "levy4": (box(4, -10, 10), levy, 0.0),
    "ackley5": (box(5, -5, 10), ackley, 0.0),
    "corner-sphere6": (box(6, 0, 1), corner_sphere, 0.0),
    "levy6": (box(6, -10, 10), levy, 0.0),
    "rosenbrock4": (box(4, -5, 10), rosenbrock, 0.0),
    "rastrigin4": (box(4, -5.12, 5.12), rastrigin, 0.0),
    "griewank6": (box(6, -600, 600), griewank, 0.0),
    "schwefel3": (box(3, -500, 500), schwefel, 0.0),
    "michalewicz5": (box(5, 0, PI), michalewicz, -4.687658179088149),
    "six-hump-camel": ([(-3, 3), (-2, 2)], six_hump_camel, -1.0316284534898774),
    "goldstein-price": (box(2, -2, 2), goldstein_price, 3.0),
    "hartmann3": (box(3, 0, 1), hartmann(H3_A, H3_P), -3.862779787332663),
    "shekel10": (box(4, 0, 10), shekel, -10.536443153483532),
    "zakharov6": (box(6, -5, 10), zakharov, 0.0),
    "dixon-price4": (box(4, -10, 10), dixon_price, 0.0),
    "styblinski8": (box(8, -5, 5), styblinski, -39.16616570377142 * 8),
    "sum-squares10": (box(10, -10, 10), sum_squares, 0.0),
}


def run_once(name, seed, par, budget):
    bounds, f, optimum = FUNCTIONS[name]
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    queue = []
    best = math.inf
    asked = 0

    def ask():
        nonlocal asked
        t = study.ask()
        x = [t.suggest_float(f"x{j}", lo, hi) for j, (lo, hi) in enumerate(bounds)]
        asked += 1
        queue.append((t, f(x)))

    while asked < min(par, budget):
        ask()
    while queue:
        t, v = queue.pop(0)
        best = min(best, v)
        study.tell(t, v)
        if asked < budget:
            ask()
    return best - optimum


def parse_seeds(arg):
    parts = [int(p) for p in arg.split("-")]
    return list(range(parts[0], parts[1] + 1)) if len(parts) == 2 else list(range(parts[0]))


def median(xs):
    s = sorted(xs)
    m = len(s) // 2
    return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2


def main():
    ap = argparse.ArgumentParser(description="Optuna 5 TPESampler reference for run.ts")
    ap.add_argument("--functions", default="branin,hartmann6")
    ap.add_argument("--seeds", default="10")
    ap.add_argument("--modes", default="sequential,pending4")
    ap.add_argument("--budget", type=int, default=50)
    a = ap.parse_args()
    names = a.functions.split(",")
    unknown = [n for n in names if n not in FUNCTIONS]
    if unknown:
        sys.stderr.write(f"unknown function {unknown[0]}; one of {', '.join(FUNCTIONS)}\n")
        sys.exit(2)
    seeds = parse_seeds(a.seeds)
    sys.stderr.write(f"optuna {optuna.__version__}, TPESampler defaults, budget {a.budget}\n")
    modes = a.modes.split(",")
    out = {}
    for name in names:
        per_mode = {}
        for mode, par in (("sequential", 1), ("pending4", 4)):
            if mode not in modes:
                continue
            regrets = [run_once(name, s, par, a.budget) for s in seeds]
            per_mode[mode] = {
                "medianRegret": float(f"{median(regrets):.4g}"),
                "regrets": [float(f"{r:.3g}") for r in regrets],
            }
            sys.stderr.write(f"optuna-tpe {name} {mode}: median {per_mode[mode]['medianRegret']}\n")
        out[name] = per_mode
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
