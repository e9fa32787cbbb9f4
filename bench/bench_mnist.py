"""MNIST MLP 784-256-256-256-10: one epoch from in-memory tensors vs torchvision DataLoader +
ToTensor (+ Normalize), and training throughput as a fraction of the machine's fp32 matmul peak,
measured in the same run. The three CNNs of hw1_1_mnist: a training step our way (max-pool
before ReLU, malloc keeping freed memory) vs the plain way (ReLU before max-pool, glibc's
defaults), each in a fresh single-thread process (malloc settings are per process). The seeds of
one hw1_1_mnist model: SEEDS training steps one after another (what the script does) vs one step
of the SEEDS models stacked with torch.func (stack_module_state + functional_call + vmap, each
seed on its own minibatch), on one thread, in a fresh process each.

    python -m bench.bench_mnist [--data-dir DIR]
"""
import argparse
import subprocess
import sys

import torch

import hw1_1_mnist
from bench.common import machine, report, timed
from common.cli import keep_freed_memory
from common.data import load_dataset, resolve_data_dir
from common.models import count_params, mlp

BATCH = 128
SIZES = [784, 256, 256, 256, 10]


def matmul_peak(threads, n=2048, repeats=10):
    """fp32 GFLOP/s of an n x n matmul on `threads` threads (best of `repeats`)."""
    torch.set_num_threads(threads)
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = min(timed(lambda: a @ b)[0] for _ in range(repeats))
    return 2 * n ** 3 / best / 1e9


def adam_step(ds, model, optimizer, idx):
    """One step on the training examples idx, gathered as common.train.train does."""
    loss = torch.nn.functional.cross_entropy(model(ds.x_train.index_select(0, idx)),
                                             ds.y_train.index_select(0, idx))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def epoch_tensors(ds, model, batch):
    optimizer = torch.optim.Adam(model.parameters(), 1e-3)
    order = torch.randperm(len(ds.x_train))
    for start in range(0, len(order), batch):
        adam_step(ds, model, optimizer, order[start:start + batch])


def epoch_dataloader(root, model, batch):
    import torchvision
    from torchvision import transforms
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    data = torchvision.datasets.MNIST(root, train=True, download=False, transform=tf)
    loader = torch.utils.data.DataLoader(data, batch_size=batch, shuffle=True, num_workers=0)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    for x, y in loader:
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()


def relu_before_pool(features):
    """The textbook block order conv -> ReLU -> max-pool (the CNN itself pools first)."""
    layers = list(features)
    for i in range(len(layers) - 2):
        if isinstance(layers[i + 1], torch.nn.MaxPool2d) and isinstance(layers[i + 2], torch.nn.ReLU):
            layers[i + 1], layers[i + 2] = layers[i + 2], layers[i + 1]
    return torch.nn.Sequential(*layers)


def cnn_step_seconds(root, name, way, steps=200, warmup=20):
    """Seconds per Adam step (batch 128, shuffled MNIST) of one hw1_1_mnist CNN in this process."""
    if way == "ours":
        keep_freed_memory()
    torch.set_num_threads(1)
    ds = load_dataset("mnist", root)
    torch.manual_seed(0)
    model, _ = hw1_1_mnist.build_model(name, ds.input_shape, ds.num_classes)
    if way == "plain":
        model.features = relu_before_pool(model.features)
    optimizer = torch.optim.Adam(model.parameters(), 1e-3)
    order = torch.randperm(len(ds.x_train))

    batches = [order[i * BATCH:(i + 1) * BATCH] for i in range(warmup + steps)]
    for idx in batches[:warmup]:
        adam_step(ds, model, optimizer, idx)
    seconds, _ = timed(lambda: [adam_step(ds, model, optimizer, idx) for idx in batches[warmup:]])
    return seconds / steps


def seeds_step_seconds(root, name, way, steps=100, warmup=10):
    """Seconds to advance all hw1_1_mnist.SEEDS seeds of one model by one Adam step (batch 128):
    'apart' = one model after another (the script's way), 'vmap' = the models stacked with
    torch.func, each seed on its own minibatch."""
    from torch.func import functional_call, stack_module_state, vmap
    keep_freed_memory()
    torch.set_num_threads(1)
    ds = load_dataset("mnist", root)
    seeds = hw1_1_mnist.SEEDS
    models = []
    for seed in range(seeds):
        torch.manual_seed(seed)
        models.append(hw1_1_mnist.build_model(name, ds.input_shape, ds.num_classes)[0])
    orders = [torch.randperm(len(ds.x_train)) for _ in range(seeds)]
    batches = [[order[i * BATCH:(i + 1) * BATCH] for order in orders] for i in range(warmup + steps)]
    if way == "apart":
        optimizers = [torch.optim.Adam(m.parameters(), 1e-3) for m in models]

        def step(idxs):
            for model, optimizer, idx in zip(models, optimizers, idxs):
                adam_step(ds, model, optimizer, idx)
    else:
        params, buffers = stack_module_state(models)
        skeleton = hw1_1_mnist.build_model(name, ds.input_shape, ds.num_classes)[0].to("meta")
        if hasattr(skeleton, "channels_last"):
            skeleton.channels_last = False                  # vmap cannot query memory formats
        forward = vmap(lambda p, b, x: functional_call(skeleton, (p, b), (x,)))
        optimizer = torch.optim.Adam(params.values(), 1e-3)

        def step(idxs):
            x = torch.stack([ds.x_train.index_select(0, idx) for idx in idxs])        # (S, B, 1, 28, 28)
            y = torch.stack([ds.y_train.index_select(0, idx) for idx in idxs])        # (S, B)
            out = forward(params, buffers, x)                                          # (S, B, 10)
            loss = torch.nn.functional.cross_entropy(out.flatten(0, 1), y.flatten(), reduction="none")
            optimizer.zero_grad()
            loss.view(seeds, -1).mean(1).sum().backward()                            # each seed its own mean
            optimizer.step()
    for idxs in batches[:warmup]:
        step(idxs)
    seconds, _ = timed(lambda: [step(idxs) for idxs in batches[warmup:]])
    return seconds / steps


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--cnn-step", nargs=2, metavar=("NAME", "WAY"), help=argparse.SUPPRESS)  # child process
    parser.add_argument("--seeds-step", nargs=2, metavar=("NAME", "WAY"), help=argparse.SUPPRESS)  # child process
    parser.add_argument("--only-seeds", action="store_true", help="only the seeds-together comparison")
    args = parser.parse_args()
    root = resolve_data_dir(args.data_dir)
    if args.cnn_step:
        print(cnn_step_seconds(root, *args.cnn_step))
        return
    if args.seeds_step:
        print(seeds_step_seconds(root, *args.seeds_step))
        return
    if args.only_seeds:
        seeds_together(root)
        return
    print(f"# MNIST MLP {'-'.join(map(str, SIZES))}, batch {BATCH}; {machine()}")
    torch.set_num_threads(2)
    ds = load_dataset("mnist", root)
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])   # torch's one-time optimizer import (1.4 s), untimed
    torch.manual_seed(0)
    ours_s, _ = timed(lambda: epoch_tensors(ds, mlp(784, SIZES[1:-1], 10), BATCH))
    plain_s, _ = timed(lambda: epoch_dataloader(root, mlp(784, SIZES[1:-1], 10), BATCH))
    report("one MNIST epoch: tensors vs DataLoader", ours_s, plain_s, plain_label="DataLoader")
    # the scripts' MNIST MLPs train at batch 128 on 1 thread (side by side), random labels at batch
    # 256 on 2 threads; 2 threads at batch 128 and 1024 for comparison
    for threads, batch in ((1, 128), (2, 128), (2, 256), (2, 1024)):
        peak = matmul_peak(threads)
        torch.set_num_threads(threads)
        model = mlp(784, SIZES[1:-1], 10)
        seconds = min(timed(lambda: epoch_tensors(ds, model, batch))[0] for _ in range(2))   # noqa: B023
        # forward + backward of a dense layer: 3 matmuls of 2*in*out flops per example
        flops = 3 * 2 * sum(a * b for a, b in zip(SIZES[:-1], SIZES[1:])) * len(ds.x_train)
        print(f"MLP training, {threads} thread(s), batch {batch:>4}: {flops / seconds / 1e9:6.1f} GFLOP/s = "
              f"{100 * flops / seconds / 1e9 / peak:4.1f}% of the {peak:.0f} GFLOP/s matmul peak "
              f"({count_params(model):,} params, {seconds:.2f} s/epoch)", flush=True)

    print(f"# hw1_1_mnist CNNs, one Adam step at batch {BATCH}, 1 thread, each way in a fresh process")
    for name in hw1_1_mnist.CNNS:
        per_step = {}
        for way in ("ours", "plain", "ours", "plain"):        # alternated: the machine's drift hits both
            out = subprocess.run([sys.executable, "-m", "bench.bench_mnist", "--data-dir", root, "--cnn-step",
                                  name, way], check=True, capture_output=True, text=True)
            per_step[way] = min(per_step.get(way, float("inf")), float(out.stdout))
        report(f"{name}, one step", 1e3 * per_step["ours"], 1e3 * per_step["plain"], unit="ms")
    seeds_together(root)


def seeds_together(root):
    print(f"# hw1_1_mnist, all {hw1_1_mnist.SEEDS} seeds of a model one Adam step further (batch {BATCH}, "
          f"1 thread): one after another vs torch.func.vmap; {machine()}")
    for name in [*hw1_1_mnist.CNNS, *hw1_1_mnist.DNNS]:
        per_step = {}
        for way in ("apart", "vmap", "apart", "vmap"):        # alternated: the machine's drift hits both
            out = subprocess.run([sys.executable, "-m", "bench.bench_mnist", "--data-dir", root, "--seeds-step",
                                  name, way], check=True, capture_output=True, text=True)
            per_step[way] = min(per_step.get(way, float("inf")), float(out.stdout))
        report(f"{name}, {hw1_1_mnist.SEEDS} seeds", 1e3 * per_step["apart"], 1e3 * per_step["vmap"],
               ours_label="apart", plain_label="vmap ", unit="ms")


if __name__ == "__main__":
    main()
