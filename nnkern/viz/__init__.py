"""Manim mobjects for nnkern networks and recordings (imports manim; ``import nnkern`` does not)."""

try:
    import manim  # noqa: F401
except ImportError as error:
    raise ImportError(f"nnkern.viz needs Manim, which the base install leaves out: pip install 'nnkern[viz]' ({error})") from None

from . import plane, style, text
from .assembly import OutputSum
from .bars import ProbabilityBars, SeriesBars
from .boundary import DecisionBoundary
from .boundary_grid import BoundaryGrid
from .camera import BoxedImages
from .cells import ActivationColumn, CellGrid, HeatTable
from .diagram import NetworkDiagram, NeuronDrawing
from .formula import LiveFormula
from .history import Histogram, LogSeries, Raster
from .lecture import Captioned
from .loss_curve import LossCurve
from .neuron import ClassNeurons, NeuronPlane
from .neuron_map import NeuronMap
from .pixels import PixelImage, WeightGrid
from .scene_base import LectureScene
from .slider import Slider
from .tracker import Frame, RecordedRun, TrainingTracker
from .warp import WarpGrid

__all__ = [
    "ActivationColumn", "BoundaryGrid", "BoxedImages", "Captioned", "CellGrid", "ClassNeurons", "DecisionBoundary",
    "Frame", "HeatTable", "Histogram", "LectureScene", "LiveFormula", "LogSeries", "LossCurve", "NetworkDiagram",
    "NeuronDrawing", "NeuronMap", "NeuronPlane", "OutputSum", "PixelImage", "ProbabilityBars", "Raster", "RecordedRun",
    "SeriesBars", "Slider", "TrainingTracker", "WarpGrid", "WeightGrid", "plane", "style", "text",
]
