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
