#!/usr/bin/python3
"""The trade-off of a sweep (slqsim sweep), from its sweep.csv: top-1 accuracy against bits per
weight, against cycles per image and against energy per image, one series per encoding, the
Pareto front of each panel (accuracy up, the cost down) drawn as a line through its points.
Written as a PNG next to the CSV (or to OUT.png).

    tools/plot_sweep.py out/sweep/sweep.csv [OUT.png]
"""
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")  # no display
import matplotlib.pyplot as plt  # noqa: E402

PANELS = [  # (cost column, its front column, axis label, scale)
    ("bits_per_weight", "pareto_bits", "bits per weight", 1.0),
    ("cycles_per_image", "pareto_cycles", "cycles per image (millions)", 1e-6),
    ("energy_pj_per_image", "pareto_energy", "energy per image (uJ)", 1e-6),
]


def number(text):
    return float(text) if text not in ("", None) else None


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) == 3 else os.path.join(os.path.dirname(path) or ".", "sweep.png")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        print(f"{path}: no finished points", file=sys.stderr)
        return 2
    panels = [p for p in PANELS if any(number(r.get(p[0])) is not None for r in rows)]
    encodings = []
    for r in rows:
        if r["encoding"] not in encodings:
            encodings.append(r["encoding"])
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4), dpi=100, squeeze=False)
    for ax, (column, front, label, scale) in zip(axes[0], panels):
        for e in encodings:
            pts = [(number(r[column]) * scale, 100 * number(r["accuracy_top1"])) for r in rows
                   if r["encoding"] == e and number(r[column]) is not None]
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], label=e, s=18)
        on_front = sorted((number(r[column]) * scale, 100 * number(r["accuracy_top1"])) for r in rows
                          if r[front] == "true" and number(r[column]) is not None)
        if on_front:
            ax.plot([p[0] for p in on_front], [p[1] for p in on_front], "k--", linewidth=1, label="Pareto front")
            ax.scatter([p[0] for p in on_front], [p[1] for p in on_front], s=70, facecolors="none",
                       edgecolors="k", linewidths=1)
        ax.set_xlabel(label)
        ax.set_ylabel("top-1 accuracy (%)")
        ax.grid(True, linewidth=0.3)
    axes[0][0].legend(fontsize=8)
    model = os.path.basename(rows[0].get("model", ""))
    fig.suptitle(f"{model}: {len(rows)} points of {os.path.dirname(path) or '.'} ({rows[0]['images_run']} test images)")
    fig.tight_layout()
    fig.savefig(out, metadata={"Software": None})  # no version or date: the same CSV gives the same bytes
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
