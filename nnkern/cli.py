"""The ``nnkern`` command: train a network on a built-in dataset (recording it, saving it), and
summarise a recording.

    nnkern train --dataset moons
    nnkern train --dataset spiral --layers 2,16,16,1 --epochs 300 --out runs/spiral --save-model spiral.npz
    nnkern train --idx train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz --class-names fashion-mnist --out runs/fashion
    nnkern info runs/spiral
    nnkern explore runs/spiral -o spiral.html
    nnkern sweep --dataset spiral --layers 2,4,1 2,8,8,1 --lr 0.003,0.03,0.3 --seeds 0-3 --out runs/sweep
    nnkern sweep --summary runs/sweep

Each subcommand is an ``add_<name>(commands)`` function that declares its options and sets
``run`` to the function doing the work.  Bad arguments print one line and exit with status 2.
"""

import argparse
import math
import os
import sys
import warnings

from . import __version__, datasets
from .kernels.codes import HIDDEN_ACTIVATIONS, OPTIMIZERS, OUTPUTS
from .model import DTYPES, MLP
from .record import Recording, RecordingError
from .record.recorder import DURABLE
from .train import TrainingDiverged, train


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise ValueError(message)


# --- option types: each names the option's form in its error --------------------------------


def parse_schedule(text):
    """``auto``, ``every:K`` -> K, ``geometric``, ``none`` -> None, ``0,10,100`` -> [0, 10, 100]."""
    if text in ("none", "geometric", "auto"):
        return None if text == "none" else text
    try:
        value = int(text[len("every:"):]) if text.startswith("every:") else [int(s) for s in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected auto, every:K, geometric, none or a comma list of steps") from None
    if isinstance(value, int) and value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: every:K records every K-th step and needs K >= 1")
    return value


def parse_layers(text):
    try:
        return [int(s) for s in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected comma-separated widths, inputs first, e.g. 2,16,16,1") from None


def _number(kind, test, expected):
    """An argparse type: ``kind(text)`` passing ``test``, else an error saying it must be ``expected``."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not test(value):
            raise argparse.ArgumentTypeError(f"{text!r}: expected {expected}")
        return value
    return parse


def parse_class_names(text):
    """``fashion-mnist`` -> its ten class names; ``a,b,c`` -> ["a", "b", "c"]."""
    names = datasets.FASHION_MNIST_CLASSES if text == "fashion-mnist" else text.split(",")
    if not all(n.strip() for n in names):
        raise argparse.ArgumentTypeError(f"{text!r}: expected fashion-mnist or comma-separated class names")
    return [n.strip() for n in names]


positive_int = _number(int, lambda v: v >= 1, "a positive integer")
non_negative_int = _number(int, lambda v: v >= 0, "an integer >= 0")
positive_float = _number(float, lambda v: math.isfinite(v) and v > 0, "a number > 0")
non_negative_float = _number(float, lambda v: math.isfinite(v) and v >= 0, "a number >= 0")
fraction = _number(float, lambda v: 0 <= v < 1, "a fraction in [0, 1), e.g. 0.2")


def comma_list(kind, expected, choices=None):
    """An argparse type: ``a,b,c`` -> [kind(a), kind(b), kind(c)], each one of ``choices`` if given."""
    def parse(text):
        try:
            values = [kind(s) for s in text.split(",")]
        except ValueError:
            values = None
        if values is None or (choices is not None and not set(values) <= set(choices)):
            raise argparse.ArgumentTypeError(f"{text!r}: expected a comma list of {expected}")
        return values
    return parse


def parse_seeds(text):
    """``0-3`` -> [0, 1, 2, 3]; ``0,5,7`` -> [0, 5, 7]."""
    try:
        if "-" in text:
            first, last = map(int, text.split("-"))
            return list(range(first, last + 1))
        return [int(s) for s in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected seeds as FIRST-LAST or a comma list") from None


# --- subcommands ---------------------------------------------------------------------------


def add_train(commands):
    t = commands.add_parser("train", help="train on a built-in dataset, an IDX pair or a CSV file; record the run with --out",
                            description="Train a network on a built-in dataset, an IDX image/label pair or your own points "
                                        "and print its loss and accuracy. --out records the run into a folder; --save-model "
                                        "keeps the trained network.")
    source = t.add_mutually_exclusive_group(required=True)
    source.add_argument("--dataset", choices=datasets.NAMES, help="a built-in dataset to train on; this, --idx or --csv (required)")
    source.add_argument("--idx", nargs=2, metavar=("IMAGES", "LABELS"), help="an IDX file pair such as MNIST's, plain or .gz, instead of --dataset (required)")
    source.add_argument("--csv", metavar="FILE", help="your own points: a CSV file of columns x1, x2, ..., label, header optional, instead of --dataset (required)")
    t.add_argument("--classes", type=positive_int, default=2, help="classes of --dataset spiral, 2 to 7 (default: %(default)s)")
    t.add_argument("--class-names", type=parse_class_names, default=None, help="fashion-mnist, or comma-separated names of "
                   "classes 0, 1, ..., kept in the recording (default: none)")
    t.add_argument("--n", type=positive_int, default=None, help="samples (default: 1000; all 1797 for digits)")
    t.add_argument("--noise", type=non_negative_float, default=None,
                   help=f"dataset noise, std in input units (default: {datasets.DEFAULT_NOISE}; digits: 0)")
    t.add_argument("--layers", type=parse_layers, default=None, help="widths, inputs first (default: 2,16,16,k; 64,32,k for "
                   "digits; k = the number of classes for softmax output, else 1)")
    t.add_argument("--activation", default="tanh", choices=HIDDEN_ACTIVATIONS, help="hidden activation (default: %(default)s)")
    t.add_argument("--output", default=None, choices=OUTPUTS, help="output layer and loss (default: sigmoid for two classes, "
                   "else softmax)")
    t.add_argument("--dtype", default="float32", choices=DTYPES, help="float precision (default: %(default)s)")
    t.add_argument("--epochs", type=positive_int, default=300, help="passes over the data (default: %(default)s)")
    t.add_argument("--batch-size", type=positive_int, default=32, help="samples per update (default: %(default)s)")
    t.add_argument("--optimizer", default="adam", choices=OPTIMIZERS, help="update rule (default: %(default)s)")
    t.add_argument("--lr", type=positive_float, default=0.01, help="learning rate (default: %(default)s)")
    t.add_argument("--weight-decay", type=non_negative_float, default=0.0, help="L2 penalty on weights (default: %(default)s)")
    t.add_argument("--seed", type=non_negative_int, default=0, help="seeds the data, the initial weights and the shuffling (default: %(default)s)")
    t.add_argument("--val", type=fraction, default=0.0, help="fraction held out for validation (default: 0, none)")
    t.add_argument("--record", type=parse_schedule, default="auto", metavar="SCHEDULE",
                   help="which steps --out keeps: auto (every step while that takes at most 256 MB, else geometric), "
                        "every:K, geometric (dense early, sparse late), none, or steps 0,10,100 (default: auto)")
    t.add_argument("--out", default=None, help="new folder to record the run into (default: none, nothing recorded)")
    t.add_argument("--durable", choices=DURABLE, default="end",
                   help="flush the recording to disk once at the end, every chunk as it is written (power-loss "
                        "safe mid-run; slower), or never (left to the OS) (default: %(default)s)")
    t.add_argument("--save-model", default=None, metavar="FILE", help="write the trained network to this new .npz file, "
                   "for nk.MLP.load (default: none)")
    t.add_argument("--quiet", action="store_true", help="no progress bar (default: off)")
    t.set_defaults(run=cmd_train)


def add_info(commands):
    i = commands.add_parser("info", help="summarise a recording folder",
                            description="Summarise a recording: model, optimizer, data, snapshots, and whether anything "
                                        "is missing, damaged or unfinished.")
    i.add_argument("path", help="the recording folder")
    i.add_argument("--skip-corrupt", action="store_true", help="leave out unreadable chunks and history lines instead of "
                   "failing (default: off)")
    i.set_defaults(run=cmd_info)


def _manim_options(parser, quality, media):
    """-q, --theme and --media, shared by the commands that run Manim."""
    from .palette import THEMES

    parser.add_argument("-q", "--quality", choices=("l", "m", "h"), default=quality,
                        help="480p15, 720p30 or 1080p60 (default: %(default)s)")
    parser.add_argument("--theme", choices=tuple(THEMES), default=None,
                        help="colour theme, as NNKERN_THEME (default: $NNKERN_THEME, else dark)")
    parser.add_argument("--media", default="media", help=f"{media} (default: %(default)s)")


def add_render(commands):
    r = commands.add_parser("render", help="render every scene (or those named) in parallel, with a gallery page",
                            description="Render the scenes in --dir (or those named) with Manim, N at a time; one line per "
                                        "scene, failures reported at the end with their logs (exit status 1); writes "
                                        "MEDIA/gallery.html.")
    r.add_argument("scenes", nargs="*", metavar="SCENE", help="scene files or names in --dir (default: all)")
    _manim_options(r, "l", "where videos, logs, posters and gallery.html go")
    r.add_argument("-j", "--jobs", type=positive_int, default=os.cpu_count() or 1, help="scenes rendered at once "
                   "(default: the number of cores, %(default)s)")
    r.add_argument("--dir", default="scenes", help="the folder of scenes (default: %(default)s)")
    r.add_argument("--scheduler", default=None, metavar="ADDRESS", help="a running Dask scheduler, e.g. tcp://HOST:8786: "
                   "each scene renders whole on one of its workers, which must reach the scenes and --media at the "
                   "same paths (default: none, processes here)")
    r.set_defaults(run=cmd_render)


def add_slides(commands):
    s = commands.add_parser("slides", help="a scene as a slide deck (PowerPoint, PDF or HTML), one slide per section",
                            description="Render a scene as manim-slides slides (one per section) and convert them "
                                        "with manim-slides: --to pptx (each slide plays its clip), --to pdf (a page per "
                                        "slide: its last frame) or --to html (reveal.js, opens from disk). Needs the "
                                        "extra slides.")
    s.add_argument("scene", help="the scene file, e.g. scenes/training.py")
    s.add_argument("--to", choices=("pptx", "pdf", "html"), required=True, help="the deck's format (required)")
    _manim_options(s, "m", "where Manim's videos and logs go")
    s.add_argument("--out", default=None, help="the deck: a .pptx or .pdf file, or a folder for html (default: "
                   "MEDIA/slides/<scene>.pptx, .pdf or MEDIA/slides/<scene>/)")
    s.set_defaults(run=cmd_slides)


def add_sweep(commands):
    s = commands.add_parser("sweep", help="train every combination of settings on Dask, one recording per run under --out",
                            description="Train every combination of the listed settings (comma lists; --layers takes "
                                        "several architectures), a few runs per Dask task, each recorded into its own folder "
                                        "under --out with summary.csv beside them. Runs finished before are skipped.")
    source = s.add_mutually_exclusive_group()
    source.add_argument("--dataset", nargs="+", default=["spiral"], choices=datasets.NAMES, help="one or more (default: spiral)")
    source.add_argument("--csv", metavar="FILE", help="your own points instead (x1, x2, ..., label); every worker must "
                        "read FILE (default: none)")
    source.add_argument("--idx", nargs=2, metavar=("IMAGES", "LABELS"), help="an IDX pair instead (MNIST's format); every "
                        "worker must read them (default: none)")
    s.add_argument("--n", type=positive_int, default=None, help="samples (default: 1000; all 1797 for digits)")
    s.add_argument("--noise", type=non_negative_float, default=0.05, help="dataset noise (default: %(default)s)")
    s.add_argument("--data-seed", type=non_negative_int, default=0, help="seeds the data and its split, the same for "
                   "every run (default: %(default)s)")
    s.add_argument("--val", type=fraction, default=0.25, help="fraction held out for validation (default: %(default)s)")
    s.add_argument("--layers", type=parse_layers, nargs="+", help="one or more architectures, e.g. 2,4,1 2,8,8,1 (required)")
    s.add_argument("--activation", type=comma_list(str, "activations", HIDDEN_ACTIVATIONS), default=["tanh"],
                   help=f"of {', '.join(HIDDEN_ACTIVATIONS)} (default: tanh)")
    s.add_argument("--output", default=None, choices=OUTPUTS, help="default: sigmoid for one output unit, else softmax")
    s.add_argument("--dtype", type=comma_list(str, "dtypes", DTYPES), default=["float32"], help="(default: float32)")
    s.add_argument("--epochs", type=comma_list(int, "positive integers"), default=[200], help="(default: 200)")
    s.add_argument("--batch-size", type=comma_list(int, "positive integers"), default=[32], help="(default: 32)")
    s.add_argument("--optimizer", type=comma_list(str, "optimizers", OPTIMIZERS), default=["adam"],
                   help=f"of {', '.join(OPTIMIZERS)} (default: adam)")
    s.add_argument("--lr", type=comma_list(float, "numbers, e.g. 0.003,0.03,0.3"), default=[0.01], help="(default: 0.01)")
    s.add_argument("--weight-decay", type=comma_list(float, "numbers"), default=[0.0], help="(default: 0)")
    s.add_argument("--seeds", type=parse_seeds, default=[0], help="initial weights and shuffling: 0-3 or 0,5,7 (default: 0)")
    s.add_argument("--record", type=parse_schedule, default="geometric", metavar="SCHEDULE",
                   help="which steps each run keeps (as nnkern train; default: geometric)")
    s.add_argument("--out", help="folder, or an fsspec URL every worker can write, of the runs and summary.csv (required)")
    s.add_argument("--scheduler", default=None, help="a running Dask scheduler, e.g. tcp://HOST:8786 (default: a local "
                   "cluster of one worker process per core)")
    s.add_argument("--workers", type=non_negative_int, default=None, help="worker processes of the local cluster "
                   "(default: one per core; 0: no Dask, one run after another here)")
    s.add_argument("--durable", choices=DURABLE, default="none", help="when each run's recording is flushed to disk, as "
                   "for nnkern train (default: %(default)s: by the OS; a killed worker or sweep keeps every finished run)")
    s.add_argument("--retry-failed", action="store_true", help="train the runs that failed before again (default: off)")
    s.add_argument("--summary", metavar="FOLDER", default=None, help="print the best runs of a sweep folder and stop (default: none)")
    s.add_argument("--top", type=positive_int, default=5, help="how many best runs to print (default: %(default)s)")
    s.add_argument("--quiet", action="store_true", help="no progress bar (default: off)")
    s.set_defaults(run=cmd_sweep)


def add_explore(commands):
    e = commands.add_parser("explore", help="write a recording as one HTML page to scrub through and edit",
                            description="Write a recorded 2-input classifier run as one self-contained HTML page "
                                        "that opens from disk: scrub through time, drag weights, hover neurons.")
    e.add_argument("path", help="the recording folder")
    e.add_argument("-o", "--output", default=None, help="the page to write (default: the folder's name + .html)")
    e.add_argument("--snapshots", type=positive_int, default=None, help="snapshots kept in the page (default: 600, "
                   "fewer for big nets)")
    e.set_defaults(run=cmd_explore)


SUBCOMMANDS = (add_train, add_info, add_explore, add_render, add_slides, add_sweep)


def build_parser():
    parser = _Parser(prog="nnkern", description="Train and record small dense networks.")
    parser.add_argument("--version", action="version", version=f"nnkern {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add in SUBCOMMANDS:
        add(commands)
    return parser


def _data(args):
    """(X, y, meta) of --dataset (with --n, --noise, --classes), --idx (its first --n samples) or --csv;
    refuses more samples than the data holds. meta describes the data for the recording (image shape
    and class names included)."""
    if args.classes != 2 and args.dataset != "spiral":
        raise ValueError(f"--classes {args.classes}: only --dataset spiral takes a number of classes")
    if not 2 <= args.classes <= 7:
        raise ValueError(f"--classes {args.classes}: spiral takes 2 to 7")
    if args.csv is not None:
        X, y = datasets.from_csv(args.csv)
        meta = {"dataset": "csv", "csv": os.path.abspath(args.csv), "n": len(X)}
    elif args.idx is None:
        if args.n is not None and args.n > datasets.SIZES.get(args.dataset, args.n):
            raise ValueError(f"--n {args.n}: {args.dataset} holds {datasets.SIZES[args.dataset]} samples")
        X, y = datasets.load(args.dataset, n=args.n, noise=args.noise, seed=args.seed, classes=args.classes)
        meta = {"dataset": args.dataset, "n": args.n, "noise": args.noise}
        if args.classes != 2:
            meta["classes"] = args.classes
        if args.dataset == "digits":
            meta["image_shape"] = list(datasets.DIGITS_SHAPE)
    else:
        X, y, shape = datasets.load_idx(*args.idx)
        if args.n is not None and args.n > len(y):
            raise ValueError(f"--n {args.n}: {args.idx[0]} holds {len(y)} samples")
        X, y = X[: args.n], y[: args.n]
        meta = {"dataset": "idx", "idx": args.idx, "n": args.n, "image_shape": list(shape)}
    if args.class_names is not None:
        if len(args.class_names) < int(y.max()) + 1:
            raise ValueError(f"--class-names gives {len(args.class_names)} names; the labels need {int(y.max()) + 1}")
        meta["class_names"] = args.class_names
    return X, y, meta


def _architecture(args, n_inputs, n_classes, dataset):
    """(layers, output) from --layers and --output, checked against the data."""
    output = args.output or ("sigmoid" if n_classes == 2 else "softmax")
    if output == "sigmoid" and n_classes > 2:
        raise ValueError(f"--output sigmoid fits two classes; {dataset} has {n_classes}: use --output softmax")
    n_out = n_classes if output == "softmax" else 1
    layers = args.layers or ([n_inputs, 16, 16, n_out] if n_inputs == 2 else [n_inputs, 32, n_out])
    if layers[0] != n_inputs:
        raise ValueError(f"--layers must start with {n_inputs}, the number of {dataset} inputs; got {layers[0]}")
    if output != "softmax" and layers[-1] != 1:
        hint = "; for one unit per class use --output softmax" if output == "sigmoid" else ""
        raise ValueError(f"--layers ends in {layers[-1]} units, but {output} output on {n_classes} classes "
                         f"takes one: end --layers in 1{hint}")
    if output == "softmax" and layers[-1] < n_classes:
        raise ValueError(f"--layers ends in {layers[-1]} units; softmax output needs one per class, {n_classes}")
    return layers, output


def cmd_train(args):
    if args.record is None and args.out is not None:
        raise ValueError("--record none leaves nothing to write to --out")
    for option, path in (("--out", args.out), ("--save-model", args.save_model)):
        if path is not None and os.path.exists(path) and not (option == "--out" and os.path.isdir(path) and not os.listdir(path)):
            raise ValueError(f"{option} {path} already exists; choose a new path (nothing is overwritten)")
    X, y, meta = _data(args)
    layers, output = _architecture(args, X.shape[1], int(y.max()) + 1, meta.get("csv", meta["dataset"]))
    val = None
    if args.val:
        X, X_val, y, y_val = datasets.train_test_split(X, y, test_size=args.val, seed=args.seed)
        val = (X_val, y_val)
    if args.batch_size > len(X):
        warnings.warn(f"--batch-size {args.batch_size} is more than the {len(X)} training samples: each step uses all {len(X)}")
    net = MLP(layers, activation=args.activation, output=output, seed=args.seed, dtype=args.dtype)
    meta.update(seed=args.seed, val=args.val)
    record = args.record if args.out is not None else None
    run = train(net, X, y, epochs=args.epochs, batch_size=min(args.batch_size, len(X)), optimizer=args.optimizer, lr=args.lr,
                weight_decay=args.weight_decay, seed=args.seed, quiet=args.quiet, val=val,
                record=record, record_to=args.out, record_meta=meta, durable=args.durable)
    print(f"trained {net!r} for {args.epochs} epochs in {run.seconds:.2f} s: {_metrics(run.history)}")
    if run.recording is not None:
        print(f"recording: {args.out} ({len(run.recording)} snapshots)")
    else:
        print("not recorded: add --out runs/NAME to record the run (then nnkern info runs/NAME)")
    if args.save_model is not None:
        print(f"model: {net.save(args.save_model)} (load it with nk.MLP.load)")


def cmd_explore(args):
    from .explorer import explore

    out = args.output or args.path.rstrip("/\\") + ".html"
    explore(args.path, out, n_snapshots=args.snapshots)
    print(f"wrote {out} ({os.path.getsize(out) / 1e6:.2f} MB): open it in a browser")


#: how ``_metrics`` names the history's series
_METRICS = {"loss": "training loss", "acc": "training accuracy", "val_loss": "validation loss", "val_acc": "validation accuracy"}


def _metrics(history):
    """The last epoch's metrics, each saying whether it is on training or held-out data."""
    last = {k: history[k][-1] for k in _METRICS if history.get(k) and not math.isnan(history[k][-1])}
    shown = [f"{_METRICS[k]} {100 * v:.1f}%" if k.endswith("acc") else f"{_METRICS[k]} {v:.4g}" for k, v in last.items()]
    return ", ".join(shown) if shown else "no finished epoch"


def _schedule(described):
    """The header's schedule in the command line's words."""
    kind, value = next(iter(described.items()))
    if kind == "steps":
        return f"{len(value)} listed steps"
    return f"every:{value}" if kind == "every" else f"geometric, {value} per doubling"


#: the header's optimizer settings each optimizer uses, in the command line's words (momentum is kept as beta1)
_SETTINGS = {"sgd": {"lr": "lr", "weight_decay": "weight decay"},
             "momentum": {"lr": "lr", "beta1": "momentum", "weight_decay": "weight decay"},
             "adam": {"lr": "lr", "beta1": "beta1", "beta2": "beta2", "eps": "eps", "weight_decay": "weight decay"}}


def _state(rec):
    """The first line of ``info``: complete, or each way the recording falls short."""
    problems = [f"missing {name}" for name in rec.missing]
    if rec.interrupted:
        problems.append("INTERRUPTED (training stopped early, or is still running)")
    if rec.skipped:
        problems.append(f"DAMAGED ({len(rec.skipped)} unreadable piece{'s' * (len(rec.skipped) > 1)} skipped)")
    return "; ".join(problems) if problems else "complete"


def _divergence(rec):
    """A line on a run whose last snapshots hold NaN or inf, else None."""
    try:
        if not len(rec) or rec.finite(len(rec) - 1):
            return None
    except RecordingError as e:
        return f"last:       unreadable ({e})"
    good = rec.last_finite()
    first = len(rec) - 1 if good is None else good + 1
    last = "none is finite" if good is None else f"the last finite is {good} (step {rec.steps[good]})"
    return f"diverged:   snapshot {first} (step {rec.steps[first]}) holds NaN or inf; {last}"


def cmd_info(args):
    rec = Recording.load(args.path, skip_corrupt=args.skip_corrupt)
    h = rec.header
    m, opt, tr = h["model"], h["optimizer"], h["training"]
    settings = ", ".join(f"{name} {opt[k]:g}" for k, name in _SETTINGS[opt["name"]].items())
    data = {k: v for k, v in (h.get("meta") or {}).items() if v is not None}
    source = f" ({', '.join(f'{k}={v}' for k, v in data.items())})" if data else ""
    lines = [
        f"{args.path}: {_state(rec)}",
        f"model:      {'-'.join(map(str, m['sizes']))}, {m['activation']} -> {m['output']}, {m['dtype']}, "
        f"{m['n_params']} parameters, seed {m['seed']}",
        f"optimizer:  {opt['name']} ({settings})",
        f"training:   {tr['epochs']} epochs x {tr['steps_per_epoch']} steps, batch {tr['batch_size']}, "
        f"{tr['n_samples']} samples{source}",
        f"snapshots:  {len(rec)}" + (f", steps {rec.steps[0]}..{rec.steps[-1]}" if len(rec) else "") + f" ({_schedule(h['schedule'])})",
        f"history:    {len(rec.history.get('epoch', []))} epochs; last: {_metrics(rec.history)}",
    ]
    lines += [line for line in (_divergence(rec),) if line]
    lines += [f"skipped:    {piece}" for piece in rec.skipped]
    print("\n".join(lines))


def cmd_render(args):
    from . import render

    results = render.render_all(render.find_scenes(args.scenes, args.dir), args.quality, args.jobs, args.theme, args.media,
                                scheduler=args.scheduler)
    return 1 if render.report_failures(results) else 0


def cmd_slides(args):
    import pathlib

    from . import palette, slides

    if not os.path.isfile(args.scene):
        raise ValueError(f"{args.scene}: no such scene file")
    stem = pathlib.Path(args.scene).stem
    out = args.out or os.path.join(args.media, "slides", stem + ("" if args.to == "html" else "." + args.to))
    light = (palette.theme(args.theme) if args.theme else palette.from_env()) is palette.LIGHT
    try:
        folder, scenes = slides.render_slides(args.scene, args.quality, args.media, args.theme)
        deck = slides.convert(folder, scenes, args.to, out, light)
    except RuntimeError as e:
        print(f"nnkern: error: {e}", file=sys.stderr)
        return 1
    names = slides.slide_names(folder, scenes)
    print(f"{args.to} deck: {deck} ({len(names)} slides: {', '.join(names)})")


def cmd_sweep(args):
    from .sweeps import summary

    if args.summary is None:
        if args.out is None or args.layers is None:
            raise ValueError("nnkern sweep needs --layers and --out (or --summary FOLDER)")
        from .sweeps import sweep

        dataset = (["csv:" + os.path.abspath(args.csv)] if args.csv else
                   ["idx:" + ",".join(map(os.path.abspath, args.idx))] if args.idx else args.dataset)
        grid = dict(dataset=dataset, n=args.n, noise=args.noise, data_seed=args.data_seed, val=args.val,
                    layers=args.layers, activation=args.activation, output=args.output, dtype=args.dtype,
                    epochs=args.epochs, batch_size=args.batch_size, optimizer=args.optimizer, lr=args.lr,
                    weight_decay=args.weight_decay, seed=args.seeds, record=args.record)
        result = sweep(grid, args.out, scheduler=args.scheduler, n_workers=args.workers,
                       retry_failed=args.retry_failed, durable=args.durable, progress=not args.quiet)
        print(f"{result.folder}: {len(result.rows)} runs, {len(result.rows) - result.trained} finished before, "
              f"{len(result.failed)} failed")
        if result.cluster_cost_more:
            print(f"nnkern: note: starting the local cluster took {result.startup:.1f} s, more than its "
                  f"{len(result.workers)} worker(s) could save on {result.seconds:.1f} s of training; for sweeps this "
                  f"small, --workers 0 (one process, no Dask) is faster", file=sys.stderr)
    import fsspec.core

    fs, root = fsspec.core.url_to_fs(args.summary or args.out)
    print(summary.best_table(summary.read(fs, root), args.top))


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"nnkern: warning: {message}", file=sys.stderr)


def main(argv=None):
    """Run the command line; returns the exit status: 2 for bad arguments or an unreadable
    recording, 1 when training diverges or a file cannot be written."""
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            args = build_parser().parse_args(argv)
            status = args.run(args)
    except ValueError as e:
        print(f"nnkern: error: {e}", file=sys.stderr)
        return 2
    except (OSError, TrainingDiverged) as e:
        print(f"nnkern: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("nnkern: interrupted", file=sys.stderr)
        return 130
    return status or 0


if __name__ == "__main__":
    sys.exit(main())
