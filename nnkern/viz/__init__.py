"""Manim mobjects for nnkern networks and recordings (imports manim; ``import nnkern`` does not)."""

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
