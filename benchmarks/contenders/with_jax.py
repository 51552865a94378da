"""JAX on the CPU: one ``jax.jit``-compiled epoch, a ``lax.scan`` of Adam steps over the shuffled
minibatches (a short last batch as one more step), the permutation drawn inside; the first call
compiles.  float64 runs with ``jax_enable_x64``."""

import jax
import jax.numpy as jnp
from jax import lax

from ..problems import BETAS, EPS, LR, data, grid_points, initial_weights


def _setup(spec):
    if spec["dtype"] == "float64":
        jax.config.update("jax_enable_x64", True)
    return [(jnp.asarray(W), jnp.asarray(b)) for W, b in initial_weights(spec)]


def _layers(params, x, hidden):
    """Every layer's output; the last is the logits."""
    act = jnp.tanh if hidden == "tanh" else jax.nn.relu
    outs = []
    for l, (W, b) in enumerate(params):
        x = x @ W + b
        if l < len(params) - 1:
            x = act(x)
        outs.append(x)
    return outs


def _loss(params, x, y, spec):
    logits = _layers(params, x, spec["activation"])[-1]
    if spec["output"] == "softmax":
        return -jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1).mean()
    yc = y[:, None].astype(logits.dtype)
    return (jax.nn.softplus(logits) - yc * logits).mean()


def _trainer(spec):
    params = _setup(spec)
    X, y = (jnp.asarray(a) for a in data(spec))
    n, batch = len(X), min(spec["batch"], len(X))
    full, rest = divmod(n, batch)
    (b1, b2), grad_fn = BETAS, jax.value_and_grad(_loss)

    def step(state, xy):
        params, m1, m2, t = state
        loss, g = grad_fn(params, *xy, spec)
        t = t + 1
        m1 = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, m1, g)
        m2 = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, m2, g)
        lr_t = LR * jnp.sqrt(1 - b2**t) / (1 - b1**t)
        params = jax.tree_util.tree_map(lambda p, m, v: p - lr_t * m / (jnp.sqrt(v) + EPS), params, m1, m2)
        return (params, m1, m2, t), loss

    @jax.jit
    def epoch(state, key):
        if batch >= n:  # one full batch: nothing to shuffle
            Xs, ys = X, y
        else:
            key, sub = jax.random.split(key)
            perm = jax.random.permutation(sub, n)
            Xs, ys = X[perm], y[perm]
        batches = (Xs[: full * batch].reshape(full, batch, -1), ys[: full * batch].reshape(full, batch))
        state, losses = lax.scan(step, state, batches)
        total = losses.sum() * batch
        if rest:
            state, loss = step(state, (Xs[full * batch :], ys[full * batch :]))
            total = total + loss * rest
        return state, key, total

    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    state = [(params, zeros, zeros, jnp.asarray(0, X.dtype)), jax.random.PRNGKey(0)]

    def run(epochs):
        for _ in range(epochs):
            state[0], state[1], total = epoch(*state)
        total.block_until_ready()

    return run


def make(spec):
    if spec["kind"] in ("train", "memory"):
        return _trainer(spec)
    params = _setup(spec)
    if spec["kind"] == "grid":
        points = jnp.asarray(grid_points(spec))

        @jax.jit
        def grid(params):
            outs = _layers(params, points, spec["activation"])
            return outs[:-1] + [jax.nn.sigmoid(outs[-1])]

        return lambda: jax.block_until_ready(grid(params))
    if spec["kind"] == "predict":
        X = jnp.asarray(data(spec)[0])

        @jax.jit
        def predict_proba(params, X):
            logits = _layers(params, X, spec["activation"])[-1]
            return jax.nn.softmax(logits) if spec["output"] == "softmax" else jax.nn.sigmoid(logits[:, 0])

        return lambda: predict_proba(params, X).block_until_ready()
    return None
