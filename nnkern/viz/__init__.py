"""Manim mobjects for nnkern networks and recordings (imports manim; ``import nnkern`` does not)."""

from . import plane, style
from .boundary import DecisionBoundary
from .boundary_grid import BoundaryGrid
from .loss_curve import LossCurve
from .diagram import NetworkDiagram
from .neuron_map import NeuronMap
from .tracker import Frame, RecordedRun, TrainingTracker

__all__ = ["BoundaryGrid", "DecisionBoundary", "Frame", "LossCurve", "NetworkDiagram", "NeuronMap", "RecordedRun", "TrainingTracker", "plane", "style"]
