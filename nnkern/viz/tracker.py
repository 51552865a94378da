"""RecordedRun and TrainingTracker: one ValueTracker over fractional snapshot time drives every training view."""

from dataclasses import dataclass

import numpy as np
from manim import ValueTracker

import nnkern as nk

from . import plane


@dataclass
class RecordedRun:
    """What the training views need from a run: the recording (``params_at``, ``steps``, ``history``),
    a network of its architecture, the training data X (n, 2), y (n,) and, when known, test data."""

    recording: object
    net: object
    X: np.ndarray
    y: np.ndarray
    X_test: np.ndarray = None
    y_test: np.ndarray = None

    @classmethod
    def from_recording(cls, rec, test=None):
        """The RecordedRun of an ``nnkern`` Recording; ``test`` = (X_test, y_test), by default the run's
        validation data (if it had any)."""
        X, y = rec.data
        test = rec.val_data if test is None else test
        X_test, y_test = test if test is not None else (None, None)
        return cls(rec, rec.model_at(0), X, y, X_test, y_test)

    @property
    def steps_per_epoch(self):
        return self.recording.header["training"]["steps_per_epoch"]

    @property
    def history(self):
        return self.recording.history


class TrainingTracker:
    """Replays a recording on attached views.

    ``time`` is a ValueTracker over fractional snapshot index t in [0, len(recording) - 1]. Each frame
    the network takes ``recording.params_at(t)`` and the attached views restyle from it: the grid over
    ``extent`` is evaluated once per frame and shared by the boundary and neuron maps.

    run: a ``RecordedRun`` (its network is left as is: the tracker drives a copy); point: one input (2,)
    whose activations fill the diagram's neurons and give ``point_output``;
    change_window: the interval, in snapshots, over which weight changes are highlighted.
    """

    def __init__(self, run, extent, *, resolution=128, point=None, change_window=2.0):
        self.recording, self.net, self.extent = run.recording, run.net.copy(), tuple(extent)
        self.steps = np.asarray(self.recording.steps, dtype=float)
        self.steps_per_epoch = run.steps_per_epoch
        self.resolution, self.change_window = resolution, change_window
        self.point = None if point is None else np.asarray(point, dtype=float).reshape(1, -1)
        self.time = ValueTracker(0.0)
        self._before = self.net.copy()
        self.diagram = self.boundary = self.curve = None
        self.maps, self.show_changes = [], False
        self._t, self.grid, self.point_activations = None, None, None
        self._grid_buffer = np.empty(resolution * resolution * sum(self.net.sizes[1:]), dtype=self.net.dtype)

    @property
    def t_max(self):
        return len(self.recording) - 1

    def params_at(self, t):
        """Flat parameters at fractional snapshot time t (the one place that reads the recording)."""
        return self.recording.params_at(float(np.clip(t, 0, self.t_max)))

    def step_at(self, t):
        return float(np.interp(t, np.arange(len(self.steps)), self.steps))

    def time_of_step(self, step):
        return float(np.interp(step, self.steps, np.arange(len(self.steps))))

    @property
    def epoch(self):
        """Fractional epoch at the current time."""
        self.refresh()
        return self.step_at(self._t) / self.steps_per_epoch

    def accuracy(self, X, y):
        """Accuracy of the current (interpolated) network on X (n, 2), y (n,)."""
        self.refresh()
        return float(np.mean(self.net.predict(X) == np.asarray(y)))

    @property
    def point_output(self):
        """Output layer activations (k,) for ``point`` at the current time."""
        if self.point is None:
            raise ValueError("point_output needs a tracker made with point=(x1, x2)")
        self.refresh()
        return self.point_activations[-1]

    def follow(self, number, value, color=None):
        """Keep a DecimalNumber showing ``value(tracker)`` (re-typeset only when its text changes),
        coloured by ``color(value)`` if given."""

        shown = None  # the last value set, rounded as displayed (never read back from the number)

        def update(m):
            nonlocal shown
            v = value(self)
            rounded = round(v, m.num_decimal_places)
            if rounded != shown:
                shown = rounded
                m.set_value(v)
                if color is not None:
                    m.set_color(color(v))

        return number.add_updater(update)

    def attach(self, diagram=None, boundary=None, maps=(), curve=None):
        """Drive these views from ``time``. Each gets an updater, so Manim redraws it every frame; a
        LossCurve's updater goes on its ``trace``, leaving its ``frame`` free to stay static."""
        for view in (diagram, boundary, curve and curve.trace, *maps):
            if view is not None:
                view.add_updater(lambda m: self.refresh())
        self.diagram = diagram or self.diagram
        self.boundary = boundary or self.boundary
        self.curve = curve or self.curve
        self.maps = [*self.maps, *maps]
        self._t = None
        self.refresh()
        return self

    def detach(self):
        """Stop driving the views (they keep their last state)."""
        for view in (self.diagram, self.boundary, self.curve and self.curve.trace, *self.maps):
            if view is not None:
                view.clear_updaters()
        return self

    def refresh(self):
        """Restyle the attached views for the current time (once per distinct time)."""
        t = self.time.get_value()
        if t == self._t:
            return
        self._t = t
        self.net.set_params(self.params_at(t))
        if self.boundary is not None or self.maps:
            self.grid = nk.grid_activations(self.net, self.extent, self.resolution, out=self._grid_buffer)
            if self.boundary is not None:
                self.boundary.set_output(self.grid[-1])
            for m in self.maps:
                m.set_grid(self.grid)
        if self.point is not None:
            self.point_activations = [self.point[0], *(a[0] for _, a in self.net.layer_outputs(self.point))]
        if self.diagram is not None:
            self.diagram.set_weights(self.net.weights)
            if self.point is not None:
                self.diagram.set_activations(self.point_activations, input_scale=self.input_scale)
            if self.show_changes:
                self._before.set_params(self.params_at(t - self.change_window))
                self.diagram.set_changes([a - b for a, b in zip(self.net.weights, self._before.weights)])
        if self.curve is not None:
            self.curve.set_epoch(self.step_at(t) / self.steps_per_epoch)

    @property
    def input_scale(self):
        """The input value drawn at full colour (see ``plane.input_scale``)."""
        return plane.input_scale(self.extent)

    def time_at(self, tau, slow_motion=20.0):
        """Snapshot time at screen-time fraction tau in [0, 1] of the whole run.

        Steps grow geometrically with screen time: at the end the run plays ``slow_motion`` times more
        steps per second than at the start (1 = linear in steps).
        """
        if tau >= 1:
            return float(self.t_max)
        c = slow_motion - 1.0
        g = tau if c <= 0 else np.expm1(np.log1p(c) * tau) / c
        return self.time_of_step(self.steps[0] + (self.steps[-1] - self.steps[0]) * g)

    def play(self, tau0=0.0, tau1=1.0, run_time=20.0, slow_motion=20.0):
        """Animation of ``time`` over the screen-time span [tau0, tau1] of the run (see ``time_at``)."""
        t0, t1 = self.time_at(tau0, slow_motion), self.time_at(tau1, slow_motion)

        def rate(x):
            return (self.time_at(tau0 + x * (tau1 - tau0), slow_motion) - t0) / (t1 - t0) if t1 != t0 else 1.0

        self.time.set_value(t0)
        return self.time.animate(run_time=run_time, rate_func=rate).set_value(t1)
