"""Every script's parser, in-process: a bad argument is one line on stderr and exit 2 (argparse
before any work; tests/test_bad_input.py checks end to end that nothing is written), and --help
states the bounds."""
import importlib
import sys

import pytest

from common import cli

BAD = [
    ("hw1_1_simulate.py", ["--steps", "-3"], "--steps"),
    ("hw1_1_simulate.py", ["--functions", "tan"], "--functions"),
    ("hw1_1_simulate.py", ["--seed", str(cli.MAX_SEED + 1)], "--seed"),
    ("hw1_1_simulate.py", ["--steps", str(cli.MAX_STEPS + 1)], "--steps"),
    ("hw1_1_mnist.py", ["--epochs", "0"], "--epochs"),
    ("hw1_1_mnist.py", ["--epochs", "100000"], "--epochs"),
    ("hw1_1_mnist.py", ["--dataset", "imagenet"], "--dataset"),
    ("hw1_1_mnist.py", ["--seed", "x"], "--seed"),
    ("hw1_1_mnist.py", ["--batch-size", "0"], "--batch-size"),
    ("hw1_2_pca.py", ["--collect-every", "0"], "--collect-every"),
    ("hw1_2_pca.py", ["--seed", "-1"], "--seed"),
    ("hw1_2_gradnorm.py", ["--steps", "-1"], "--steps"),
    ("hw1_2_gradnorm.py", ["--device", "tpu"], "--device"),
    ("hw1_2_minratio.py", ["--trajectories", "0"], "--trajectories"),
    ("hw1_2_minratio.py", ["--starts", "1000000"], "--starts"),
    ("hw1_2_minratio.py", ["--finder", "bfgs"], "--finder"),
    ("hw1_2_surface.py", ["--grid", "many"], "--grid"),
    ("hw1_2_surface.py", ["--grid", "1"], "--grid"),
    ("hw1_2_surface.py", ["--grid", "100000"], "--grid"),
    ("hw1_3_sensitivity.py", ["--vary", "momentum"], "--vary"),          # no such option any more
    ("hw1_3_params.py", ["--dataset", "svhn"], "--dataset"),
    ("hw1_3_params.py", ["--workers", "1000"], "--workers"),
    ("hw1_3_random_labels.py", ["--epochs", "1.5"], "--epochs"),
    ("hw1_3_interp.py", ["--epochs", "-2"], "--epochs"),
    ("hw1_3_sharpness.py", ["--threads", "0"], "--threads"),
    ("hw1_3_sharpness.py", ["--threads", str(cli.MAX_THREADS + 1)], "--threads"),
    ("hw1_3_sharpness.py", ["--no-such-flag"], "--no-such-flag"),
    ("hw1_3_keskar.py", ["--width", "0"], "--width"),
]


def parse(script, argv, monkeypatch):
    """script's parse_args() on argv, in this process: the SystemExit it raises (or None)."""
    module = importlib.import_module(script[:-3])
    monkeypatch.setattr(sys, "argv", [script, *argv])
    try:
        module.parse_args()
    except SystemExit as stop:
        return stop
    return None


@pytest.mark.parametrize("script,args,needle", BAD)
def test_bad_arguments_exit_2_with_one_line(script, args, needle, monkeypatch, capsys):
    stop = parse(script, args, monkeypatch)
    lines = capsys.readouterr().err.strip().splitlines()
    assert stop is not None and stop.code == 2
    assert len(lines) == 1 and needle in lines[0] and "see --help" in lines[0], lines


@pytest.mark.parametrize("script", sorted({script for script, _, _ in BAD}))
def test_default_arguments_parse(script, monkeypatch):
    assert parse(script, [], monkeypatch) is None


def test_help_states_the_bounds(monkeypatch, capsys):
    stop = parse("hw1_2_surface.py", ["--help"], monkeypatch)
    out = capsys.readouterr().out
    assert stop.code == 0
    assert "3..401" in out and f"0..{cli.MAX_SEED}" in out and f"1..{cli.MAX_THREADS}" in out
