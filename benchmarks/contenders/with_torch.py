"""PyTorch on the CPU, three ways: eager as a user writes it (``nn.Sequential``, default Adam, a
``randperm`` and an index per batch), tuned (fused Adam, the epoch's rows gathered once and sliced,
gradients set to None) and the tuned loop with its model through ``torch.compile`` (the fused Adam
step is one kernel already; compiling a foreach Adam step instead took minutes here).  Intra-op
threads are PyTorch's own default unless the process was started with OMP_NUM_THREADS."""

import torch

from ..problems import BETAS, EPS, LR, data, grid_points, initial_weights


def _model(spec):
    """nn.Sequential of Linear layers with nnkern's initial weights, the hidden activation between."""
    dtype = getattr(torch, spec["dtype"])
    layers, weights = [], initial_weights(spec)
    for l, (W, b) in enumerate(weights):
        lin = torch.nn.Linear(*W.shape, dtype=dtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W.T.copy()))
            lin.bias.copy_(torch.from_numpy(b))
        layers.append(lin)
        if l < len(weights) - 1:
            layers.append(torch.nn.Tanh() if spec["activation"] == "tanh" else torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def _tensors(spec):
    X, y = data(spec)
    if spec["output"] == "softmax":
        return torch.from_numpy(X), torch.from_numpy(y), torch.nn.CrossEntropyLoss()
    return torch.from_numpy(X), torch.from_numpy(y.astype(spec["dtype"]).reshape(-1, 1)), torch.nn.BCEWithLogitsLoss()


def eager(spec):
    if spec["kind"] not in ("train", "memory"):
        return _inference(spec, compiled=False)
    model = _model(spec)
    X, y, loss_fn = _tensors(spec)
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=BETAS, eps=EPS)
    batch, n = spec["batch"], len(X)

    def run(epochs):
        for _ in range(epochs):
            perm = torch.arange(n) if batch >= n else torch.randperm(n)
            for s in range(0, n, batch):
                idx = perm[s : s + batch]
                opt.zero_grad()
                loss = loss_fn(model(X[idx]), y[idx])
                loss.backward()
                opt.step()

    return run


def _tuned_trainer(spec, compiled):
    if spec["kind"] not in ("train", "memory"):
        return None
    model = _model(spec)
    X, y, loss_fn = _tensors(spec)
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=BETAS, eps=EPS, fused=True)
    forward = torch.compile(model) if compiled else model
    batch, n = spec["batch"], len(X)

    def run(epochs):
        for _ in range(epochs):
            if batch >= n:
                Xp, yp = X, y
            else:
                perm = torch.randperm(n)
                Xp, yp = X[perm], y[perm]
            for s in range(0, n, batch):
                loss = loss_fn(forward(Xp[s : s + batch]), yp[s : s + batch])
                loss.backward()
                opt.step()
                opt.zero_grad(set_to_none=True)

    return run


def tuned(spec):
    return _tuned_trainer(spec, compiled=False)


def compiled(spec):
    if spec["kind"] in ("grid", "predict"):
        return _inference(spec, compiled=True)
    return _tuned_trainer(spec, compiled=True)


def _inference(spec, compiled):
    """All layers' activations on the grid, or predict_proba on the rows, without autograd."""
    model = _model(spec)
    if spec["kind"] == "grid":
        X = torch.from_numpy(grid_points(spec))

        def fn(x):
            outs = []
            for layer in model:
                x = layer(x)
                if not isinstance(layer, torch.nn.Linear) or layer is model[-1]:
                    outs.append(x)
            outs[-1] = torch.sigmoid(outs[-1])
            return outs
    else:
        X = torch.from_numpy(data(spec)[0])

        def fn(x):
            logits = model(x)
            return torch.softmax(logits, 1) if spec["output"] == "softmax" else torch.sigmoid(logits[:, 0])

    fn = torch.compile(fn) if compiled else fn

    def run():
        with torch.no_grad():
            return fn(X)

    return run
