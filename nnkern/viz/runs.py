"""The run a scene replays: the recording at ``$NNKERN_RUN`` if set (checked), else the scene's default."""

import os

import nnkern as nk


def planar_binary(hidden_ok, wanted):
    """An ``unfit`` for ``env_recording``: runs of 2 inputs and one sigmoid output whose hidden layer
    widths (a list) pass ``hidden_ok``; ``wanted`` says in words what those widths must be."""

    def unfit(model):
        sizes = model["sizes"]
        if sizes[0] != 2 or sizes[-1] != 1 or model["output"] != "sigmoid" or not hidden_ok(sizes[1:-1]):
            return (f"this scene draws 2 inputs, {wanted} and one sigmoid output; that run has sizes {sizes} "
                    f"and output {model['output']!r}")
        return None

    return unfit


def planar_classes(model, max_classes=7):
    """The number of classes k a recording's ``model`` dict (sizes, output) draws on the plane: 2 for one
    sigmoid output, k for a softmax over 2..``max_classes`` (the palette's class colours); None for a
    run that is not a classifier of 2 inputs, or has more classes than colours."""
    sizes, output = model["sizes"], model["output"]
    if sizes[0] != 2:
        return None
    if output == "sigmoid" and sizes[-1] == 1:
        return 2
    if output == "softmax" and 2 <= sizes[-1] <= max_classes:
        return sizes[-1]
    return None


def planar_classifier(hidden_ok, wanted, max_classes=7):
    """An ``unfit`` for ``env_recording``: classifiers of 2 inputs (one sigmoid output, or softmax over
    2..``max_classes`` classes) whose hidden layer widths (a list) pass ``hidden_ok``; ``wanted`` says
    in words what those widths must be."""

    def unfit(model):
        sizes = model["sizes"]
        if planar_classes(model, max_classes) is None or not hidden_ok(sizes[1:-1]):
            return (f"this scene draws 2 inputs, {wanted} and a classifier output (one sigmoid unit, or softmax "
                    f"over 2 to {max_classes} classes); that run has sizes {sizes} and output {model['output']!r}")
        return None

    return unfit


def env_recording(default, unfit):
    """The recording at $NNKERN_RUN, else ``default()``.

    ``unfit(model)`` gets the recording header's model dict (sizes, activation, output) and returns
    why the scene cannot draw it (a string), or None. A run the scene cannot draw (unfit, unreadable,
    no finished epoch, diverged) stops the scene with one line: ``NNKERN_RUN=<path>: <why>``.
    """
    path = os.environ.get("NNKERN_RUN")
    if not path:
        return default()
    try:
        rec = nk.Recording.load(path)
        why = unfit(rec.header["model"])
        if why is None and (not rec.history.get("epoch") or not len(rec)):
            why = "the run has no finished epoch to animate (it stopped during the first); train it for at least one epoch"
        if why is None and not rec.finite(len(rec) - 1):
            why = "the run diverged (its last snapshot holds NaN or inf); train it again with a smaller --lr"
    except (nk.RecordingError, ValueError) as e:
        why = str(e)
    if why is not None:
        raise SystemExit(f"NNKERN_RUN={path}: {why}")
    return rec
