"""Evaluate models/model.json on the test set.

Usage: python3 src/evaluate.py
Writes metrics.json (accuracy, macro F1, per-class precision/recall) and
plots/confusion.csv (one "actual,predicted" row per test sample).
"""
import argparse
import csv
import json
import os


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/model.json")
    parser.add_argument("--test", default="data/prepared/test.csv")
    parser.add_argument("--metrics", default="metrics.json")
    parser.add_argument("--confusion", default="plots/confusion.csv")
    args = parser.parse_args()

    with open(args.model) as f:
        model = json.load(f)
    classes, W, b = model["classes"], model["weights"], model["bias"]

    pairs = []  # (actual, predicted)
    with open(args.test, newline="") as f:
        for row in csv.DictReader(f):
            x = [float(row[name]) for name in model["features"]]
            # The largest score wins; softmax would not change the order.
            scores = [b[c] + sum(w * v for w, v in zip(W[c], x)) for c in range(len(classes))]
            pairs.append((row["species"], classes[scores.index(max(scores))]))

    per_class = {}
    for c in classes:
        tp = sum(1 for a, p in pairs if a == c and p == c)
        predicted = sum(1 for _, p in pairs if p == c)
        actual = sum(1 for a, _ in pairs if a == c)
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[c] = {"precision": round(precision, 4), "recall": round(recall, 4),
                        "f1": round(f1, 4)}
    metrics = {
        "accuracy": round(sum(1 for a, p in pairs if a == p) / len(pairs), 4),
        "macro_f1": round(sum(m["f1"] for m in per_class.values()) / len(classes), 4),
        "n_test": len(pairs),
        "per_class": per_class,
    }

    with open(args.metrics, "w") as f:
        json.dump(metrics, f, indent=2)
        f.write("\n")
    os.makedirs(os.path.dirname(args.confusion) or ".", exist_ok=True)
    with open(args.confusion, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["actual", "predicted"])
        writer.writerows(pairs)

    print(f"evaluate: accuracy {metrics['accuracy']:.4f}  macro F1 {metrics['macro_f1']:.4f}"
          f"  ({len(pairs)} test rows)")
    print("evaluate: confusion matrix (rows = actual, columns = predicted)")
    print("  " + "".join(f"{c:>12}" for c in [""] + classes))
    for a in classes:
        counts = [sum(1 for x, p in pairs if x == a and p == c) for c in classes]
        print("  " + f"{a:>12}" + "".join(f"{n:>12}" for n in counts))


if __name__ == "__main__":
    main()
