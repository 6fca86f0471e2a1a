#!/usr/bin/python3
"""Train the shipped reference model: a LeNet-style CNN on Fashion-MNIST.

Uses Debian's python3-torch and the IDX files of Debian's dataset-fashion-mnist.
Inputs are raw pixels / 255 (no mean/std normalisation), so the accelerator's first
layer takes the 8-bit pixels as they are (docs/networks.md).

Writes, next to --out (default data/lenet_fmnist.onnx):
  lenet_fmnist.onnx                 the model (opset 13, batch dimension dynamic)
  lenet_fmnist.predictions.txt      PyTorch's top-1 prediction for each of the 10,000 test images
  lenet_fmnist.json                 float accuracy, epochs, seed, architecture
Run: /usr/bin/python3 tools/train_lenet.py [--epochs 12] [--seed 1]
"""
import argparse
import gzip
import json
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, = struct.unpack(">I", raw[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def export_model(model, out, pred, acc, epochs, seed, architecture, extra=None):
    """Writes the model as ONNX (opset 13, batch dimension dynamic) to `out`, and next to it
    <stem>.predictions.txt (PyTorch's top-1 per test image) and <stem>.json (the sidecar, with the
    entries of `extra` added).
    Shared by the three training scripts; returns the absolute path written."""
    out = os.path.abspath(out)
    stem = out[:-len(".onnx")]
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), out, opset_version=13,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    with open(stem + ".predictions.txt", "w") as f:
        f.write("\n".join(str(int(p)) for p in pred) + "\n")
    with open(stem + ".json", "w") as f:
        json.dump({"float_accuracy_top1": acc, "test_images": int(len(pred)), "epochs": epochs,
                   "seed": seed, "torch": torch.__version__, "architecture": architecture,
                   "input": "pixels / 255, no normalisation", **(extra or {})}, f, indent=2)
        f.write("\n")
    return out


def train_epochs(model, xtr, ytr, *, epochs, seed, lr, batch, augment=None, weight_decay=0.0):
    """The training loop of train_cnn.py and train_resnet.py: Adam (AdamW when weight_decay > 0)
    at learning rate lr, a cosine schedule over the epochs, shuffled batches from a generator seeded
    with seed, augment(x, generator) applied to each batch if given. Prints loss and top-1 on the
    training batches after each epoch; returns the seconds taken."""
    if weight_decay:
        opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(seed)
    start = time.monotonic()
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(xtr), generator=gen)
        loss_sum, correct = 0.0, 0
        for i in range(0, len(xtr), batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            logits = model(augment(xtr[idx], gen) if augment else xtr[idx])
            loss = loss_fn(logits, ytr[idx])
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
            correct += int((logits.argmax(1) == ytr[idx]).sum())
        sched.step()
        print(f"epoch {epoch + 1}/{epochs} train loss {loss_sum / len(xtr):.4f} "
              f"train top-1 {correct / len(xtr):.4f} ({time.monotonic() - start:.0f} s)", flush=True)
    return time.monotonic() - start


def predict(model, x, batch=1000):
    """Top-1 class per image, in eval mode."""
    model.eval()
    with torch.no_grad():
        return torch.cat([model(x[i:i + batch]).argmax(1) for i in range(0, len(x), batch)])


def load_split(holdout=0):
    """The training images and labels, and the ones to evaluate on: the 10,000 test images, or with
    holdout = N the last N training images (trained on are then the first 60,000 - N, and the test
    set is not read). Pixels / 255 as float32 tensors of shape (n, 1, 28, 28). Shared by
    train_cnn.py and train_resnet.py; raises ValueError for a holdout out of range."""
    xtr = torch.tensor(read_idx(f"{DATA}/train-images-idx3-ubyte.gz"), dtype=torch.float32).unsqueeze(1) / 255.0
    ytr = torch.tensor(read_idx(f"{DATA}/train-labels-idx1-ubyte.gz"), dtype=torch.long)
    if holdout:
        if not 0 < holdout < len(xtr):
            raise ValueError(f"--holdout must be between 1 and {len(xtr) - 1}")
        return xtr[:-holdout], ytr[:-holdout], xtr[-holdout:], ytr[-holdout:]
    xte = torch.tensor(read_idx(f"{DATA}/t10k-images-idx3-ubyte.gz"), dtype=torch.float32).unsqueeze(1) / 255.0
    yte = torch.tensor(read_idx(f"{DATA}/t10k-labels-idx1-ubyte.gz"), dtype=torch.long)
    return xtr, ytr, xte, yte


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 8, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 128), nn.ReLU(),
        nn.Linear(128, 10))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "data", "lenet_fmnist.onnx"))
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)

    xtr = torch.tensor(read_idx(f"{DATA}/train-images-idx3-ubyte.gz"), dtype=torch.float32).unsqueeze(1) / 255.0
    ytr = torch.tensor(read_idx(f"{DATA}/train-labels-idx1-ubyte.gz"), dtype=torch.long)
    xte = torch.tensor(read_idx(f"{DATA}/t10k-images-idx3-ubyte.gz"), dtype=torch.float32).unsqueeze(1) / 255.0
    yte = torch.tensor(read_idx(f"{DATA}/t10k-labels-idx1-ubyte.gz"), dtype=torch.long)

    model = lenet()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(args.seed)
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xtr), generator=gen)
        for i in range(0, len(xtr), 128):
            idx = perm[i:i + 128]
            opt.zero_grad()
            loss = loss_fn(model(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
        sched.step()
        model.eval()
        with torch.no_grad():
            pred = model(xte).argmax(1)
        acc = (pred == yte).float().mean().item()
        print(f"epoch {epoch + 1}/{args.epochs} loss {loss.item():.4f} test top-1 {acc:.4f}", flush=True)

    model.eval()
    with torch.no_grad():
        pred = model(xte).argmax(1).numpy()
    acc = float((pred == yte.numpy()).mean())
    out = export_model(model, args.out, pred, acc, args.epochs, args.seed,
                       "conv5x5(1->8,pad2) relu maxpool2 conv5x5(8->16) relu maxpool2 "
                       "flatten fc(400->128) relu fc(128->10)")
    print(f"wrote {out}: float top-1 {acc:.4f}")


if __name__ == "__main__":
    main()
