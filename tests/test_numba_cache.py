"""Numba's on-disk cache shared by processes that compile different kernels first.

A cached kernel compiled in a process that loaded one of its callees from the cache must load and
run in the next process.  (With a parallel callee inside the dense kernels, the third process below
crashed on its first recorded run: Numba issue 8578.)
"""

import os
import pathlib
import subprocess
import sys

SCRIPT = """
import sys, tempfile
import nnkern as nk
X, y = nk.datasets.load("spiral", n=200, noise=0.1, seed=0)
net = nk.MLP([2, 16, 16, 1], seed=0)
record = {"record_to": tempfile.mkdtemp() + "/run"} if sys.argv[1] == "recorded" else {}
run = nk.train(net, X, y, epochs=3, batch_size=32, quiet=True, **record)
print(sys.argv[1], len(run.history["loss"]))
"""


def test_processes_that_fill_the_cache_in_turns_each_run(tmp_path):
    repo = str(pathlib.Path(__file__).parents[1])
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba_cache"), PYTHONPATH=repo)
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    # the first compiles the training kernels; the second loads them and compiles the recording's
    # (which call them); the third loads everything
    for kind in ("plain", "recorded", "recorded", "plain"):
        done = subprocess.run([sys.executable, str(script), kind], env=env, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, (kind, done.returncode, done.stderr[-2000:])
        assert done.stdout.split() == [kind, "3"]
