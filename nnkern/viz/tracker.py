"""RecordedRun, Frame and TrainingTracker: one ValueTracker over fractional snapshot time drives every training view."""

from dataclasses import dataclass

import numpy as np
from manim import ValueTracker

import nnkern as nk
from nnkern.views import slow_motion_steps


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


@dataclass(frozen=True)
class Frame:
    """The state of the run at one moment, computed once by a TrainingTracker and handed to every view.

    t: fractional snapshot index; step: fractional optimizer step; epoch: fractional epoch;
    params (P,): the flat parameters at t; net: the tracker's network holding ``params`` (shared and
    reused: read it, never modify it, and do not keep it past this frame); extent: (xmin, xmax, ymin,
    ymax) of the input plane; grid: ``nk.grid_activations`` over ``extent``, a list per layer after the
    input of (res, res, width_l), or None when no attached view ``needs_grid`` (a reused buffer: copy
    what you keep); point_activations: a list per layer, input first, of (width_l,) for the tracker's
    point, or None without one; weight_changes: a list per layer of (fan_in, fan_out) weight changes
    over the last ``change_window`` snapshots, or None when no attached view ``needs_changes``;
    change_steps: the optimizer steps those changes span; change_rate: their size per step (the
    root of the summed squared changes over ``change_steps``); change_peak: the largest change_rate
    at any snapshot up to t (so a view's highlights can fade as learning settles, the same whether
    the replay got here frame by frame or in one jump). The last three are None with no changes.
    """

    t: float
    step: float
    epoch: float
    params: np.ndarray
    net: object
    extent: tuple
    grid: list = None
    point_activations: list = None
    weight_changes: list = None
    change_steps: float = None
    change_rate: float = None
    change_peak: float = None


def change_rate(deltas, steps):
    """The size per optimizer step of weight changes ``deltas`` (list of arrays) spanning ``steps`` steps."""
    return float(np.sqrt(sum(float(np.sum(np.square(D))) for D in deltas))) / max(steps, 1)


class TrainingTracker:
    """Replays a recording on any views.

    ``time`` is a ValueTracker over fractional snapshot index t in [0, len(recording) - 1]. ``frame``
    is the :class:`Frame` at the current time, computed once per distinct time (and again only when
    the attached views start needing more of it).

    A view is a Mobject with one method ``sync(frame)`` that restyles it from a Frame (it must not
    modify the frame). Optional class or instance attributes: ``needs_grid`` (True: the frame carries
    the grid activations), ``needs_changes`` (True: it carries the weight changes) and
    ``moving_part`` (the mobject to redraw every frame, default the view itself). ``attach(*views)``
    hangs one updater on each view's moving part that calls ``sync`` whenever the frame changed, so
    new views need no change here; the getters (``frame``, ``epoch``, ``accuracy``, ``point_output``)
    compute state and restyle nothing.

    run: a ``RecordedRun`` (its network is left as is: the tracker drives a copy); extent: the input
    plane (xmin, xmax, ymin, ymax) the grid covers, at ``resolution``² points; point: one input (2,)
    whose activations the frame carries; change_window: the interval, in snapshots, of the weight changes.
    """

    def __init__(self, run, extent, *, resolution=128, point=None, change_window=2.0):
        self.recording, self.net, self.extent = run.recording, run.net.copy(), tuple(extent)
        self.steps = np.asarray(self.recording.steps, dtype=float)
        self.steps_per_epoch = run.steps_per_epoch
        self.resolution, self.change_window = resolution, change_window
        self.point = None if point is None else np.asarray(point, dtype=float).reshape(1, -1)
        self.time = ValueTracker(0.0)
        self.views = {}  # view -> the updater hung on its moving part
        self._before = self.net.copy()
        self._peaks = None  # change_peak at each snapshot, computed on first need
        self._frame, self._frame_key = None, None
        self._grid_buffer = self.net.layer_buffer(resolution * resolution)

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
    def frame(self):
        """The :class:`Frame` at the current time (cached; recomputed when the time or the views' needs change)."""
        t = self.time.get_value()
        key = (t, any(getattr(v, "needs_grid", False) for v in self.views),
               any(getattr(v, "needs_changes", False) for v in self.views))  # fmt: skip
        if key != self._frame_key:
            self._frame, self._frame_key = self._compute_frame(*key), key
        return self._frame

    def _compute_frame(self, t, grid, changes):
        params = self.params_at(t)
        self.net.set_params(params)
        step = self.step_at(t)
        grid_acts = nk.grid_activations(self.net, self.extent, self.resolution, out=self._grid_buffer) if grid else None
        point_acts = None
        if self.point is not None:
            point_acts = [self.point[0], *(a[0] for _, a in self.net.layer_outputs(self.point))]
        deltas = steps = rate = peak = None
        if changes:
            deltas, steps = self._changes(self.net, t)
            rate = change_rate(deltas, steps)
            peak = max(rate, self._change_peaks()[int(t)])
        return Frame(t, step, step / self.steps_per_epoch, params, self.net, self.extent, grid_acts, point_acts,
                     deltas, steps, rate, peak)

    def _changes(self, net, t):
        """Weight changes per layer over the change window ending at t (``net`` holds the params at t), and the steps they span."""
        self._before.set_params(self.params_at(t - self.change_window))
        deltas = [a - b for a, b in zip(net.weights, self._before.weights)]
        return deltas, self.step_at(t) - self.step_at(max(t - self.change_window, 0.0))

    def _change_peaks(self):
        """(snapshots,): the largest change_rate at any snapshot up to each one."""
        if self._peaks is None:
            now, rates = self.net.copy(), []
            for i in range(len(self.recording)):
                now.set_params(self.params_at(i))
                rates.append(change_rate(*self._changes(now, i)))
            self._peaks = np.maximum.accumulate(rates)
        return self._peaks

    @property
    def epoch(self):
        """Fractional epoch at the current time."""
        return self.frame.epoch

    def accuracy(self, X, y):
        """Accuracy of the current (interpolated) network on X (n, 2), y (n,)."""
        return float(np.mean(self.frame.net.predict(X) == np.asarray(y)))

    @property
    def point_output(self):
        """Output layer activations (k,) for ``point`` at the current time."""
        if self.point is None:
            raise ValueError("point_output needs a tracker made with point=(x1, x2)")
        return self.frame.point_activations[-1]

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

    def attach(self, *views):
        """Drive these views from ``time``: each is synced now, then by an updater on its moving part
        (so Manim redraws it every frame) whenever the frame changed. Attaching a view twice does nothing."""
        new = [v for v in views if v not in self.views]
        for view in new:
            self.views[view] = self._updater(view)
            getattr(view, "moving_part", view).add_updater(self.views[view])
        for view in new:
            self.views[view](None)
        return self

    def detach(self, *views):
        """Stop driving these views (all attached views if none given); they keep their last state."""
        for view in views or list(self.views):
            getattr(view, "moving_part", view).remove_updater(self.views.pop(view))
        return self

    def _updater(self, view):
        synced = None  # the frame this view shows

        def update(_):
            nonlocal synced
            frame = self.frame
            if frame is not synced:
                synced = frame
                view.sync(frame)

        return update

    def time_at(self, tau, slow_motion=20.0):
        """Snapshot time at screen-time fraction tau in [0, 1] of the whole run.

        Steps grow geometrically with screen time: at the end the run plays ``slow_motion`` times more
        steps per second than at the start (1 = linear in steps).
        """
        if tau >= 1:
            return float(self.t_max)
        return self.time_of_step(float(slow_motion_steps(self.steps[0], self.steps[-1], tau, slow_motion)))

    def play(self, tau0=0.0, tau1=1.0, run_time=20.0, slow_motion=20.0):
        """Animation of ``time`` over the screen-time span [tau0, tau1] of the run (see ``time_at``)."""
        t0, t1 = self.time_at(tau0, slow_motion), self.time_at(tau1, slow_motion)

        def rate(x):
            return (self.time_at(tau0 + x * (tau1 - tau0), slow_motion) - t0) / (t1 - t0) if t1 != t0 else 1.0

        self.time.set_value(t0)
        return self.time.animate(run_time=run_time, rate_func=rate).set_value(t1)
