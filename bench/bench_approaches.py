"""HW1-3's shared approaches (common/approaches.py): the seeds of one approach trained stacked
(one batched matmul per layer for all seeds, each seed on its own minibatches, Adam per model)
against one seed at a time, through the same trainer (train_to_criterion with M models vs M runs
of one), on MNIST, one thread, for the batch sizes of the approaches. Each line: the time of a
fixed number of steps of all SEEDS seeds (plus one full-set check at the start and one at the end),
best of REPEATS, interleaved. approaches.STACK_MAX_BATCH is set from this: stack where it is
clearly faster.

    python -m bench.bench_approaches [--data-dir DIR]
"""
import argparse

import torch

from bench.common import machine, report, timed
from common import approaches
from common.cli import keep_freed_memory
from common.data import load_dataset, resolve_data_dir
from common.models import mlp

SEEDS = 5
STEPS = {16: 2000, 32: 1500, 64: 1000, 256: 400, 1024: 120, 4096: 30}     # steps timed per batch size
REPEATS = 2


def steps_seconds(ds, batch, together):
    """Seconds for STEPS[batch] steps of SEEDS seeds, stacked (together) or one after another."""
    n, steps = len(ds.x_train), STEPS[batch]
    criterion = approaches.Criterion(target_loss=0.0, check_epochs=steps * batch / n, max_steps=steps,
                                     max_epochs=1e9)

    def models(seeds):
        out = []
        for s in seeds:
            torch.manual_seed(s)
            out.append(mlp(784, approaches.WIDTHS, 10))
        return out

    def generators(seeds):
        return [torch.Generator().manual_seed(100 + s) for s in seeds]
    if together:
        return timed(lambda: approaches.train_to_criterion(models(range(SEEDS)), ds.x_train, ds.y_train, batch,
                                                           1e-3, generators(range(SEEDS)), criterion))[0]
    return timed(lambda: [approaches.train_to_criterion(models([s]), ds.x_train, ds.y_train, batch, 1e-3,
                                                        generators([s]), criterion) for s in range(SEEDS)])[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    keep_freed_memory()
    torch.set_num_threads(1)
    ds = load_dataset("mnist", resolve_data_dir(args.data_dir))
    print(f"# HW1-3 approaches: {SEEDS} seeds stacked vs one at a time, MLP 784-32-10, 1 thread; {machine()}")
    for batch in STEPS:
        apart = min(steps_seconds(ds, batch, False) for _ in range(REPEATS))
        together = min(steps_seconds(ds, batch, True) for _ in range(REPEATS))
        report(f"batch {batch:>5}, {STEPS[batch]} steps x {SEEDS} seeds", together, apart, "stacked", "one at a time")


if __name__ == "__main__":
    main()
