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
bands are a binned (isotonic) calibration of out-of-fold verdicts: the build
set is scored by cross-validation, one organisation source held out per fold,
so that each verdict comes from a model that never saw that register. The
top band (stated 99) is the longest run of the highest |score|s that were
TOP_LEVEL right; below it, rows are cut into blocks of at least MIN_BAND,
pooled where a lower block did better than the one above, and each band
states the accuracy its rows showed, rounded. Only build.tsv is read: the
held-out sets play no part.
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
# The top band: verdicts that were at least this often right out of fold.
TOP_LEVEL = 0.999
# Rows in a band below the top, at least: about 2.5 points of standard
# error on an accuracy near 80%.
MIN_BAND = 300
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


def bands(scored):
    """scored: (|score|, right) pairs, out of fold. Returns [(confidence,
    least |score|, rows, accuracy)], highest first.

    Binned (isotonic) calibration on the out-of-fold verdicts: the top band
    is the longest run of the most confident verdicts that were TOP_LEVEL
    right, and states 99; below it, the verdicts are cut into blocks of at
    least MIN_BAND rows, adjacent blocks are pooled until accuracy falls
    from one block to the next, and each block states its accuracy rounded
    (at most 98). Blocks stating the same value become one band."""
    s = sorted(scored, key=lambda t: -t[0])
    top, right = 0, 0
    for i, (_, r) in enumerate(s):
        right += r
        if i + 1 >= MIN_BAND and right / (i + 1) >= TOP_LEVEL:
            top = i + 1
    out = [(99, s[top - 1][0], top, sum(r for _, r in s[:top]) / top)] if top else []
    rest = s[top:]
    blocks = []
    i = 0
    while i < len(rest):
        j = min(len(rest), i + MIN_BAND)
        if len(rest) - j < MIN_BAND:
            j = len(rest)
        block = rest[i:j]
        blocks.append([block[-1][0], len(block), sum(r for _, r in block)])
        i = j
    pooled = []
    for b in blocks:
        pooled.append(b)
        while len(pooled) > 1 and pooled[-1][2] / pooled[-1][1] > pooled[-2][2] / pooled[-2][1]:
            lower, upper = pooled.pop(), pooled.pop()
            pooled.append([lower[0], lower[1] + upper[1], lower[2] + upper[2]])
    for least, n, r in pooled:
        out.append((max(50, min(98, round(100 * r / n))), least, n, r / n))
    if out:
        c, _, n, acc = out[-1]
        out[-1] = (c, 0.0, n, acc)
    merged = []
    for band in out:
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
