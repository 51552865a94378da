"""Manim mobjects for nnkern networks and recordings (imports manim; ``import nnkern`` does not)."""

from . import plane, style
from .assembly import OutputSum
from .boundary import DecisionBoundary
from .loss_curve import LossCurve
from .diagram import NetworkDiagram
from .formula import LiveFormula
from .neuron import NeuronPlane
from .neuron_map import NeuronMap
from .slider import Slider
from .tracker import RecordedRun, TrainingTracker

__all__ = [
    "DecisionBoundary", "LiveFormula", "LossCurve", "NetworkDiagram", "NeuronMap", "NeuronPlane", "OutputSum",
    "RecordedRun", "Slider", "TrainingTracker", "plane", "style",
]
