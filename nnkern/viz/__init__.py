"""Manim mobjects for nnkern networks and recordings (imports manim; ``import nnkern`` does not)."""

try:
    import manim  # noqa: F401
except ImportError as error:
    raise ImportError(f"nnkern.viz needs Manim, which the base install leaves out: pip install 'nnkern[viz]' ({error})") from None

from . import plane, style
from .assembly import OutputSum
from .boundary import DecisionBoundary
from .formula import LiveFormula
from .loss_curve import LossCurve
from .diagram import NetworkDiagram
from .neuron import NeuronPlane
from .neuron_map import NeuronMap
from .slider import Slider
from .tracker import Frame, RecordedRun, TrainingTracker
from .warp import WarpGrid

__all__ = [
    "DecisionBoundary", "Frame", "LiveFormula", "LossCurve", "NetworkDiagram", "NeuronMap", "NeuronPlane", "OutputSum",
    "RecordedRun", "Slider", "TrainingTracker", "WarpGrid", "plane", "style",
]
