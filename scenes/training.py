"""A neural network learning to separate two spirals: ``manim render scenes/training.py``.

With no settings the scene trains RUN below (under a second, once: later renders read it from nk.cache); ``NNKERN_RUN=runs/myrun manim render
scenes/training.py`` replays a recording you made (any 2-D classifier: two classes with a sigmoid or
softmax output, or 3 to 7 classes with softmax, e.g. ``nnkern train --dataset spiral --classes 3`` or
``nnkern train --csv points.csv``).
"""

import os

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    config,
    Circle,
    Create,
    FadeIn,
    FadeOut,
    GrowFromCenter,
    Indicate,
    LaggedStart,
    MathTex,
    Rectangle,
    TransformFromCopy,
    UpdateFromAlphaFunc,
    VGroup,
    Write,
)

import nnkern as nk
from nnkern.viz import (BoxedImages, Captioned, DecisionBoundary, LectureScene, LossCurve, NetworkDiagram, NeuronMap,
                        RecordedRun, TrainingTracker, plane, style, text)

# Every animation here is unique (updaters), so Manim's per-animation cache only costs hashing time.
config.disable_caching = True

# The default run: data, network and training, all in one place.
RUN = dict(
    data=dict(name="spiral", n=1000, noise=0.05, seed=0),
    test_size=0.25,
    sizes=[2, 16, 16, 1],
    activation="tanh",
    train=dict(epochs=150, batch_size=32, optimizer="adam", lr=0.02, seed=4),
)
TRAINING_SECONDS = 24  # screen time of the training replay
SLOW_MOTION = 20  # steps per second at the end / at the start of the replay


def default_run():
    """RUN's recording, trained on first use and then read from the cache (nk.cache)."""
    return RecordedRun.from_recording(nk.cache.recording("training", RUN, train_default))


def train_default(folder):
    """Train RUN into ``folder`` (a geometric schedule of snapshots), its test split as validation data."""
    X, y = nk.datasets.load(**RUN["data"])
    Xtr, Xte, ytr, yte = nk.datasets.train_test_split(X, y, test_size=RUN["test_size"], seed=RUN["data"]["seed"])
    net = nk.MLP(RUN["sizes"], activation=RUN["activation"], output="sigmoid", seed=RUN["train"]["seed"])
    nk.train(net, Xtr, ytr, quiet=True, val=(Xte, yte), record="geometric", record_to=folder, record_meta=RUN, **RUN["train"])


def load_run():
    """The recording at $NNKERN_RUN (a 2-input classifier with a finished epoch), else the default
    run; a run the scene cannot draw exits with one line saying why."""
    path = os.environ.get("NNKERN_RUN")
    if not path:
        return default_run()
    try:
        return RecordedRun.from_recording(drawable(nk.Recording.load(path)))
    except (nk.RecordingError, ValueError) as e:
        raise SystemExit(f"NNKERN_RUN={path}: {e}") from None


def drawable(rec):
    """``rec`` if this scene can draw it, else a ValueError saying why."""
    model = rec.header["model"]
    if model["sizes"][0] != 2 or model["output"] == "identity":
        raise ValueError(f"this scene draws classifiers of 2 inputs; that run has sizes {model['sizes']} "
                         f"and output {model['output']!r}")
    if not rec.history.get("epoch") or not len(rec):
        raise ValueError("the run has no finished epoch to animate (it stopped during the first); "
                         "train it for at least one epoch")
    if not rec.finite(len(rec) - 1):
        raise ValueError("the run diverged (its last snapshot holds NaN or inf); train it again with a smaller --lr")
    return rec


class TrainingScene(Captioned, BoxedImages, LectureScene):
    def construct(self):
        run = load_run()
        rec, net = run.recording, run.net
        final = rec.model_at(len(rec) - 1)
        extent = plane.square_extent(run.X)
        binary = net.output == "sigmoid" and net.sizes[-1] == 1
        column = 0 if binary else 1  # the output showing P(class 1), the class of the point followed
        pal = style.use_theme(self)
        class0, class1 = pal.class_names[:2]
        p_class1 = f"P({class1})"

        # 1. Title, then the data.
        self.next_section("title")
        title = text.text("How a neural network learns", font_size=52, color=pal.text)
        sub = text.text(f"a {'-'.join(map(str, net.sizes))} network, {len(run.X)} training points", font_size=30,
                        color=pal.text)
        sub.next_to(title, DOWN)
        self.play(Write(title), FadeIn(sub, shift=UP * 0.2))
        self.wait(1.2)
        self.play(FadeOut(title), FadeOut(sub))

        board = DecisionBoundary(extent, run.X, run.y, side=5.3).move_to([4.15, -0.55, 0])
        self.next_section("data")
        self.show_caption("Each point has two coordinates (x₁, x₂) and a colour", FadeIn(board.frame), FadeIn(board.image))
        self.play(LaggedStart(*(FadeIn(d, scale=0.5) for d in board.dots), lag_ratio=0.3, run_time=2))
        self.add(board)  # the whole group from now on (parts were animated in one by one)
        self.wait(0.5)
        self.show_caption("The task: from (x₁, x₂) alone, predict the colour")
        self.wait(1)

        # 2. The network, layer by layer.
        self.next_section("network")
        diagram = NetworkDiagram.from_net(net, height=4.3, layer_gap=4.7 / (len(net.sizes) - 1))
        diagram.move_to([-2.7, 0.55, 0])
        inputs = diagram.input_labels([f"x_{i + 1}" for i in range(net.sizes[0])])
        names = [p_class1] if binary else [f"P({pal.class_names[k]})" for k in range(net.sizes[-1])]
        outputs = diagram.output_labels(names)
        hidden = [f"hidden\n{n}" for n in net.sizes[1:-1]]
        layer_caps = diagram.layer_captions(["input", *hidden, "output"])
        self.show_caption("A neural network: layers of neurons joined by weights")
        self.play(LaggedStart(*(GrowFromCenter(c) for c in diagram.neurons[0]), lag_ratio=0.2), Write(inputs))
        for l, edges in enumerate(diagram.edges):
            self.play(
                Create(edges, lag_ratio=0.002, run_time=1.0),
                LaggedStart(*(GrowFromCenter(c) for c in diagram.neurons[l + 1]), lag_ratio=0.05, run_time=1.0),
                FadeIn(layer_caps[l + 1] if l + 1 < len(layer_caps) else VGroup()),
            )
        self.play(FadeIn(layer_caps[0]), Write(outputs), FadeIn(diagram.ellipses))
        self.add(diagram)  # one group from now on, including the (still empty) change highlights
        self.settle(outputs, layer_caps)
        self.show_caption(f"Each line is a weight: {pal.positive_name} positive, {pal.negative_name} negative, "
                          "thicker = stronger")
        self.wait(1.5)

        # 3. One point goes forward.
        self.next_section("forward pass")
        index = pick_example(net, final, run.X, run.y)
        x = run.X[index]
        ring = Circle(radius=0.13, stroke_color=pal.marker, stroke_width=4).move_to(board.to_point(x))
        coords = MathTex(f"({x[0]:.2f},\\ {x[1]:.2f})", font_size=30, color=pal.text)
        coords.next_to(ring, UP, buff=0.1).add_background_rectangle(color=pal.background, opacity=0.7)
        self.show_caption("Feed one point through the untrained network")
        self.play(Create(ring), FadeIn(coords))
        valued = diagram.input_labels([f"x_{i + 1} = {v:.2f}" for i, v in enumerate(x)], font_size=28)
        self.play(TransformFromCopy(coords, valued), FadeOut(inputs))
        self.settle(valued)
        formula = VGroup(
            text.text("each neuron computes", font_size=28, color=pal.text),
            MathTex(r"\tanh\!\left(\textstyle\sum_i w_i a_i + b\right)" if net.activation == "tanh" else
                    rf"\mathrm{{{net.activation}}}\!\left(\textstyle\sum_i w_i a_i + b\right)", font_size=40, color=pal.text),
        ).arrange(RIGHT).to_edge(UP, buff=0.25)  # fmt: skip
        self.show_caption(f"each neuron computes {net.activation}(Σᵢ wᵢaᵢ + b)", mobject=formula)
        acts = [x, *(a[0] for _, a in net.layer_outputs(x[None]))]
        self.play(diagram.forward_pass(acts, input_scale=plane.input_scale(extent), layer_time=1.2))
        self.add(diagram)  # animating its parts in a group split it into parts in the scene; rejoin
        prob = text.number(acts[-1][column], num_decimal_places=2, font_size=32)
        prob.next_to(outputs[column], DOWN, buff=0.15).set_color(style.output_color(acts[-1]))
        self.play(FadeIn(prob, scale=1.5))
        self.show_caption(f"Untrained, it is guessing: {p_class1} = {acts[-1][column]:.2f} for a {class1} point")
        self.wait(1.5)

        # 4. Training.
        tracker = TrainingTracker(run, extent, point=x, change_window=4.0)
        epochs = np.r_[0, rec.history["epoch"]]
        series = {"train": np.r_[rec.losses[0], rec.history["loss"]]}
        if "val_loss" in rec.history:
            series["test" if run.X_test is not None else "validation"] = np.r_[np.nan, rec.history["val_loss"]]
        curve = LossCurve(epochs, series, width=4.6, height=1.3).move_to([-3.1, -2.75, 0])
        maps = [NeuronMap.beside(diagram, l, extent, side=0.2, buff=0.03) for l in range(1, len(net.sizes) - 1)]
        self.next_section("the plane")
        self.show_caption(f"Its answer everywhere on the plane: {class1} where it says {p_class1} > 0.5" if binary else
                          "Its answer everywhere: the colour of the class it picks, faint where unsure")  # fmt: skip
        board.set_reveal(0)
        tracker.attach(diagram, board)
        self.play(*map(FadeOut, layer_caps), UpdateFromAlphaFunc(board, lambda m, a: m.set_reveal(a)), FadeIn(board.contour))
        self.wait(0.5)
        self.show_caption("Beside each hidden neuron: its output over the whole plane")
        tracker.attach(*maps)
        self.play(*(FadeIn(m) for m in maps))
        self.wait(0.5)
        self.zoom_into_maps(tracker, diagram, maps[0], extent)

        epoch = text.number(0, num_decimal_places=0, font_size=40, palette=pal)
        acc = text.number(0, num_decimal_places=0, font_size=40, unit=r"\%", palette=pal)
        words = VGroup(*(text.text(w, font_size=26, color=pal.text) for w in ("epoch", "training accuracy")))
        counter = VGroup(VGroup(words[0], epoch).arrange(RIGHT), VGroup(words[1], acc).arrange(RIGHT))
        counter.arrange(DOWN, aligned_edge=LEFT, buff=0.1).next_to(board.frame, UP, buff=0.12)
        counter.align_to(board.frame, LEFT)
        acc.set_value(100 * tracker.accuracy(run.X, run.y))
        self.next_section("training")
        self.show_caption("Training: after each batch of points, nudge every weight to lower the loss")
        self.play(Create(curve.axes), FadeIn(curve.labels, curve.ticks, curve.keys), FadeIn(words, epoch, acc))
        self.settle(curve.frame, words)
        tracker.follow(epoch, lambda tr: int(tr.epoch))
        tracker.follow(acc, lambda tr: 100 * tr.accuracy(run.X, run.y))
        tracker.follow(prob, lambda tr: tr.point_output[column], color=lambda _: style.output_color(tracker.point_output))
        diagram.needs_changes = True
        tracker.attach(curve)
        self.add(curve.trace)
        t = TRAINING_SECONDS
        self.play(tracker.play(0.0, 0.3, 0.3 * t, SLOW_MOTION))
        self.show_caption(f"Slow motion early on; {pal.highlight_name} marks the weights that changed most just now",
                          tracker.play(0.3, 0.65, 0.35 * t, SLOW_MOTION))
        self.show_caption("The boundary bends to follow the data", tracker.play(0.65, 1.0, 0.35 * t, SLOW_MOTION))
        for m in (epoch, acc, prob):
            m.clear_updaters()
        tracker.detach()
        self.play(*(g.animate.set_stroke(opacity=0) for g in diagram.glow))
        diagram.clear_changes()

        # 5. Soft, then hard boundary; then the test points.
        self.next_section("result")
        self.show_caption("Soft boundary: the colour shows how sure the network is")
        self.wait(1.5)
        self.show_caption(f"Hard boundary: its decision, {class1} or {class0}" if binary else
                          "Hard boundaries: its decision, one class per region")  # fmt: skip
        self.play(UpdateFromAlphaFunc(board, lambda m, a: m.set_hardness(a), run_time=2))
        X_test, y_test = (run.X_test, run.y_test) if run.X_test is not None else (run.X, run.y)
        test_dots = board.make_points(X_test, y_test)
        fresh = run.X_test is not None
        self.show_caption("Points it never saw while training" if fresh else "The training points")
        self.play(FadeOut(board.dots), FadeOut(ring), FadeOut(coords), FadeIn(test_dots))
        score = np.mean(final.predict(X_test) == y_test)
        cap = self.show_caption(f"{'Test' if fresh else 'Training'} accuracy: {100 * score:.1f}%", font_size=40)
        self.play(Indicate(cap, color=pal.marker, scale_factor=1.1))
        self.wait(3)

    def zoom_into_maps(self, tracker, diagram, small, extent):
        """Grow the first hidden layer's maps (``small``, beside the neurons) into a full-size grid, hold, shrink back."""
        pal = style.current()
        big = NeuronMap.tiled(diagram, small.layer, extent, side=1.25).shift(DOWN * 0.35)
        veil = Rectangle(width=config.frame_width, height=config.frame_height - 1.1, stroke_width=0,
                         fill_color=pal.background, fill_opacity=0.9).to_edge(DOWN, buff=0)  # the caption stays clear
        tracker.attach(big)
        self.show_caption("Close up: each first-layer neuron splits the plane along a line", FadeIn(veil),
                          FadeIn(big, scale=0.15, target_position=small.get_center()), fade=0.8)
        self.wait(2.5)
        self.show_caption("The next layer combines these splits into curves", fade=0.8)
        self.wait(1.5)
        self.play(FadeOut(big, scale=0.15, target_position=small.get_center()), FadeOut(veil), run_time=1.2)
        tracker.detach(big)

    def settle(self, *mobjects):
        """Move static mobjects that overlap nothing to the back of the scene: Manim then draws them once
        into the background instead of every frame (it redraws everything after the first moving one)."""
        self.bring_to_back(*mobjects)


def pick_example(start, final, X, y):
    """A class-1 point the trained network gets right with most confidence (the untrained one unsure)."""
    column = 1 if start.sizes[-1] >= 2 else 0  # P(class 1): softmax's second output, or the one sigmoid
    p0, p1 = start.forward(X)[:, column], final.forward(X)[:, column]
    score = np.where(y == 1, p1 - np.abs(p0 - 0.5), -np.inf)
    return int(np.argmax(score))
