"""TrainingTracker: one ValueTracker over fractional snapshot time drives every training view."""

import numpy as np
from manim import ValueTracker

from . import plane


class TrainingTracker:
    """Replays a recording on attached views.

    ``time`` is a ValueTracker over fractional snapshot index t in [0, len(recording) - 1]. Each frame
    the network takes ``recording.params_at(t)`` and the attached views restyle from it: the grid over
    ``extent`` is evaluated once per frame and shared by the boundary and neuron maps.

    recording: has ``params_at(t)``, ``steps`` (n,) and ``len``; net: an ``nk.MLP`` of its architecture;
    steps_per_epoch converts steps to (fractional) epochs; point: one input (2,) whose activations fill
    the diagram's neurons; change_window: the interval, in snapshots, over which weight changes are
    highlighted.
    """

    def __init__(self, recording, net, extent, steps_per_epoch, *, resolution=128, point=None, change_window=2.0):
        self.recording, self.net, self.extent = recording, net, tuple(extent)
        self.steps = np.asarray(recording.steps, dtype=float)
        self.steps_per_epoch = steps_per_epoch
        self.resolution, self.change_window = resolution, change_window
        self.point = None if point is None else np.asarray(point, dtype=float).reshape(1, -1)
        self.time = ValueTracker(0.0)
        self._before = net.copy()
        self.diagram = self.boundary = self.curve = None
        self.maps, self.show_changes = [], False
        self._t, self.grid, self.point_activations = None, None, None

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

    def attach(self, diagram=None, boundary=None, maps=(), curve=None):
        """Drive these views from ``time``; each gets an updater (so Manim redraws it every frame)."""
        for view in (diagram, boundary, curve, *maps):
            if view is not None:
                view.add_updater(lambda m: self.refresh())
        self.diagram = diagram or self.diagram
        self.boundary = boundary or self.boundary
        self.curve = curve or self.curve
        self.maps = [*self.maps, *maps]
        self._t = None
        return self

    def detach(self):
        """Stop driving the views (they keep their last state)."""
        for view in (self.diagram, self.boundary, self.curve, *self.maps):
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
            self.grid = plane.grid_activations(self.net, self.extent, self.resolution)
            if self.boundary is not None:
                self.boundary.set_output(self.grid[-1])
            for m in self.maps:
                m.set_grid(self.grid)
        if self.diagram is not None:
            self.diagram.set_weights(self.net.weights)
            if self.point is not None:
                acts = [a[0] for _, a in self.net.layer_outputs(self.point)]
                self.point_activations = [self.point[0], *acts]
                self.diagram.set_activations(self.point_activations, input_scale=self.input_scale)
            if self.show_changes:
                self._before.set_params(self.params_at(t - self.change_window))
                self.diagram.set_changes([a - b for a, b in zip(self.net.weights, self._before.weights)])
        if self.curve is not None:
            self.curve.set_epoch(self.step_at(t) / self.steps_per_epoch)

    @property
    def input_scale(self):
        xmin, xmax, ymin, ymax = self.extent
        return max(abs(xmin), abs(xmax), abs(ymin), abs(ymax))

    def rate_func(self, t0, t1, slow_motion=20.0):
        """Rate function playing steps(t0)..steps(t1) with screen time geometric in steps.

        ``slow_motion`` is the ratio of steps per second at the end to that at the start (1 = linear in steps).
        """
        s0, s1 = self.step_at(t0), self.step_at(t1)
        c = slow_motion - 1.0

        def rate(tau):
            g = tau if c <= 0 else np.expm1(np.log1p(c) * tau) / c
            return (self.time_of_step(s0 + (s1 - s0) * g) - t0) / (t1 - t0) if t1 != t0 else 1.0

        return rate

    def play(self, t1=None, run_time=20.0, slow_motion=20.0):
        """Animation moving ``time`` to t1 (default: the end) with slow motion early on."""
        t0 = self.time.get_value()
        t1 = self.t_max if t1 is None else t1
        return self.time.animate(run_time=run_time, rate_func=self.rate_func(t0, t1, slow_motion)).set_value(t1)
