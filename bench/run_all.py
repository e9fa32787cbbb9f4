"""Run every benchmark in bench/ in turn (make bench)."""
import subprocess
import sys

BENCHMARKS = ["bench.bench_mnist", "bench.bench_curvature", "bench.bench_minratio", "bench.bench_simulate",
              "bench.bench_keskar", "bench.bench_approaches"]

if __name__ == "__main__":
    for name in BENCHMARKS:
        subprocess.run([sys.executable, "-m", name, *sys.argv[1:]], check=True)
