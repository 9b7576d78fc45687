"""Peer of the trainer benchmark's whole-study figure (bench/src/trainer/run.ts --only=cnnStudy):
scikit-learn's RandomizedSearchCV over an MLPClassifier, 30 candidates x 5 stratified folds, one
core, on the 8x8 digits (1,797 images) as a binary task: is the digit an 8?

    python3 bench/reference/cnn-study-peer.py --write-csv digits.csv   # the data, for hpo
    python3 bench/reference/cnn-study-peer.py [--trials 30]           # time the search

--write-csv writes the images as a pixel CSV (64 columns p0..p63 scaled to 0-255, then `label`
yes/no) so that hpo trains on exactly the same rows. Prints one JSON object on stdout; when
scikit-learn cannot be imported it prints {"skipped": reason} and exits 0.
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as issue 12's target states it (hpo: 2 threads)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--write-csv", help="write the digits as a pixel CSV here and exit")
    p.add_argument("--trials", type=int, default=30, help="candidates sampled (default 30)")
    args = p.parse_args()
    try:
        import numpy as np
        from scipy.stats import loguniform
        from sklearn.datasets import load_digits
        from sklearn.model_selection import RandomizedSearchCV, StratifiedKFold
        from sklearn.neural_network import MLPClassifier
    except Exception as err:  # a missing library is a skip, not a failure
        print(json.dumps({"skipped": f"{type(err).__name__}: {err}"}))
        return
    digits = load_digits()
    x = digits.data / 16.0  # 0..16 in the data set
    y = (digits.target == 8).astype(int)
    if args.write_csv:
        with open(args.write_csv, "w") as f:
            f.write(",".join([f"p{i}" for i in range(64)] + ["label"]) + "\n")
            for row, label in zip(x, y):
                pixels = [str(int(round(v * 255))) for v in row]
                f.write(",".join(pixels + ["yes" if label else "no"]) + "\n")
        print(json.dumps({"rows": int(len(y)), "positives": int(y.sum()), "file": args.write_csv}))
        return
    search = RandomizedSearchCV(
        MLPClassifier(max_iter=200, early_stopping=True, random_state=0),
        {
            "hidden_layer_sizes": [(32,), (64,), (128,), (64, 32)],
            "alpha": loguniform(1e-5, 1e-1),
            "learning_rate_init": loguniform(3e-4, 3e-2),
            "batch_size": [32, 64],
        },
        n_iter=args.trials,
        cv=StratifiedKFold(5, shuffle=True, random_state=0),
        scoring="roc_auc",
        n_jobs=1,
        random_state=0,
    )
    started = time.perf_counter()
    search.fit(x, y)
    wall = time.perf_counter() - started
    import sklearn

    print(
        json.dumps(
            {
                "library": f"scikit-learn {sklearn.__version__}",
                "trials": args.trials,
                "folds": 5,
                "wallSeconds": round(wall, 2),
                "bestRocAuc": round(float(search.best_score_), 4),
                "rows": int(len(y)),
                "positives": int(np.sum(y)),
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main())
