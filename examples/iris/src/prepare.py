"""Split data/iris.csv into train and test sets, optionally standardizing features.

Usage: python3 src/prepare.py --seed 42 --test-ratio 0.2 [--standardize true]
Writes data/prepared/train.csv and data/prepared/test.csv.
"""
import argparse
import csv
import os
import random
import statistics

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def parse_bool(text):
    # Values arrive from ${...} interpolation of params.yaml, which turns
    # YAML booleans into the strings "true"/"false".
    value = text.strip().lower()
    if value in ("true", "yes", "1"):
        return True
    if value in ("false", "no", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected true/false, got {text!r}")


def write_rows(path, rows):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(FEATURES + ["species"])
        for features, species in rows:
            # Fixed precision keeps the files byte-identical across runs.
            writer.writerow([f"{v:.6f}" for v in features] + [species])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--test-ratio", type=float, required=True)
    parser.add_argument("--standardize", type=parse_bool, default=True)
    parser.add_argument("--input", default="data/iris.csv")
    parser.add_argument("--out-dir", default="data/prepared")
    args = parser.parse_args()

    by_class = {}
    with open(args.input, newline="") as f:
        for row in csv.DictReader(f):
            features = [float(row[name]) for name in FEATURES]
            by_class.setdefault(row["species"], []).append((features, row["species"]))

    # Stratified split: take the same share of every species for the test
    # set, so that a small test set still contains all three classes equally.
    rng = random.Random(args.seed)
    train, test = [], []
    for species in sorted(by_class):
        rows = by_class[species]
        rng.shuffle(rows)
        n_test = round(len(rows) * args.test_ratio)
        test += rows[:n_test]
        train += rows[n_test:]
    rng.shuffle(train)
    rng.shuffle(test)

    if args.standardize:
        # Mean and standard deviation come from the training rows only, so
        # that the test set stays unseen.
        columns = list(zip(*(features for features, _ in train)))
        means = [statistics.fmean(col) for col in columns]
        stdevs = [statistics.pstdev(col) or 1.0 for col in columns]
        scale = lambda fs: [(v - m) / s for v, m, s in zip(fs, means, stdevs)]
        train = [(scale(fs), sp) for fs, sp in train]
        test = [(scale(fs), sp) for fs, sp in test]

    os.makedirs(args.out_dir, exist_ok=True)
    write_rows(os.path.join(args.out_dir, "train.csv"), train)
    write_rows(os.path.join(args.out_dir, "test.csv"), test)
    print(f"prepare: {len(train)} train rows, {len(test)} test rows, "
          f"standardize={args.standardize} -> {args.out_dir}/")


if __name__ == "__main__":
    main()
