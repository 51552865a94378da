"""The fair suite's cases.  A case is a list of specs (``benchmarks.problems``), the thread
counts it runs at (a spec's own ``threads`` narrows them), and per spec its contenders and targets (each a minimum ratio of the peer's
time to nnkern's, judged on the median over independent runs).  ``runner.run_case`` runs it."""

ALL = ("nnkern", "nnkern kernel", "numpy", "jax", "torch", "torch tuned", "torch compile", "sklearn")
#: torch.compile takes minutes to compile on this machine: it runs on one spec of (a) and of (b);
#: so that the suite ends in reasonable time on a busy machine (where two threads of OpenBLAS or of
#: PyTorch slow down many times over), only 784-128-10 runs at 2 threads as well as 1 in (b)
NO_COMPILE = tuple(c for c in ALL if c != "torch compile")
INFERENCE = ("nnkern", "numpy", "jax", "torch", "sklearn")


def _spec(kind, sizes, dtype="float32", activation="tanh", output="sigmoid", **rest):
    return dict(kind=kind, sizes=sizes, dtype=dtype, activation=activation, output=output, **rest)


def case_a(quick):
    specs = []
    for dtype in ("float32", "float64"):
        for batch in (32, 1000):
            spec = _spec("train", [2, 16, 16, 1], dtype, data="spiral", n=1000, batch=batch,
                         epochs=(3 if quick else 10) * (1 if batch == 32 else 4), calls=3 if quick else 10)
            spec["contenders"] = ALL if (dtype, batch) == ("float32", 32) else NO_COMPILE
            spec["targets"] = {"jax": 2, "numpy": 10} if batch == 32 else {"jax": 1.5, "numpy": 3}
            specs.append(spec)
    return {"title": "2-16-16-1 tanh on the spiral", "specs": specs[:1] if quick else specs, "threads": [1]}


def case_b(quick):
    n = 2048 if quick else 8192
    nets = [([784, 128, 10], "tanh"), ([784, 256, 10], "tanh"), ([784, 512, 10], "tanh"),
            ([784, 256, 256, 256, 10], "relu")]
    specs = []
    for sizes, act in nets[:1] if quick else nets:
        first = sizes == [784, 128, 10]
        spec = _spec("train", sizes, activation=act, output="softmax", data="random", n=n, batch=128,
                     epochs=1, calls=2 if quick else 3, threads=[1, 2] if first else [1])
        spec["contenders"] = (ALL if first else NO_COMPILE) + ("gemm",)
        spec["targets"] = {"jax": 1.2, "numpy": 1.3, "torch tuned": 1} if first else {"jax": 1, "torch tuned": 1}
        specs.append(spec)
    large = dict(kind="gemm", n=1024 if quick else 2048, dtype="float32", calls=3 if quick else 5,
                 contenders=("gemm",), targets={})
    return {"title": "MNIST-sized nets, softmax, batch 128", "specs": specs + [large], "threads": [1, 2]}


def case_c(quick):
    spec = _spec("grid", [2, 16, 16, 1], resolution=200, calls=10 if quick else 50,
                 contenders=("nnkern", "numpy", "jax", "torch"), targets={"numpy": 4, "torch": 1.5})
    return {"title": "every neuron over a 200x200 grid (the scenes' per-frame view)", "specs": [spec], "threads": [1, 2]}


def case_i(quick):
    spec = _spec("predict", [2, 16, 16, 1], data="random", n=100_000 if quick else 1_000_000,
                 calls=3 if quick else 10, contenders=INFERENCE, targets={})
    return {"title": "inference throughput", "specs": [spec], "threads": [1, 2]}


def case_m(quick):
    spec = _spec("memory", [784, 128, 10], output="softmax", data="random", n=6000 if quick else 60_000,
                 batch=128, epochs=1, contenders=INFERENCE, targets={})
    return {"title": "peak memory (RSS) of training", "specs": [spec], "threads": [2], "runs": 1}


def case_s(quick):
    spec = _spec("train", [2, 16, 16, 1], data="spiral", n=1000, batch=32, epochs=1, calls=1,
                 contenders=ALL + ("nnkern cold",), targets={})
    return {"title": "cold start: import + first epoch (compilation) in a fresh process", "specs": [spec],
            "threads": [1], "runs": 1}


CASES = {"a": case_a, "b": case_b, "c": case_c, "i": case_i, "m": case_m, "s": case_s}
