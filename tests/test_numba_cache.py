"""Numba's on-disk cache shared by processes that compile different kernels first.

A cached kernel compiled in a process that loaded one of its callees from the cache must load and
run in the next process.  (With a parallel callee inside the dense kernels, the third process below
crashed on its first recorded run: Numba issue 8578.)  And it must compute the same bits there: the
runs trained by the process that compiled the kernels are the runs trained by those that loaded
them.  (With reassociation among the kernels' fast-math flags, a sum such as the batch's bias
gradient was ordered anew wherever LLVM inlined it, and the runs differed from the first step on.)
"""

import os
import pathlib
import subprocess
import sys

SCRIPT = """
import hashlib, sys, tempfile
import numpy as np
import nnkern as nk
X, y = nk.datasets.load("spiral", n=200, noise=0.1, seed=0)
y3 = (np.arctan2(X[:, 1], X[:, 0]) > 0).astype(int) + (X[:, 0] > 0)
digest = hashlib.sha1()
for sizes, dtype, batch, labels in (([2, 16, 16, 1], "float32", 32, y), ([2, 16, 16, 1], "float32", 128, y),
                                    ([2, 24, 10, 3], "float64", 64, y3)):
    net = nk.MLP(sizes, activation="tanh" if sizes[-1] == 1 else "relu", output="sigmoid" if sizes[-1] == 1 else "softmax",
                 seed=0, dtype=dtype)
    record = {"record_to": tempfile.mkdtemp() + "/run"} if sys.argv[1] == "recorded" else {}
    run = nk.train(net, X[:150], labels[:150], epochs=3, batch_size=batch, quiet=True, val=(X[150:], labels[150:]),
                   **record)
    for a in (net.params, *map(np.asarray, run.history.values())):
        digest.update(np.ascontiguousarray(a).tobytes())
print(sys.argv[1], len(run.history["loss"]), digest.hexdigest())
"""


def test_processes_that_fill_the_cache_in_turns_each_run(tmp_path):
    repo = str(pathlib.Path(__file__).parents[1])
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba_cache"), PYTHONPATH=repo)
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    # the first compiles the training kernels; the second loads them and compiles the recording's
    # (which call them); the third loads everything
    digests = set()
    for kind in ("plain", "recorded", "recorded", "plain"):
        done = subprocess.run([sys.executable, str(script), kind], env=env, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, (kind, done.returncode, done.stderr[-2000:])
        assert done.stdout.split()[:2] == [kind, "3"]
        digests.add(done.stdout.split()[2])
    assert len(digests) == 1  # every process trained the same runs to the bit, compiling or loading
