"""scikit-learn's MLPClassifier: ``partial_fit`` runs one epoch (Adam, no L2, same batch size)."""

import numpy as np
from sklearn.neural_network import MLPClassifier

from ..problems import LR, data, initial_weights


def _classifier(spec):
    return MLPClassifier(hidden_layer_sizes=tuple(spec["sizes"][1:-1]), activation=spec["activation"],
                         solver="adam", alpha=0.0, batch_size=spec["batch"], learning_rate_init=LR,
                         shuffle=spec["batch"] < spec["n"], random_state=0)


def make(spec):
    if spec["kind"] not in ("train", "memory", "predict"):
        return None
    X, y = data(spec)
    classes = np.arange(spec["sizes"][-1]) if spec["output"] == "softmax" else np.array([0, 1])
    clf = _classifier(dict(spec, batch=min(spec.get("batch", 200), len(X))))
    if spec["kind"] == "predict":
        clf.partial_fit(X[:256], y[:256], classes=classes)  # sets up the layers; then nnkern's weights
        weights = initial_weights(spec)
        clf.coefs_ = [W.copy() for W, _ in weights]
        clf.intercepts_ = [b.copy() for _, b in weights]
        return lambda: clf.predict_proba(X)

    def run(epochs):
        for _ in range(epochs):
            clf.partial_fit(X, y, classes=classes)

    return run
