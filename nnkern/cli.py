"""The ``nnkern`` command: train a network on a built-in dataset while recording it, and
summarise a recording.

    nnkern train --dataset spiral --layers 2,16,16,1 --epochs 300 --record every:1 --out runs/spiral
    nnkern info runs/spiral
    nnkern sweep --dataset spiral --layers 2,4,1 2,8,8,1 --lr 0.003,0.03,0.3 --seeds 0-3 --out runs/sweep
    nnkern sweep --summary runs/sweep

Bad arguments print one line and exit with status 2.
"""

import argparse
import math
import sys

from . import datasets
from .model import MLP
from .record import Recording
from .train import TrainingDiverged, train


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise ValueError(message)


def parse_schedule(text):
    """``every:K`` -> K, ``geometric``, ``none`` -> None, ``0,10,100`` -> [0, 10, 100]."""
    if text in ("none", "geometric"):
        return None if text == "none" else text
    try:
        if text.startswith("every:"):
            return int(text[len("every:"):])
        return [int(s) for s in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected every:K, geometric, none or a comma list of steps") from None


def parse_layers(text):
    try:
        return [int(s) for s in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected comma-separated widths, inputs first, e.g. 2,16,16,1") from None


def build_parser():
    parser = _Parser(prog="nnkern", description="Train and record small dense networks.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    t = commands.add_parser("train", help="train on a built-in dataset, streaming a recording to --out")
    t.add_argument("--dataset", required=True, choices=datasets.NAMES)
    t.add_argument("--n", type=int, default=None, help="samples (default: 1000, or all 1797 digits)")
    t.add_argument("--noise", type=float, default=0.05, help="dataset noise (default 0.05)")
    t.add_argument("--layers", type=parse_layers, default=None, help="widths, inputs first (default 2,16,16,k; 64,32,k for digits; "
                   "k = the number of classes for softmax output, else 1)")
    t.add_argument("--activation", default="tanh")
    t.add_argument("--output", default=None, help="sigmoid, softmax or identity (default: sigmoid for two classes, else softmax)")
    t.add_argument("--dtype", default="float32")
    t.add_argument("--epochs", type=int, default=300)
    t.add_argument("--batch-size", type=int, default=32)
    t.add_argument("--optimizer", default="adam")
    t.add_argument("--lr", type=float, default=0.01)
    t.add_argument("--weight-decay", type=float, default=0.0)
    t.add_argument("--seed", type=int, default=0, help="seeds the data, the initial weights and the shuffling")
    t.add_argument("--val", type=float, default=0.0, help="fraction held out for validation (default none)")
    t.add_argument("--record", type=parse_schedule, default=1, help="every:K (default every:1), geometric, none, or steps 0,10,100")
    t.add_argument("--out", default=None, help="new folder for the recording")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    i = commands.add_parser("info", help="summarise a recording folder")
    i.add_argument("path")
    i.add_argument("--skip-corrupt", action="store_true", help="leave out unreadable chunks instead of failing")
    add_sweep_parser(commands)
    return parser


def cmd_train(args):
    X, y = datasets.load(args.dataset, n=args.n, noise=args.noise, seed=args.seed)
    n_classes = int(y.max()) + 1
    output = args.output or ("sigmoid" if n_classes == 2 else "softmax")
    n_out = n_classes if output == "softmax" else 1
    layers = args.layers or ([X.shape[1], 16, 16, n_out] if n_classes == 2 else [X.shape[1], 32, n_out])
    if layers[0] != X.shape[1]:
        raise ValueError(f"--layers must start with {X.shape[1]}, the number of {args.dataset} inputs; got {layers[0]}")
    if args.record is not None and args.out is None:
        raise ValueError("--out is needed to keep the recording (or pass --record none)")
    if args.record is None and args.out is not None:
        raise ValueError("--record none leaves nothing to write to --out")
    val = None
    if args.val:
        X, X_val, y, y_val = datasets.train_test_split(X, y, test_size=args.val, seed=args.seed)
        val = (X_val, y_val)
    net = MLP(layers, activation=args.activation, output=output, seed=args.seed, dtype=args.dtype)
    meta = {"dataset": args.dataset, "n": args.n, "noise": args.noise, "seed": args.seed, "val": args.val}
    run = train(net, X, y, epochs=args.epochs, batch_size=args.batch_size, optimizer=args.optimizer, lr=args.lr,
                weight_decay=args.weight_decay, seed=args.seed, quiet=args.quiet, val=val,
                record=args.record, record_to=args.out, record_meta=meta)
    print(f"trained {net!r} for {args.epochs} epochs in {run.seconds:.2f} s: {_metrics(run.history)}")
    if run.recording is not None:
        print(f"recording: {args.out} ({len(run.recording)} snapshots)")


def _metrics(history):
    names = [k for k in ("loss", "acc", "val_loss", "val_acc") if history.get(k) and not math.isnan(history[k][-1])]
    return ", ".join(f"{k} {history[k][-1]:.4f}" for k in names) if names else "no finished epoch"


def _schedule(described):
    """The header's schedule in the command line's words."""
    kind, value = next(iter(described.items()))
    if kind == "steps":
        return f"{len(value)} listed steps"
    return f"every:{value}" if kind == "every" else f"geometric, {value} per doubling"


def cmd_info(args):
    rec = Recording.load(args.path, skip_corrupt=args.skip_corrupt)
    h = rec.header
    m, opt, tr = h["model"], h["optimizer"], h["training"]
    settings = ", ".join(f"{k}={v:g}" for k, v in opt.items() if k != "name")
    data = {k: v for k, v in (h.get("meta") or {}).items() if v is not None}
    source = f" ({', '.join(f'{k}={v}' for k, v in data.items())})" if data else ""
    lines = [
        f"{args.path}: {'complete' if rec.complete else 'INCOMPLETE (training stopped early, or is still running)'}",
        f"model:      {'-'.join(map(str, m['sizes']))}, {m['activation']} -> {m['output']}, {m['dtype']}, "
        f"{m['n_params']} parameters, seed {m['seed']}",
        f"optimizer:  {opt['name']} ({settings})",
        f"training:   {tr['epochs']} epochs x {tr['steps_per_epoch']} steps, batch {tr['batch_size']}, "
        f"{tr['n_samples']} samples{source}",
        f"snapshots:  {len(rec)}" + (f", steps {rec.steps[0]}..{rec.steps[-1]}" if len(rec) else "") + f" ({_schedule(h['schedule'])})",
        f"history:    {len(rec.history.get('epoch', []))} epochs; last: {_metrics(rec.history)}",
    ]
    if rec.skipped:
        lines.append(f"skipped:    {', '.join(rec.skipped)}")
    print("\n".join(lines))


def comma_list(kind):
    """``a,b,c`` -> [kind(a), kind(b), kind(c)] (an argparse type)."""
    def parse(text):
        try:
            return [kind(s) for s in text.split(",")]
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r}: expected a comma list of {kind.__name__} values") from None
    parse.__name__ = f"{kind.__name__} list"
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


def add_sweep_parser(commands):
    """``nnkern sweep``: every combination of the listed settings, one Dask task per run."""
    s = commands.add_parser("sweep", help="train every combination of settings on Dask, one recording per run under --out")
    s.add_argument("--dataset", nargs="+", default=["spiral"], choices=datasets.NAMES)
    s.add_argument("--n", type=int, default=None, help="samples (default: 1000, or all 1797 digits)")
    s.add_argument("--noise", type=float, default=0.05)
    s.add_argument("--data-seed", type=int, default=0, help="seeds the data and its split (the same for every run)")
    s.add_argument("--val", type=float, default=0.25, help="fraction held out for validation (default 0.25)")
    s.add_argument("--layers", type=parse_layers, nargs="+", help="one or more architectures, e.g. 2,4,1 2,8,8,1")
    s.add_argument("--activation", type=comma_list(str), default=["tanh"], help="e.g. tanh,relu")
    s.add_argument("--output", default=None, help="default: sigmoid for one output unit, else softmax")
    s.add_argument("--dtype", type=comma_list(str), default=["float32"])
    s.add_argument("--epochs", type=comma_list(int), default=[200])
    s.add_argument("--batch-size", type=comma_list(int), default=[32])
    s.add_argument("--optimizer", type=comma_list(str), default=["adam"])
    s.add_argument("--lr", type=comma_list(float), default=[0.01], help="e.g. 0.003,0.03,0.3")
    s.add_argument("--weight-decay", type=comma_list(float), default=[0.0])
    s.add_argument("--seeds", type=parse_seeds, default=[0], help="initial weights and shuffling: 0-3 or 0,5,7")
    s.add_argument("--record", type=parse_schedule, default="geometric", help="every:K, geometric (default), or steps 0,10,100")
    s.add_argument("--out", help="folder (or fsspec URL every worker can write) of the runs and summary.csv")
    s.add_argument("--scheduler", default=None, help="address of a running Dask scheduler, e.g. tcp://HOST:8786 "
                   "(default: a local cluster, one worker process per core)")
    s.add_argument("--workers", type=int, default=None, help="worker processes of the local cluster")
    s.add_argument("--retry-failed", action="store_true", help="train the runs that failed before again")
    s.add_argument("--summary", metavar="FOLDER", default=None, help="print the best runs of a sweep folder and stop")
    s.add_argument("--top", type=int, default=5, help="how many best runs to print")
    s.add_argument("--quiet", action="store_true", help="no progress bar")


def cmd_sweep(args):
    from .sweeps import summary

    if args.summary is None:
        if args.out is None or args.layers is None:
            raise ValueError("nnkern sweep needs --layers and --out (or --summary FOLDER)")
        from .sweeps import sweep

        grid = dict(dataset=args.dataset, n=args.n, noise=args.noise, data_seed=args.data_seed, val=args.val,
                    layers=args.layers, activation=args.activation, output=args.output, dtype=args.dtype,
                    epochs=args.epochs, batch_size=args.batch_size, optimizer=args.optimizer, lr=args.lr,
                    weight_decay=args.weight_decay, seed=args.seeds, record=args.record)
        result = sweep(grid, args.out, scheduler=args.scheduler, n_workers=args.workers,
                       retry_failed=args.retry_failed, progress=not args.quiet)
        print(f"{result.folder}: {len(result.rows)} runs, {len(result.rows) - result.trained} finished before, "
              f"{len(result.failed)} failed")
    import fsspec.core

    fs, root = fsspec.core.url_to_fs(args.summary or args.out)
    print(summary.best_table(summary.read(fs, root), args.top))


def main(argv=None):
    """Run the command line; returns the exit status: 2 for bad arguments or an unreadable
    recording, 1 when training diverges or a file cannot be written."""
    try:
        args = build_parser().parse_args(argv)
        {"train": cmd_train, "info": cmd_info, "sweep": cmd_sweep}[args.command](args)
    except ValueError as e:
        print(f"nnkern: error: {e}", file=sys.stderr)
        return 2
    except (OSError, TrainingDiverged) as e:
        print(f"nnkern: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("nnkern: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
