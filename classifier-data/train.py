#!/usr/bin/env python3
"""Trains the T3 name classifier's linear model and its confidence bands.

Python 3 standard library only. The features come from the crate itself, so
that training and the shipped classifier cannot drift apart:

    cargo run --release --example classifier_eval -- --features \\
        classifier-data/build.tsv > /tmp/features.txt
    python3 classifier-data/train.py /tmp/features.txt

Writes src/rules/classify/weights.txt:
    d<TAB>feature<TAB>weight      dense (structural and lexicon) features
    w<TAB>word<TAB>weight         single words seen in at least MIN_COUNT names
    band<TAB>confidence<TAB>least |score|

The model is logistic regression (positive score: organisation) with an L2
penalty, fitted by AdaGrad over a fixed order of the rows. The confidence
bands come from cross-validation on the build set, one organisation source held out per fold: rows are sorted by
|score|, cut into bands at the points where the fold-out accuracy of the band
reaches each level in LEVELS, as fitted by a logistic curve of |score|
(a band holds at least MIN_BAND rows), and each band states the accuracy
its rows showed, rounded down. The top band starts where the fitted
accuracy is 99.9% and is the only one to state 99: names from registers the
model never saw are harder than the build set's own folds. Only build.tsv is read:
the held-out set plays no part.
"""

import math
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "src", "rules", "classify", "weights.txt")

MIN_COUNT = 3
EPOCHS = 25
L2_DENSE = 1e-5
L2_WORD = 3e-4
RATE = 0.3
# The hand-made word lists say what their words are: their weights start at
# these values and are pulled back towards them, so that a category the
# build set has few names of keeps its meaning.
PRIOR = {
    "legal": 4.0,
    "legal_last": 6.0,
    "organisation": 4.0,
    "business": 4.0,
    "estate": 4.0,
    "linking": 2.5,
    "linking_first": 3.0,
}
L2_PRIOR = 1e-2
LEVELS = [99.9, 98, 95, 90, 80, 65]
MIN_BAND = 100
FOLDS = 3


def read(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            label, feats, source = line.rstrip("\n").split("\t")
            x = {}
            for kv in feats.split(" "):
                if not kv:
                    continue
                k, _, v = kv.rpartition("=")
                x[k] = x.get(k, 0.0) + float(v)
            rows.append((int(label), x, source))
    return rows


def sparse(k):
    return k.startswith("w:") or k.startswith("x:")


def vocabulary(rows):
    count = {}
    for _, x, _ in rows:
        for k in x:
            if sparse(k):
                count[k] = count.get(k, 0) + 1
    return {k for k, n in count.items() if n >= MIN_COUNT}


def fit(rows, vocab):
    w = {}
    g2 = {}
    order = list(range(len(rows)))
    rng = random.Random(17)
    for _ in range(EPOCHS):
        rng.shuffle(order)
        for i in order:
            y, x, _ = rows[i]
            xs = [(k, v) for k, v in x.items() if not sparse(k) or k in vocab]
            z = sum(w.get(k, 0.0) * v for k, v in xs)
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            err = p - y
            for k, v in xs:
                lam = L2_WORD if sparse(k) else L2_DENSE
                prior = PRIOR.get(k, 0.0)
                if k in PRIOR:
                    lam = L2_PRIOR
                g = err * v + lam * (w.get(k, prior) - prior)
                g2[k] = g2.get(k, 0.0) + g * g
                w[k] = w.get(k, prior) - RATE * g / math.sqrt(g2[k] + 1e-8)
    return w


def score(w, x):
    return sum(w.get(k, 0.0) * v for k, v in x.items())


def platt(scored):
    """Fits accuracy = sigmoid(a * |score| + b) to (|score|, right) pairs."""
    a, b = 1.0, 0.0
    for _ in range(200):
        ga = gb = haa = hab = hbb = 0.0
        for z, r in scored:
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, a * z + b))))
            ga += (p - r) * z
            gb += p - r
            q = p * (1 - p)
            haa += q * z * z
            hab += q * z
            hbb += q
        det = haa * hbb - hab * hab
        if det <= 0:
            break
        a -= (hbb * ga - hab * gb) / det
        b -= (haa * gb - hab * ga) / det
    return a, b


def bands(scored):
    """scored: (|score|, right) pairs. Returns [(confidence, least |score|,
    rows, accuracy)], highest first. The accuracy of a verdict as a
    function of |score| is fitted (Platt); a band starts where the fitted
    accuracy reaches its level and states the fold-out accuracy of the rows
    in it, rounded down."""
    a, b = platt(scored)
    print(f"fitted accuracy = sigmoid({a:.3f} |score| + {b:.3f})", file=sys.stderr)
    out = []
    hi = float("inf")
    for level in LEVELS:
        p = level / 100
        least = max(0.0, (math.log(p / (1 - p)) - b) / a)
        seg = [r for z, r in scored if least <= z < hi]
        if len(seg) < MIN_BAND:
            continue
        acc = sum(seg) / len(seg)
        # Only the top band may state 99: below it, at most 98.
        cap = 99 if not out else 98
        out.append((max(50, min(cap, int(acc * 100))), least, len(seg), acc))
        hi = least
    seg = [r for z, r in scored if z < hi]
    if seg:
        acc = sum(seg) / len(seg)
        out.append((max(50, int(acc * 100)), 0.0, len(seg), acc))
    merged = []
    for band in out:  # bands stating the same confidence become one
        if merged and merged[-1][0] == band[0]:
            c, _, n, acc = merged.pop()
            band = (c, band[1], n + band[2], (acc * n + band[3] * band[2]) / (n + band[2]))
        merged.append(band)
    return merged


ORG_SOURCES = ["nasdaq-listings", "nyse-other-listings", "uk-social-housing"]
SHOW = 25


def fold_of(i, row):
    """Folds by source: each fold holds out one organisation source whole
    (and a third of the people), so that the bands are measured on names
    from a register the model did not see."""
    source = row[2]
    if source in ORG_SOURCES:
        return ORG_SOURCES.index(source)
    return i % FOLDS


def main():
    rows = read(sys.argv[1])
    names = [str(i) for i in range(len(rows))]
    oof = []
    for fold in range(FOLDS):
        train = [r for i, r in enumerate(rows) if fold_of(i, r) != fold]
        test = [r for i, r in enumerate(rows) if fold_of(i, r) == fold]
        w = fit(train, vocabulary(train))
        shown = 0
        for y, x, source in test:
            z = score(w, x)
            oof.append((abs(z), int((z > 0) == (y == 1))))
            if (z > 0) != (y == 1) and shown < SHOW and os.environ.get("SHOW_ERRORS"):
                shown += 1
                words = " ".join(k[2:] for k in x if k.startswith("w:"))
                print(f"  miss {source} y={y} z={z:.2f}: {words}", file=sys.stderr)
        print(f"fold {fold} ({sorted(set(s for _, _, s in test))}): "
              f"{sum(r for _, r in oof[-len(test):]) / len(test):.4f}", file=sys.stderr)
    print(f"cross-validated accuracy {sum(r for _, r in oof) / len(oof):.4f} on {len(names)} rows",
          file=sys.stderr)
    cut = bands(oof)
    for conf, least, n, acc in cut:
        print(f"band {conf}: |score| >= {least:.3f}, {n} rows, {acc:.4f} right", file=sys.stderr)
    vocab = vocabulary(rows)
    w = fit(rows, vocab)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write("# generated by classifier-data/train.py from classifier-data/build.tsv; do not edit\n")
        for conf, least, _, _ in cut:
            f.write(f"band\t{conf}\t{least:.4f}\n")
        for k in sorted(w):
            if sparse(k):
                if abs(w[k]) >= 0.05:
                    f.write(f"{k[0]}\t{k[2:]}\t{w[k]:.3f}\n")
            else:
                f.write(f"d\t{k}\t{w[k]:.4f}\n")


if __name__ == "__main__":
    main()
