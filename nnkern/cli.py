"""The ``nnkern`` command: train a network on a built-in dataset while recording it, and
summarise a recording.

    nnkern train --dataset spiral --layers 2,16,16,1 --epochs 300 --record every:1 --out runs/spiral
    nnkern info runs/spiral

Bad arguments print one line and exit with status 2.
"""

import argparse
import math
import sys

from . import datasets
from .model import MLP
from .record import Recording
from .record.recorder import DURABLE
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
    t.add_argument("--durable", choices=DURABLE, default="end",
                   help="flush the recording to disk once at the end (default), or every chunk as written")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    i = commands.add_parser("info", help="summarise a recording folder")
    i.add_argument("path")
    i.add_argument("--skip-corrupt", action="store_true", help="leave out unreadable chunks instead of failing")
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
                record=args.record, record_to=args.out, record_meta=meta, durable=args.durable)
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


def main(argv=None):
    """Run the command line; returns the exit status: 2 for bad arguments or an unreadable
    recording, 1 when training diverges or a file cannot be written."""
    try:
        args = build_parser().parse_args(argv)
        {"train": cmd_train, "info": cmd_info}[args.command](args)
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
