"""Peer figures for the trainer benchmark (bench/src/trainer/run.ts): training throughput of PyTorch
and Keras 3 (TensorFlow backend) on hpo's reference nets, one thread each, batch 32.

Run with a Python that has torch, tensorflow-cpu and keras (a library that fails to import is
reported as {"skipped": reason} and the rest still runs):

    python3 -m venv /tmp/peers && /tmp/peers/bin/pip install torch tensorflow-cpu keras numpy
    /tmp/peers/bin/python bench/reference/trainer-peers.py [--quick] [--rounds N] [--only mlp,cnn28]

Nets (same shapes, optimizers and sizes as run.ts; loss is binary cross-entropy on one logit):
  mlp                      30 → 64 relu → 32 relu → 1, Adam 1e-3
  mlp_dropout              mlp with dropout 0.2 after each hidden activation
  mlp_batchnorm            mlp with dense (no bias) → batch norm → relu in each hidden layer
  mlp_dropout_elu_rmsprop  elu activations, dropout 0.3, RMSprop 1e-3
  cnn28                    28×28×1 → conv 32 3×3 valid relu → maxpool 2 → conv 64 3×3 valid relu →
                           maxpool 2 → flatten → dense 128 relu → 1, Adam 1e-3
Optimizer and batch-norm constants follow Keras/tfjs (epsilon 1e-7, RMSprop rho 0.9, batch-norm
momentum 0.99 and epsilon 1e-3); they do not change the cost of a step, only what it computes.

Each run builds a fresh model, trains one untimed warm-up epoch, then times `epochs` more with
shuffling. Keras runs model.fit on numpy arrays (what Keras users run); PyTorch a plain loop over a
shuffled index with the tensors already in memory. Rounds interleave the libraries (torch, keras,
torch, keras, ...) so drift on a shared machine hits both alike; the report gives per-net medians.
`cpuPerWall` (process CPU time / wall time) checks that a run really used one core.
Prints one JSON object on stdout; progress goes to stderr.
"""

import os

# Thread caps must be in the environment before torch/TensorFlow load their runtimes.
for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
            "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
    os.environ[var] = "1"
os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter short

import argparse
import gc
import json
import statistics
import sys
import time

import numpy as np

BATCH = 32
MLP_NETS = {  # name: (activation, dropout, batch norm, optimizer)
    "mlp": ("relu", 0.0, False, "adam"),
    "mlp_dropout": ("relu", 0.2, False, "adam"),
    "mlp_batchnorm": ("relu", 0.0, True, "adam"),
    "mlp_dropout_elu_rmsprop": ("elu", 0.3, False, "rmsprop"),
}
NETS = [*MLP_NETS, "cnn28"]


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def make_data(net, quick, seed=0):
    """Synthetic data like run.ts: uniform [0, 1) float32 features, ~30% positive labels."""
    rng = np.random.default_rng(seed)
    if net == "cnn28":
        rows, shape, epochs = (128 if quick else 640), (28, 28, 1), 2
    else:
        rows, shape, epochs = (3200 if quick else 16000), (30,), (2 if quick else 5)
    x = rng.random((rows, *shape), dtype=np.float32)
    y = (rng.random((rows, 1)) < 0.3).astype(np.float32)
    return x, y, epochs


def timed(train_epochs, rows, epochs):
    """Runs train_epochs(epochs) and returns (samples/s, process CPU seconds per wall second)."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    train_epochs(epochs)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return rows * epochs / wall, cpu / wall


# --- PyTorch -----------------------------------------------------------------------------------

def torch_setup():
    import torch
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)  # must precede any parallel work, so right after import
    return torch, {"version": torch.__version__,
                   "intraOp": torch.get_num_threads(), "interOp": torch.get_num_interop_threads()}


def torch_run(torch, net, x, y, epochs, seed):
    nn = torch.nn
    torch.manual_seed(seed)
    if net == "cnn28":
        # NHWC → NCHW, torch's default layout and what its users run. (The channels_last memory
        # format was ~2-3x faster on one thread in a spot check; deliberately not used here.)
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
        model = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(5 * 5 * 64, 128), nn.ReLU(), nn.Linear(128, 1))
        opt_name = "adam"
    else:
        act, dropout, batchnorm, opt_name = MLP_NETS[net]
        layers, width = [], 30
        for units in (64, 32):
            if batchnorm:
                layers += [nn.Linear(width, units, bias=False),
                           nn.BatchNorm1d(units, eps=1e-3, momentum=0.01)]
            else:
                layers.append(nn.Linear(width, units))
            layers.append(nn.ReLU() if act == "relu" else nn.ELU())
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = units
        model = nn.Sequential(*layers, nn.Linear(width, 1))
    if opt_name == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    else:
        opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    loss_fn = nn.BCEWithLogitsLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    model.train()

    def train_epochs(n):
        for _ in range(n):
            order = torch.randperm(len(xt))
            for start in range(0, len(xt), BATCH):
                idx = order[start:start + BATCH]
                opt.zero_grad(set_to_none=True)
                loss_fn(model(xt[idx]), yt[idx]).backward()
                opt.step()

    train_epochs(1)  # warm-up epoch, not timed
    return timed(train_epochs, len(x), epochs)


# --- Keras (TensorFlow backend) ----------------------------------------------------------------

def keras_setup():
    import tensorflow as tf
    # Thread pools are fixed when TensorFlow creates its context: set them before any op runs.
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras
    return keras, {"version": keras.__version__, "backend": keras.backend.backend(),
                   "tensorflow": tf.__version__,
                   "intraOp": tf.config.threading.get_intra_op_parallelism_threads(),
                   "interOp": tf.config.threading.get_inter_op_parallelism_threads()}


def keras_run(keras, net, x, y, epochs, seed):
    L = keras.layers
    keras.backend.clear_session()  # drop the previous run's graphs
    keras.utils.set_random_seed(seed)
    if net == "cnn28":
        layers = [L.Input((28, 28, 1)),
                  L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(2),
                  L.Conv2D(64, 3, activation="relu"), L.MaxPooling2D(2),
                  L.Flatten(), L.Dense(128, activation="relu")]
        opt_name = "adam"
    else:
        act, dropout, batchnorm, opt_name = MLP_NETS[net]
        layers = [L.Input((30,))]
        for units in (64, 32):
            if batchnorm:  # Keras defaults: momentum 0.99, epsilon 1e-3
                layers += [L.Dense(units, use_bias=False), L.BatchNormalization()]
            else:
                layers.append(L.Dense(units))
            layers.append(L.Activation(act))
            if dropout:
                layers.append(L.Dropout(dropout))
    model = keras.Sequential([*layers, L.Dense(1)])
    opt = (keras.optimizers.Adam(1e-3) if opt_name == "adam"
           else keras.optimizers.RMSprop(1e-3))
    model.compile(optimizer=opt, loss=keras.losses.BinaryCrossentropy(from_logits=True))

    def train_epochs(n):
        model.fit(x, y, batch_size=BATCH, epochs=n, shuffle=True, verbose=0)

    train_epochs(1)  # warm-up epoch (traces the train function), not timed
    return timed(train_epochs, len(x), epochs)


# --- Driver ------------------------------------------------------------------------------------

def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="about 5x less work (run.ts --quick sizes)")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    p.add_argument("--only", default=",".join(NETS), help="comma-separated nets: " + ", ".join(NETS))
    args = p.parse_args()
    args.only = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = sorted(set(args.only) - set(NETS))
    if unknown or not args.only:
        p.error(f"unknown nets {unknown}; choose from {NETS}")
    if args.rounds < 1:
        p.error("--rounds must be at least 1")
    return args


def main():
    args = parse_args()
    # Libraries may write to fd 1 from C code; point fd 1 at stderr and keep the real stdout for
    # the JSON alone.
    sys.stdout.flush()
    json_out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)

    libs = {}  # name: (module, run function) for the libraries that imported
    report = {}
    for name, setup, run in (("torch", torch_setup, torch_run), ("keras", keras_setup, keras_run)):
        try:
            module, info = setup()
        except Exception as e:  # ImportError mostly; a broken install can raise others
            report[name] = {"skipped": f"{type(e).__name__}: {e}"}
            log(f"{name}: skipped ({report[name]['skipped']})")
            continue
        libs[name] = (module, run)
        report[name] = {**info, "results": {}}
        log(f"{name} {info['version']}: intra-op {info['intraOp']}, inter-op {info['interOp']}")

    data = {net: make_data(net, args.quick) for net in args.only}  # once per net, shared
    runs = {lib: {net: [] for net in args.only} for lib in libs}
    for r in range(1, args.rounds + 1):
        for net in args.only:
            x, y, epochs = data[net]
            for lib, (module, run) in libs.items():
                sps, cpu = run(module, net, x, y, epochs, seed=r)
                runs[lib][net].append((sps, cpu))
                log(f"round {r}/{args.rounds} {net:<24} {lib:<6} {sps:10.0f} samples/s  "
                    f"cpu/wall {cpu:.2f}")

    for lib in libs:
        for net, rs in runs[lib].items():
            report[lib]["results"][net] = {
                "samplesPerSec": round(statistics.median(s for s, _ in rs)),
                "runs": [round(s) for s, _ in rs],
                "cpuPerWall": round(statistics.median(c for _, c in rs), 2),
            }
    report.update(threads=1, batchSize=BATCH, rounds=args.rounds, quick=args.quick)
    json_out.write(json.dumps(report, indent=2) + "\n")
    json_out.flush()


if __name__ == "__main__":
    main()
