"""Train a multinomial logistic regression (softmax) with full-batch gradient descent.

Usage: python3 src/train.py --lr 0.1 --epochs 300 --l2 0.001 --seed 7
Reads data/prepared/train.csv and writes models/model.json.
"""
import argparse
import csv
import json
import math
import os
import random


def load(path):
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [(list(map(float, r[:-1])), r[-1]) for r in reader]
    return header[:-1], rows


def softmax(scores):
    top = max(scores)  # subtract the maximum so that exp() cannot overflow
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lr", type=float, required=True)
    parser.add_argument("--epochs", type=int, required=True)
    parser.add_argument("--l2", type=float, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--train", default="data/prepared/train.csv")
    parser.add_argument("--out", default="models/model.json")
    args = parser.parse_args()

    features, rows = load(args.train)
    classes = sorted({species for _, species in rows})
    X = [fs for fs, _ in rows]
    Y = [classes.index(species) for _, species in rows]
    n, d, k = len(X), len(features), len(classes)

    # Small random weights (seeded, so the run is repeatable).
    rng = random.Random(args.seed)
    W = [[rng.gauss(0.0, 0.01) for _ in range(d)] for _ in range(k)]
    b = [0.0] * k

    for epoch in range(1, args.epochs + 1):
        gW = [[0.0] * d for _ in range(k)]
        gb = [0.0] * k
        loss = 0.0
        for x, y in zip(X, Y):
            p = softmax([b[c] + sum(w * v for w, v in zip(W[c], x)) for c in range(k)])
            loss -= math.log(max(p[y], 1e-12))
            for c in range(k):
                # Gradient of the cross-entropy loss with respect to score c.
                g = p[c] - (1.0 if c == y else 0.0)
                gb[c] += g
                for j in range(d):
                    gW[c][j] += g * x[j]
        for c in range(k):
            for j in range(d):
                # The L2 penalty applies to the weights only, not to the bias.
                W[c][j] -= args.lr * (gW[c][j] / n + args.l2 * W[c][j])
            b[c] -= args.lr * gb[c] / n
        if epoch == 1 or epoch % max(1, args.epochs // 5) == 0:
            print(f"train: epoch {epoch:4d}  loss {loss / n:.4f}")

    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    model = {
        "type": "softmax_regression",
        "features": features,
        "classes": classes,
        "weights": W,
        "bias": b,
        "hyperparameters": {"lr": args.lr, "epochs": args.epochs,
                            "l2": args.l2, "seed": args.seed},
        "train_loss": loss / n,
    }
    with open(args.out, "w") as f:
        json.dump(model, f, indent=2)
        f.write("\n")
    print(f"train: wrote {args.out}")


if __name__ == "__main__":
    main()
