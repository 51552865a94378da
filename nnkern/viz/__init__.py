"""Manim mobjects for nnkern networks and recordings (imports manim; ``import nnkern`` does not)."""

try:
    import manim  # noqa: F401
except ImportError as error:
    raise ImportError(f"nnkern.viz needs Manim, which the base install leaves out: pip install 'nnkern[viz]' ({error})") from None

from . import plane, style
from .boundary import DecisionBoundary
from .loss_curve import LossCurve
from .diagram import NetworkDiagram
from .neuron_map import NeuronMap
from .tracker import Frame, RecordedRun, TrainingTracker

__all__ = ["DecisionBoundary", "Frame", "LossCurve", "NetworkDiagram", "NeuronMap", "RecordedRun", "TrainingTracker", "plane", "style"]
