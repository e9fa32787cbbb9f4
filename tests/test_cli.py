"""Process setup shared by the scripts: malloc keeps freed memory (counted in page faults)."""
import subprocess
import sys

import pytest

from tests.conftest import ROOT

# minor page faults per training step of the shallow CNN (batch 128), after a warm-up
_FAULTS_PER_STEP = """
import resource, sys, torch
from common.cli import keep_freed_memory
from common.models import CNN
if sys.argv[1] == "keep":
    assert keep_freed_memory()
torch.set_num_threads(1)
torch.manual_seed(0)
x, y = torch.randn(128, 1, 28, 28), torch.randint(0, 10, (128,))
model = CNN((1, 28, 28), [8], 16, 10, n_pool=1)
optimizer = torch.optim.Adam(model.parameters())
def step():
    loss = torch.nn.functional.cross_entropy(model(x), y)
    optimizer.zero_grad(set_to_none=True); loss.backward(); optimizer.step()
faults = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    step()
start = faults()
for _ in range(20):
    step()
print((faults() - start) / 20)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's")
def test_keep_freed_memory_stops_page_faults_in_cnn_steps():
    def faults(mode):
        out = subprocess.run([sys.executable, "-c", _FAULTS_PER_STEP, mode], cwd=ROOT, capture_output=True,
                             text=True, check=True)
        return float(out.stdout)
    # by default, glibc hands the freed multi-megabyte activations back to the kernel and every
    # step faults them in again (~1,500 faults per step measured); kept, they are reused
    default = faults("default")
    if default < 200:
        pytest.skip(f"this machine's malloc already reuses the activations ({default:.0f} faults per step)")
    assert faults("keep") < 0.1 * default
