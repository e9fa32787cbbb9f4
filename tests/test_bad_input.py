"""Bad input and hostile conditions: each gets one line and the documented exit code, and nothing
is half-written. Every process a test starts is killed and reaped (tests.conftest.Script)."""
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from common.png import png_run_id
from tests.conftest import ROOT, Script, pid_alive, run_script, write_fake_mnist, write_idx

FAST_SIMULATE = ["--quick", "--functions", "sinc5", "--steps", "40"]


def one_line(proc, code, *needles):
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == code, proc.stderr
    assert len(lines) == 1, proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


# ---------------------------------------------------------------------------- arguments: exit 2 before any work
# (each script's parser in-process: tests/test_arguments.py; here, end to end, that nothing is written)
def test_a_bad_argument_exits_2_with_one_line_before_any_work(tmp_path):
    one_line(run_script("hw1_2_minratio.py", "--starts", "1000000", "--out-dir", str(tmp_path)), 2, "--starts")
    assert not os.listdir(tmp_path)


def test_out_dir_that_is_a_file_or_cannot_be_created(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    one_line(run_script("hw1_1_simulate.py", *FAST_SIMULATE, "--out-dir", str(afile)), 1, "is a file")
    one_line(run_script("hw1_1_simulate.py", *FAST_SIMULATE, "--out-dir", str(afile / "sub")), 1, "cannot create")
    assert afile.read_text() == "x"


# ---------------------------------------------------------------------------- data of the wrong shape
def test_images_of_the_wrong_size_name_the_file(tmp_path):
    write_fake_mnist(str(tmp_path), n_train=30, n_test=10, size=27)
    proc = run_script("hw1_1_mnist.py", "--quick", "--data-dir", str(tmp_path), "--out-dir", str(tmp_path / "out"))
    one_line(proc, 1, "train-images-idx3-ubyte", "(1, 27, 27)", "(1, 28, 28)")
    assert not (tmp_path / "out" / "results" / "quick" / "hw1_1_mnist_mnist.json").exists()


def test_train_and_test_images_that_disagree_name_the_test_file(tmp_path):
    write_fake_mnist(str(tmp_path), n_train=30, n_test=10)
    raw = tmp_path / "MNIST" / "raw"
    write_idx(raw / "t10k-images-idx3-ubyte", np.zeros((10, 27, 28)))
    proc = run_script("hw1_1_mnist.py", "--quick", "--data-dir", str(tmp_path), "--out-dir", str(tmp_path / "out"))
    one_line(proc, 1, "t10k-images-idx3-ubyte", "(1, 27, 28)")


def test_make_figures_checks_every_dataset_before_running_anything(tmp_path):
    write_fake_mnist(str(tmp_path / "data"), "MNIST")                   # Fashion-MNIST is missing
    env = dict(os.environ, HW1_OFFLINE="1", PYTHONPATH=ROOT, HW1_DATA_DIR=str(tmp_path / "data"))
    proc = subprocess.run([sys.executable, "-m", "common.run_figures", "--out-dir", str(tmp_path / "out")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    one_line(proc, 1, "fashion-mnist", "train-images-idx3-ubyte")
    assert "===" not in proc.stdout and not (tmp_path / "out").exists()   # no script started


# ---------------------------------------------------------------------------- processes: kill -9, SIGTERM, pipes
def test_kill_9_of_the_script_ends_its_side_by_side_workers(tmp_path):
    args = ["--steps", "1000000", "--points", "50", "--workers", "2", "--out-dir", str(tmp_path)]
    with Script("hw1_1_simulate.py", *args) as run:
        started = run.wait_for("worker", count=2, timeout=240)
        workers = [int(line.split("worker ")[1].split()[0]) for line in started]
        assert all(pid_alive(pid) for pid in workers)
        os.kill(run.proc.pid, signal.SIGKILL)
        run.proc.wait(timeout=60)
        deadline = time.time() + 60                                    # the watchdog polls every 0.5 s
        while any(pid_alive(pid) for pid in workers) and time.time() < deadline:
            time.sleep(0.2)
        assert not any(pid_alive(pid) for pid in workers)


@pytest.mark.parametrize("signum,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_run_leaves_no_partial_results_and_reruns(tmp_path, signum, code):
    results = tmp_path / "results" / "quick"
    # signalled once the second job is done: well inside the sweep (its results come after 12 jobs of
    # about a second each at 2,000 steps), after the first optimizer steps (and torch's lazy imports
    # behind them) have run. Started with SIGINT ignored, as a shell's `cmd &` starts it:
    # common.cli.run_main restores Ctrl-C.
    with Script("hw1_1_simulate.py", "--quick", "--steps", "2000", "--out-dir", str(tmp_path),
                sigint_ignored=(signum == signal.SIGINT)) as run:
        run.wait_for("job 2/")
        run.proc.send_signal(signum)
        status, _, err = run.finish(timeout=120)
    assert status == code and len(err.strip().splitlines()) == 1 and "rerun to continue" in err
    assert not list(results.glob("*.json")) and not list(results.glob(".*.tmp"))   # nothing half-written
    assert len(list((results / "cache").glob("hw1_1_simulate_tune-*.pt"))) >= 2      # finished jobs are kept
    again = run_script("hw1_1_simulate.py", *FAST_SIMULATE, "--out-dir", str(tmp_path))
    assert again.returncode == 0, again.stderr


def test_temporaries_of_a_killed_run_are_removed_by_the_next(tmp_path):
    assert run_script("hw1_1_simulate.py", *FAST_SIMULATE, "--out-dir", str(tmp_path)).returncode == 0
    results, figures = tmp_path / "results" / "quick", tmp_path / "figures" / "quick"
    left = [results / ".hw1_1_simulate.json.abc123.tmp", figures / ".hw1_1_simulate_sinc5_fit.png.xyz.tmp"]
    for path in left:                                                   # what kill -9 mid-write leaves
        path.write_text("half")
    assert run_script("hw1_1_simulate.py", *FAST_SIMULATE, "--out-dir", str(tmp_path)).returncode == 0
    assert not any(path.exists() for path in left)


def test_two_runs_at_once_leave_results_and_figures_of_one_run(tmp_path):
    out = str(tmp_path)
    first = Script("hw1_1_simulate.py", *FAST_SIMULATE[:-1], "300", "--out-dir", out)
    second = Script("hw1_1_simulate.py", *FAST_SIMULATE[:-1], "301", "--out-dir", out)   # another config
    with first, second:
        assert first.finish()[0] == 0 and second.finish()[0] == 0
    saved = json.loads((tmp_path / "results" / "quick" / "hw1_1_simulate.json").read_text())
    for kind in ("loss", "fit"):
        figure = tmp_path / "figures" / "quick" / f"hw1_1_simulate_sinc5_{kind}.png"
        assert png_run_id(str(figure)) == saved["provenance"]["run_id"]


def test_output_into_a_closed_pipe_ends_quietly(tmp_path):
    script = os.path.join(ROOT, "hw1_1_simulate.py")
    code = (f"import subprocess, sys; p = subprocess.Popen([sys.executable, {script!r}, "
            f"'--quick', '--out-dir', {str(tmp_path)!r}], stdout=subprocess.PIPE, stderr=subprocess.PIPE); "
            "p.stdout.readline(); p.stdout.close(); err = p.stderr.read().decode(); p.wait(); "
            "print(p.returncode); print(err)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=ROOT), cwd=ROOT)
    status, err = proc.stdout.split("\n", 1)
    assert status in ("0", "141") and "Traceback" not in err and "BrokenPipe" not in err, err
