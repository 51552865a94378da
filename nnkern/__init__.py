"""nnkern: Numba-compiled dense-network kernels, a fast trainer, and recordings of training
runs for Manim scenes (``nnkern.viz``, imported separately).

    import nnkern as nk
    X, y = nk.datasets.load("spiral", n=1000, noise=0.1, seed=0)
    net = nk.MLP([2, 16, 16, 1], activation="tanh", output="sigmoid", seed=0)
    run = nk.train(net, X, y, epochs=200, batch_size=32, optimizer="adam", lr=0.01)
"""

__version__ = "0.1.0"  # before the imports: nnkern.cache keys runs by it

from . import cache, datasets
from .model import MLP, ModelFileError
from .record import Recording, RecordingError, RecordingSizeWarning, Snapshot
from .sensitivity import evaluate_many, prune_curve, pruned_params, weight_sensitivity
from .sweeps import sweep
from .train import TrainingDiverged, TrainResult, evaluate, loss_and_grads, train
from .views import (class_activations, confusion_matrix, dead_units, epoch_changes, error_signals, gradient_rms,
                    grid_activations, hidden_transform, layer_outputs, path_activations, plane_projection,
                    probe_activations, saliency, trace_contributions, weight_change, weight_histograms)


def explore(recording, path, **kwargs):
    """Write ``recording`` (a ``Recording`` or a recording folder) as one self-contained HTML page at
    ``path``: scrub through the run, drag weights, hover neurons (see ``nnkern.explorer.explore``)."""
    from .explorer import explore as write_page  # the page writer loads only when used

    return write_page(recording, path, **kwargs)


__all__ = ["cache", "datasets", "MLP", "ModelFileError", "train", "TrainResult", "TrainingDiverged", "evaluate", "loss_and_grads"]
__all__ += ["Recording", "Snapshot", "RecordingError", "RecordingSizeWarning", "explore", "sweep"]
__all__ += ["evaluate_many", "weight_sensitivity", "pruned_params", "prune_curve"]
__all__ += ["grid_activations", "layer_outputs", "weight_change", "weight_histograms", "class_activations",
            "confusion_matrix", "error_signals", "saliency", "path_activations", "trace_contributions", "hidden_transform",
            "plane_projection"]
__all__ += ["gradient_rms", "probe_activations", "dead_units", "epoch_changes"]
