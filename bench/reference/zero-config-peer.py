"""Peer and data preparation of the zero-config quality benchmark (bench/src/zeroconfig/run.ts):
scikit-learn's RandomizedSearchCV over an MLPClassifier pipeline, given a wall-clock budget.

    python3 bench/reference/zero-config-peer.py prepare --dataset breast-cancer --out DIR
    python3 bench/reference/zero-config-peer.py prepare --dataset digits --out DIR
    python3 bench/reference/zero-config-peer.py search --train DIR/train.csv --test DIR/test.csv \
        --label LABEL --positive yes --time 120 [--drop customer_id] [--missing ',NA,?']

prepare writes a fixed stratified split (25% test rows, random_state 0) of one of scikit-learn's
bundled public datasets, so that hpo and scikit-learn see the identical training and test rows:
  breast-cancer  Wisconsin diagnostic breast cancer (569 rows, 30 numeric columns); label
                 `malignant` yes/no (212 yes). Files: train.csv, test.csv.
  digits         UCI optical digits, 8x8 grayscale (1,797 images); is the digit an 8? (174 yes).
                 Files: train/{eight,other}/*.png and test/{eight,other}/*.png (8-bit grayscale
                 PNGs, the 0-16 intensities scaled to 0-255), and train.csv / test.csv with the
                 same pixels as columns p0..p63 (0-255) and `label` yes/no.
It prints {"rows", "positives", "trainRows", "testRows", ...} as JSON.

search runs RandomizedSearchCV (5 stratified folds, ROC AUC, n_jobs=1) over
imputer -> one-hot / scaler -> MLPClassifier, launching candidates one at a time until --time
seconds have passed since the start of the search, then refits the best on every training row
(as RandomizedSearchCV does) and scores it on the test rows (--predictions writes its test
probabilities). Prints one JSON object. When
numpy or scikit-learn cannot be imported, either command prints {"skipped": reason} and exits 0.
"""

import argparse
import csv
import json
import os
import struct
import sys
import time
import zlib

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, like hpo run with --threads 1
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

TEST_SHARE = 0.25
SPLIT_SEED = 0


def png_gray(path, pixels, width, height):
    """Writes an 8-bit grayscale PNG without an imaging library."""

    def chunk(tag, data):
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(pixels[y * width : (y + 1) * width]) for y in range(height))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(chunk(b"IEND", b""))


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def prepare(args):
    import numpy as np
    from sklearn.model_selection import train_test_split

    os.makedirs(args.out, exist_ok=True)
    if args.dataset == "breast-cancer":
        from sklearn.datasets import load_breast_cancer

        d = load_breast_cancer()
        # target 0 = malignant, 1 = benign in scikit-learn; the positive class here is malignant.
        y = (d.target == 0).astype(int)
        header = [n.replace(" ", "_") for n in d.feature_names] + ["malignant"]
        idx_train, idx_test = train_test_split(
            np.arange(len(y)), test_size=TEST_SHARE, stratify=y, random_state=SPLIT_SEED
        )
        for name, idx in (("train", idx_train), ("test", idx_test)):
            rows = [[repr(float(v)) for v in d.data[i]] + ["yes" if y[i] else "no"] for i in idx]
            write_csv(os.path.join(args.out, f"{name}.csv"), header, rows)
        source = "scikit-learn load_breast_cancer (UCI Wisconsin diagnostic), label malignant"
    elif args.dataset == "digits":
        from sklearn.datasets import load_digits

        d = load_digits()
        y = (d.target == 8).astype(int)
        pixels = np.rint(d.data * 255.0 / 16.0).astype(int)  # 0..16 in the data set
        idx_train, idx_test = train_test_split(
            np.arange(len(y)), test_size=TEST_SHARE, stratify=y, random_state=SPLIT_SEED
        )
        header = [f"p{i}" for i in range(64)] + ["label"]
        for name, idx in (("train", idx_train), ("test", idx_test)):
            for cls in ("eight", "other"):
                os.makedirs(os.path.join(args.out, name, cls), exist_ok=True)
            for i in idx:
                cls = "eight" if y[i] else "other"
                png_gray(os.path.join(args.out, name, cls, f"{i:04d}.png"), [int(v) for v in pixels[i]], 8, 8)
            rows = [[str(int(v)) for v in pixels[i]] + ["yes" if y[i] else "no"] for i in idx]
            write_csv(os.path.join(args.out, f"{name}.csv"), header, rows)
        source = "scikit-learn load_digits (UCI optical digits, 8x8 grayscale), is it an 8"
    else:
        raise SystemExit(f"unknown dataset {args.dataset}")
    print(
        json.dumps(
            {
                "source": source,
                "rows": int(len(y)),
                "positives": int(y.sum()),
                "trainRows": int(len(idx_train)),
                "testRows": int(len(idx_test)),
                "testShare": TEST_SHARE,
                "splitSeed": SPLIT_SEED,
            }
        )
    )


def read_table(path, label, positive, drop, missing):
    """A CSV as (numeric float columns with NaN, categorical string columns, labels 0/1)."""
    import numpy as np

    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    j_label = header.index(label)
    y = np.array([1 if r[j_label] == positive else 0 for r in body])
    names = [h for j, h in enumerate(header) if j != j_label and h not in drop]
    cols = {h: [r[header.index(h)].strip() for r in body] for h in names}
    return header, names, cols, y


def to_matrix(names, cols, kinds, missing):
    import numpy as np

    out = np.empty((len(next(iter(cols.values()))), len(names)), dtype=object)
    for j, h in enumerate(names):
        vals = cols[h]
        if kinds[h] == "num":
            out[:, j] = [np.nan if v in missing else float(v) for v in vals]
        else:
            # A missing category is its own level: the same as SimpleImputer(strategy="constant").
            out[:, j] = ["__missing__" if v in missing else v for v in vals]
    return out


def is_number(v):
    try:
        float(v)
        return True
    except ValueError:
        return False


def search(args):
    import numpy as np
    import sklearn
    from scipy.stats import loguniform
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import ParameterSampler, RandomizedSearchCV, StratifiedKFold
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    started = time.perf_counter()
    deadline = started + args.time
    missing = set(args.missing.split(","))
    drop = set(filter(None, args.drop.split(",")))
    _, names, train_cols, y_train = read_table(args.train, args.label, args.positive, drop, missing)
    _, _, test_cols, y_test = read_table(args.test, args.label, args.positive, drop, missing)
    # A column is numeric when every present value (train and test) parses as a number.
    kinds = {
        h: "num" if all(is_number(v) for v in train_cols[h] + test_cols[h] if v not in missing) else "cat"
        for h in names
    }
    x_train = to_matrix(names, train_cols, kinds, missing)
    x_test = to_matrix(names, test_cols, kinds, missing)
    num = [j for j, h in enumerate(names) if kinds[h] == "num"]
    cat = [j for j, h in enumerate(names) if kinds[h] == "cat"]
    parts = []
    if num:
        parts.append(("num", Pipeline([("impute", SimpleImputer()), ("scale", StandardScaler())]), num))
    if cat:
        parts.append(("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), cat))
    pipe = Pipeline(
        [
            ("prep", ColumnTransformer(parts)),
            ("mlp", MLPClassifier(max_iter=200, early_stopping=True, n_iter_no_change=10, random_state=0)),
        ]
    )
    space = {
        "mlp__hidden_layer_sizes": [(16,), (32,), (64,), (128,), (32, 16), (64, 32), (128, 64)],
        "mlp__activation": ["relu", "tanh"],
        "mlp__alpha": loguniform(1e-6, 1e-1),
        "mlp__learning_rate_init": loguniform(3e-4, 3e-2),
        "mlp__batch_size": [16, 32, 64, 128],
    }
    numeric_missing = any(np.isnan(x_train[:, j].astype(float)).any() for j in num)
    if numeric_missing:
        space["prep__num__impute__strategy"] = ["mean", "median"]

    launched = []

    class TimedRandomizedSearchCV(RandomizedSearchCV):
        """RandomizedSearchCV that launches no candidate once the deadline has passed."""

        def _run_search(self, evaluate_candidates):
            for params in ParameterSampler(self.param_distributions, self.n_iter, random_state=self.random_state):
                if time.perf_counter() >= deadline:
                    break
                launched.append(params)
                evaluate_candidates([params])

    search = TimedRandomizedSearchCV(
        pipe,
        space,
        n_iter=100_000,
        cv=StratifiedKFold(5, shuffle=True, random_state=0),
        scoring="roc_auc",
        n_jobs=1,
        refit=True,
        random_state=0,
        error_score=np.nan,
    )
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(x_train, y_train)
    test_probs = search.predict_proba(x_test)[:, 1]
    test_auc = roc_auc_score(y_test, test_probs)
    if args.predictions:  # one probability per test row, in file order (for paired comparisons)
        with open(args.predictions, "w") as f:
            f.write("".join(f"{float(v):.8f}\n" for v in test_probs))
    wall = time.perf_counter() - started
    best = {k.split("__", 1)[1] if "__" in k else k: v for k, v in search.best_params_.items()}
    print(
        json.dumps(
            {
                "library": f"scikit-learn {sklearn.__version__}",
                "candidates": len(launched),
                "folds": 5,
                "budgetSeconds": args.time,
                "wallSeconds": round(wall, 1),
                "refitSeconds": round(float(search.refit_time_), 2),
                "cvRocAuc": round(float(search.best_score_), 4),
                "testRocAuc": round(float(test_auc), 4),
                "best": {k: (list(v) if isinstance(v, tuple) else v) for k, v in best.items()},
                "numericColumns": len(num),
                "categoricalColumns": len(cat),
            },
            default=float,
        )
    )


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    pp = sub.add_parser("prepare")
    pp.add_argument("--dataset", required=True, choices=["breast-cancer", "digits"])
    pp.add_argument("--out", required=True)
    ps = sub.add_parser("search")
    ps.add_argument("--train", required=True)
    ps.add_argument("--test", required=True)
    ps.add_argument("--label", required=True)
    ps.add_argument("--positive", default="yes")
    ps.add_argument("--time", type=float, default=120.0, help="seconds after which no candidate starts")
    ps.add_argument("--drop", default="", help="comma list of columns that are not features")
    ps.add_argument("--missing", default=",NA,?", help="comma list of cell values read as missing")
    ps.add_argument("--predictions", help="write the test rows' probabilities here, one a line")
    args = p.parse_args()
    try:
        import numpy  # noqa: F401
        import scipy  # noqa: F401
        import sklearn  # noqa: F401
    except Exception as err:  # a missing library is a skip, not a failure
        print(json.dumps({"skipped": f"{type(err).__name__}: {err}"}))
        return 0
    (prepare if args.command == "prepare" else search)(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
