"""NumPy as a competent user writes it: weights as views of one flat buffer made once, ``np.tanh``
/ ``np.exp``, buffers allocated once and filled with ``out=``, no gradient for the inputs, Adam in
place on the flat buffers.  (``nnkern.kernels.reference`` is the kernels' correctness twin, not this.)"""

import numpy as np

from ..problems import BETAS, EPS, LR, data, grid_points, initial_weights


class Net:
    """An MLP whose parameters W (fan_in, fan_out) and b (fan_out,) are views of one flat vector."""

    def __init__(self, spec, rows):
        weights = initial_weights(spec)
        self.dtype = np.dtype(spec["dtype"])
        self.hidden, self.output = spec["activation"], spec["output"]
        self.theta = np.concatenate([np.concatenate([W.ravel(), b]) for W, b in weights]).astype(self.dtype)
        self.W, self.b = self._views(self.theta, weights)
        self.a = [np.empty((rows, W.shape[1]), self.dtype) for W, _ in weights]  # layer outputs

    def _views(self, flat, weights):
        Ws, bs, at = [], [], 0
        for W, b in weights:
            Ws.append(flat[at : at + W.size].reshape(W.shape))
            at += W.size
            bs.append(flat[at : at + b.size])
            at += b.size
        return Ws, bs

    def forward(self, x):
        """Every layer's output for x (rows <= the buffers'); the last is the logits."""
        a, n = x, len(x)
        for l, (W, b) in enumerate(zip(self.W, self.b)):
            z = np.dot(a, W, out=self.a[l][:n])
            z += b
            if l < len(self.W) - 1:
                if self.hidden == "tanh":
                    np.tanh(z, out=z)
                else:
                    np.maximum(z, 0, out=z)
            a = z
        return [a[:n] for a in self.a]


class Trainer(Net):
    def __init__(self, spec):
        super().__init__(spec, min(spec["batch"], spec["n"]))
        self.X, self.y = data(spec)
        self.yf = self.y.astype(self.dtype).reshape(-1, 1)  # sigmoid targets as a column
        self.batch = min(spec["batch"], spec["n"])
        self.grad = np.zeros_like(self.theta)
        self.gW, self.gb = self._views(self.grad, [(W, b) for W, b in zip(self.W, self.b)])
        self.m1, self.m2, self.tmp = (np.zeros_like(self.theta) for _ in range(3))
        self.delta = [np.empty_like(a) for a in self.a]
        self.xb = np.empty((self.batch, self.X.shape[1]), self.dtype)
        self.rng, self.t = np.random.default_rng(0), 0

    def step(self, idx):
        n = len(idx)
        x = np.take(self.X, idx, axis=0, out=self.xb[:n])
        acts = self.forward(x)
        logits, d = acts[-1], self.delta[-1][:n]
        if self.output == "softmax":  # d = (softmax - onehot) / n
            np.subtract(logits, np.maximum.reduce(logits, axis=1, keepdims=True), out=d)
            np.exp(d, out=d)
            d /= np.add.reduce(d, axis=1, keepdims=True)
            rows, y = np.arange(n), self.y[idx]
            loss = -np.log(d[rows, y]).sum()
            d[rows, y] -= 1
        else:  # d = (sigmoid - y) / n
            yc = self.yf[idx]
            loss = np.add.reduce(np.logaddexp(0, logits) - yc * logits, axis=None)
            np.negative(logits, out=d)
            np.exp(d, out=d)
            d += 1
            np.reciprocal(d, out=d)
            d -= yc
        d /= n
        for l in range(len(self.W) - 1, -1, -1):
            a_prev = x if l == 0 else acts[l - 1]
            np.dot(a_prev.T, d, out=self.gW[l])
            np.add.reduce(d, axis=0, out=self.gb[l])
            if l:
                d_prev = np.dot(d, self.W[l].T, out=self.delta[l - 1][:n])
                if self.hidden == "tanh":  # * (1 - a^2)
                    d_prev *= 1 - a_prev * a_prev
                else:
                    d_prev *= a_prev > 0
                d = d_prev
        self._adam()
        return loss

    def _adam(self):
        (b1, b2), g, m1, m2, tmp = BETAS, self.grad, self.m1, self.m2, self.tmp
        self.t += 1
        m1 *= b1
        np.multiply(g, 1 - b1, out=tmp)
        m1 += tmp
        np.multiply(g, g, out=tmp)
        tmp *= 1 - b2
        m2 *= b2
        m2 += tmp
        np.sqrt(m2, out=tmp)
        tmp /= np.sqrt(1 - b2**self.t)
        tmp += EPS
        np.divide(m1, tmp, out=tmp)
        tmp *= LR / (1 - b1**self.t)
        self.theta -= tmp

    def epoch(self):
        n = len(self.X)
        perm, total = (np.arange(n) if self.batch >= n else self.rng.permutation(n)), 0.0
        for s in range(0, len(perm), self.batch):
            total += self.step(perm[s : s + self.batch])
        return total


def make(spec):
    if spec["kind"] in ("train", "memory"):
        trainer = Trainer(spec)

        def run(epochs):
            for _ in range(epochs):
                trainer.epoch()

        return run
    if spec["kind"] == "grid":
        points = grid_points(spec)
        net = Net(spec, len(points))

        def grid():  # every layer's activations, the output's sigmoid included
            acts = net.forward(points)
            np.negative(acts[-1], out=acts[-1])
            np.exp(acts[-1], out=acts[-1])
            acts[-1] += 1
            np.reciprocal(acts[-1], out=acts[-1])
            return acts

        return grid
    if spec["kind"] == "predict":
        X, _ = data(spec)
        net = Net(spec, len(X))

        def predict_proba():
            logits = net.forward(X)[-1]
            if net.output == "softmax":
                p = np.exp(logits - logits.max(axis=1, keepdims=True))
                return p / p.sum(axis=1, keepdims=True)
            return 1 / (1 + np.exp(-logits[:, 0]))

        return predict_proba
    return None
