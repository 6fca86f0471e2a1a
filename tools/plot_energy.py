#!/usr/bin/python3
"""Energy per image by component, one stacked bar per encoding and the binary baseline, from a
run's summary.json (slqsim run), written as a PNG next to it (or to OUT.png).

    tools/plot_energy.py out/run/summary.json [OUT.png]
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")  # no display
import matplotlib.pyplot as plt  # noqa: E402


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) == 3 else os.path.join(os.path.dirname(path) or ".", "energy.png")
    with open(path) as f:
        s = json.load(f)
    bars = [(e["name"], e["energy_pj_per_image_by_component"]) for e in s["encodings"] if "energy_pj_per_image" in e]
    if "binary_baseline" in s:
        bars.append((s["binary_baseline"]["name"], s["binary_baseline"]["energy_pj_per_image_by_component"]))
    if not bars:
        print(f"{path}: no energy in this report", file=sys.stderr)
        return 2
    components = []
    for _, parts in bars:
        components += [c for c in parts if c not in components]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    bottom = [0.0] * len(bars)
    for c in components:
        values = [parts.get(c, 0.0) * 1e-6 for _, parts in bars]  # pJ -> uJ
        ax.bar([n for n, _ in bars], values, bottom=bottom, label=c)
        bottom = [b + v for b, v in zip(bottom, values)]
    ax.set_ylabel("energy per image (uJ)")
    model = os.path.basename(s["config"].get("model", ""))
    ax.set_title(f"{model}: energy per image by component ({s['images']} images)")
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    fig.savefig(out, metadata={"Software": None})  # no version or date: the same run gives the same bytes
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
