"""One neuron, a = σ(w₁x₁ + w₂x₂ + b), on the input plane: ``manim render scenes/neuron.py``.

The formula term by term beside the neuron it describes (inputs, edges w₁ and w₂, bias, σ, output a); three sliders turn w₁, w₂ and b while the line w·x + b = 0, the arrow w
and the output heatmap follow; then training turns the knobs on two blobs (it separates them) and on
XOR (it cannot). With no settings the scene trains RUNS below (well under a second, then cached by ``nk.cache``).
``NNKERN_RUN=runs/myrun manim render scenes/neuron.py`` replays your recording in place of the blobs
run: one neuron, a 2-1 network with a sigmoid output (``nnkern train --layers 2,1``), after which the
XOR run starts from where yours ended; or, for 3 to 7 classes, one softmax neuron per class, a 2-k
network (``nnkern train --dataset spiral --classes 3 --layers 2,3``), shown as k neurons whose
regions take the class colours, after which the XOR run starts from the sliders' neuron.
"""

import numpy as np
from manim import (
    DOWN,
    LEFT,
    UP,
    config,
    Create,
    FadeIn,
    FadeOut,
    GrowArrow,
    GrowFromCenter,
    Indicate,
    LaggedStart,
    MathTex,
    UpdateFromFunc,
    VGroup,
    Write,
)

import nnkern as nk
from nnkern.viz import (
    ClassNeurons,
    LiveFormula,
    LossCurve,
    NetworkDiagram,
    NeuronDrawing,
    NeuronPlane,
    RecordedRun,
    Slider,
    TrainingTracker,
    plane,
    style,
)
from nnkern.viz.captions import CaptionedScene
from nnkern.viz.runs import env_recording, planar_classifier
from nnkern.viz.text import text as light_text

config.disable_caching = True  # every animation here runs updaters: caching would only cost hashing

# The default runs: one neuron (a 2-1 sigmoid network) from START, first on blobs, then on XOR.
START = dict(w=(-1.5, 1.0), b=0.5)  # where the sliders leave the neuron, and where training starts
RUNS = dict(
    blobs=dict(data=dict(name="gauss", n=200, noise=0.05, seed=1)),
    xor=dict(data=dict(name="xor", n=200, noise=0.05, seed=1)),
)
TRAIN = dict(epochs=20, batch_size=20, optimizer="sgd", lr=0.5, seed=0)
W_RANGE, B_RANGE = (-6, 6, 1), (-3, 3, 1)


def one_neuron(w, b):
    """A 2-1 sigmoid network holding weights w (2,) and bias b."""
    net = nk.MLP([2, 1], activation="identity", output="sigmoid", dtype="float64")
    net.weights[0][:, 0], net.biases[0][0] = w, b
    return net


def train(name, net):
    """The Recording of ``net`` trained on RUNS[name]'s data (a geometric schedule): trained on first use,
    then read from the cache (nk.cache), keyed by the data, TRAIN and the starting weights."""
    start = [*map(float, net.weights[0][:, 0]), float(net.biases[0][0])]
    settings = dict(RUNS[name], train=TRAIN, start=start)

    def into(folder):
        X, y = nk.datasets.load(**RUNS[name]["data"])
        nk.train(net, X, y, quiet=True, record="geometric", record_to=folder, record_meta=settings, **TRAIN)

    return nk.cache.recording(f"neuron-{name}", settings, into)


#: why the scene cannot draw a run: it draws one neuron (2-1 sigmoid) or one softmax neuron per class (2-k)
unfit = planar_classifier(lambda hidden: not hidden, "no hidden layer (one neuron, or one softmax neuron per class)")


def blobs_run():
    """The recording at $NNKERN_RUN (a 2-1 sigmoid or 2-k softmax network), else the default blobs run."""
    return env_recording(lambda: train("blobs", one_neuron(START["w"], START["b"])), unfit)


def neuron_values(net):
    """{formula part: value} of the first neuron of ``net``."""
    w, b = net.weights[0][:, 0], net.biases[0][0]
    return {"w_1": w[0], "w_2": w[1], "b": b}



class NeuronScene(CaptionedScene):
    curve = None  # the loss curve left on screen by the blobs run, if any

    def construct(self):
        blobs = blobs_run()
        data = {"blobs": blobs.data, "xor": nk.datasets.load(**RUNS["xor"]["data"])}
        extent = plane.square_extent(np.r_[data["blobs"][0], data["xor"][0]])

        # 1. The formula, term by term, written beside the neuron it describes, and its three knobs.
        self.next_section("formula")
        title = light_text("One neuron", font_size=56, color=style.PALETTE.text)
        self.play(Write(title), run_time=0.8)
        self.wait(0.4)
        parts = ["z", "=", "w_1", "x_1", "+", "w_2", "x_2", "+", "b", r",\quad", "a", "=", r"\sigma(z)"]
        formula = LiveFormula(parts, dict(zip(["w_1", "w_2", "b"], [*START["w"], START["b"]])))
        formula.move_to([-3.45, 2.3, 0])
        tex = formula.tex
        intro = NeuronDrawing(one_neuron(START["w"], START["b"])).move_to([3.6, -0.3, 0])
        self.say("A neuron weighs its inputs x₁, x₂ and adds a bias b", FadeOut(title, shift=UP * 0.5),
                 LaggedStart(*(GrowFromCenter(c) for c in intro.diagram.neurons[0]), FadeIn(intro.inputs),
                             GrowFromCenter(intro.diagram.neurons[1][0]), lag_ratio=0.25),
                 Write(VGroup(*tex[:2])))
        for term, edge, label in ((tex[2:4], 0, intro.weights[0]), (tex[4:7], 1, intro.weights[1])):
            self.play(Write(VGroup(*term)), Create(intro.diagram.edge_bundle(0, edge, 0)), Write(label), run_time=0.9)
        self.play(Write(VGroup(*tex[7:9])), Write(intro.bias), run_time=0.8)
        self.add(intro)
        self.say("then squashes the sum z into an output a between 0 and 1", Write(VGroup(*tex[9:])),
                 Write(intro.sigma), GrowArrow(intro.arrow), Write(intro.output))
        self.wait(0.5)

        sliders = [
            Slider("w_1", W_RANGE, length=4.2, value=START["w"][0]),
            Slider("w_2", W_RANGE, length=4.2, value=START["w"][1]),
            Slider("b", B_RANGE, length=4.2, value=START["b"]),
        ]
        for s, y in zip(sliders, (0.75, -0.25, -1.25)):
            s.line.move_to([-3.1, y, 0])
            s.label.next_to(s.line, LEFT, buff=0.35)
            s.set_value(s.value)
        self.say("Its three parameters are knobs: the numbers under the formula follow them")
        self.play(LaggedStart(*(FadeIn(s) for s in sliders), lag_ratio=0.3),
                  LaggedStart(*(FadeIn(n, shift=DOWN * 0.2) for n in formula.numbers.values()), lag_ratio=0.3))
        self.add(formula)  # one mobject from now on (its parts were animated in one by one)
        self.wait(1)

        # 2. Its output over the plane: heatmap, the line z = 0, the arrow w.
        self.next_section("plane")
        board = NeuronPlane(extent, side=6.0, arrow_scale=0.18).move_to([3.65, -0.4, 0])
        axes = VGroup(MathTex("x_1", font_size=32, color=style.PALETTE.text).next_to(board.frame, DOWN, buff=0.12),
                      MathTex("x_2", font_size=32, color=style.PALETTE.text).next_to(board.frame, LEFT, buff=0.12))

        def follow_sliders(_):
            w, b = (sliders[0].value, sliders[1].value), sliders[2].value
            board.set_weights(w, b)
            formula.set_values({"w_1": w[0], "w_2": w[1], "b": b})

        follow_sliders(None)
        pos, neg = style.PALETTE.positive_name, style.PALETTE.negative_name
        self.say(f"Its output a at every point (x₁, x₂): {pos} where a > 0.5, {neg} where a < 0.5")
        self.play(FadeOut(intro), FadeIn(board.image), Create(board.frame), FadeIn(axes))
        self.wait(1)
        self.say("The line is where z = w₁x₁ + w₂x₂ + b = 0, so a = 0.5")
        self.play(Create(board.line))
        self.wait(1)
        self.say(f"The arrow is w = (w₁, w₂): it stands across the line and points to the {pos} side")
        self.play(GrowArrow(board.arrow), FadeIn(board.arrow_label))
        self.add(board)
        board.add_updater(follow_sliders)
        formula.add_updater(lambda m: None)  # changes every frame: keep it out of the static background
        self.wait(1)

        # 3. What each knob does.
        self.next_section("direction")
        w1, w2, b = (s.tracker for s in sliders)
        self.say("Turning w turns the line: move w₁, then w₂")
        self.play(w1.animate.set_value(2.0), run_time=2.5)
        self.play(w2.animate.set_value(-1.5), run_time=2.5)
        self.play(w1.animate.set_value(0.5), w2.animate.set_value(2.0), run_time=2.5)
        self.wait(0.5)

        self.next_section("length")
        self.say(f"A longer w makes the step from {neg} to {pos} sharper; a shorter one, softer")
        self.play(w1.animate.set_value(1.25), w2.animate.set_value(5.0), run_time=2.5)
        self.play(w1.animate.set_value(0.125), w2.animate.set_value(0.5), run_time=2.5)
        self.play(w1.animate.set_value(START["w"][0]), w2.animate.set_value(START["w"][1]), run_time=2)
        self.wait(0.5)

        self.next_section("bias")
        self.say("b slides the line along w, without turning it")
        self.play(b.animate.set_value(2.5), run_time=2)
        self.play(b.animate.set_value(-2.0), run_time=2.5)
        self.play(b.animate.set_value(START["b"]), run_time=1.5)
        self.wait(0.5)
        board.clear_updaters()
        formula.clear_updaters()

        # 4. Training turns the knobs: your run (or the blobs), then XOR.
        views = [board, formula, *sliders]
        formula.read = lambda f: neuron_values(f.net)
        for i, s in enumerate(sliders):
            s.read = lambda f, i=i: [*f.net.weights[0][:, 0], f.net.biases[0][0]][i]
        if blobs.header["model"]["sizes"][-1] == 1:
            xor_start = self.one_neuron_run(blobs, views, board, sliders, follow_sliders)
        else:
            xor_start = self.class_neurons_run(blobs, board, formula, sliders, extent)

        self.next_section("xor")
        xor = train("xor", xor_start)
        self.say(f"The same neuron on XOR: {style.PALETTE.class_names[1]} where x₁ and x₂ have the same sign")
        old_dots = board.dots.copy()
        board.set_points(*data["xor"])
        self.play(FadeOut(old_dots), FadeIn(board.dots), *([FadeOut(self.curve)] if self.curve else []))
        self.wait(1)
        self.replay(xor, views, "Training looks for the best line", run_time=9)
        last = xor.model_at(len(xor) - 1)
        wrong = np.mean(last.predict(data["xor"][0]) != data["xor"][1])
        a = last.predict_proba(data["xor"][0])
        self.say(f"The best line it finds: unsure everywhere (a from {a.min():.2f} to {a.max():.2f}), "
                 f"wrong on {100 * wrong:.0f}% of the points")
        self.wait(2.5)

        self.next_section("end")
        self.say("One neuron draws one line. XOR needs two.", font_size=40)
        self.play(Indicate(self.cap, color=style.PALETTE.marker, scale_factor=1.1))
        self.wait(2.5)
        self.say(None)

    def one_neuron_run(self, blobs, views, board, sliders, follow_sliders):
        """Section "blobs": training turns the knobs of one neuron (``views`` follow it; ``follow_sliders``
        moves the board with the knobs) on the run ``blobs``; returns its last net."""
        self.next_section("blobs")
        start = blobs.model_at(0)
        self.say("Now let training turn the knobs, on two blobs of points")
        board.set_points(*blobs.data)
        self.play(LaggedStart(*(FadeIn(d, scale=0.5) for d in board.dots), lag_ratio=0.4, run_time=1.5),
                  *(s.tracker.animate.set_value(v) for s, v in zip(sliders, neuron_values(start).values())),
                  UpdateFromFunc(board, lambda m: follow_sliders(None)))  # a run of your own may start elsewhere
        self.curve = self.replay(blobs, views, "The line swings between the blobs as the loss falls", run_time=10)
        final = blobs.model_at(len(blobs) - 1)
        score = np.mean(final.predict(blobs.data[0]) == blobs.data[1])
        self.say(f"One line separates them: {100 * score:.0f}% of the points on their side")
        self.wait(2)
        return final.copy()

    def class_neurons_run(self, rec, board, formula, sliders, extent):
        """Section "classes": the run ``rec`` of k softmax neurons (one per class) as k neurons beside the
        plane in the class colours, then the sliders' neuron back for XOR; returns that neuron."""
        self.next_section("classes")
        k, names = rec.header["model"]["sizes"][-1], style.PALETTE.class_names
        start, final = rec.model_at(0), rec.model_at(len(rec) - 1)
        layer = ClassNeurons(extent, k, side=6.0).move_to(board)
        layer.set_points(*rec.data)
        layer.set_net(start)
        diagram = NetworkDiagram.from_net(start, height=3.6, layer_gap=2.6).move_to([-3.6, 0.35, 0])
        diagram.set_output_classes()  # neuron c scores class c: its colour, as its region's and arrow's
        labels = VGroup(diagram.input_labels(["x_1", "x_2"]),
                        diagram.output_labels([f"P({names[c]})" for c in diagram.shown[-1]], classes=True))
        keep = VGroup(formula, *sliders)
        self.say(f"{k} classes need {k} neurons: each scores its class, softmax turns the scores into probabilities",
                 FadeOut(keep), FadeOut(board), FadeIn(diagram), FadeIn(labels), FadeIn(layer))
        self.wait(1)
        curve = self.replay(rec, [layer, diagram], "Each region takes the colour of the neuron scoring highest there",
                            run_time=10)
        score = np.mean(final.predict(rec.data[0]) == rec.data[1])
        self.say(f"Neurons alone draw straight borders: {100 * score:.0f}% of the points in their class's region")
        self.wait(2)
        self.play(FadeOut(layer), FadeOut(diagram), FadeOut(labels), FadeOut(curve), FadeIn(keep), FadeIn(board))
        return one_neuron(START["w"], START["b"])

    def replay(self, rec, views, text, run_time):
        """Replay recording ``rec`` on ``views`` beside a loss curve, slowed down early, while the caption
        changes to ``text``. Returns the curve."""
        tracker = TrainingTracker(RecordedRun.from_recording(rec), plane.square_extent(rec.data[0]))
        curve = LossCurve.from_recording(rec, width=3.8, height=1.05).move_to([-3.3, -2.75, 0])
        tracker.attach(*views, curve)
        self.play(FadeIn(curve))
        self.say(text, tracker.play(0, 1, run_time, slow_motion=10))
        tracker.detach()
        return curve
