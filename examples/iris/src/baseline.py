"""Nearest-centroid baseline on a subset of the features.

Usage: python3 src/baseline.py --features petal_length petal_width --out metrics/baseline_petal.json
Reads data/prepared/train.csv and data/prepared/test.csv. The softmax model
from train.py should do at least as well as this.
"""
import argparse
import csv
import json
import math
import os


def load(path, features):
    with open(path, newline="") as f:
        return [([float(row[name]) for name in features], row["species"])
                for row in csv.DictReader(f)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", nargs="+", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--data-dir", default="data/prepared")
    args = parser.parse_args()

    train = load(os.path.join(args.data_dir, "train.csv"), args.features)
    test = load(os.path.join(args.data_dir, "test.csv"), args.features)

    # The centroid of a class is the mean of its training rows.
    centroids = {}
    for species in sorted({s for _, s in train}):
        members = [x for x, s in train if s == species]
        centroids[species] = [sum(col) / len(members) for col in zip(*members)]

    # sorted() above fixes the order, so ties always go to the same class.
    correct = sum(1 for x, species in test
                  if min(centroids, key=lambda c: math.dist(x, centroids[c])) == species)
    result = {"features": args.features, "accuracy": round(correct / len(test), 4),
              "n_test": len(test)}

    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print(f"baseline: features {' '.join(args.features)} -> accuracy {result['accuracy']:.4f}")


if __name__ == "__main__":
    main()
