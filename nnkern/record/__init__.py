"""Recording training runs: which steps to keep (``schedules``), the recorder ``train`` drives
(``recorder``), a recorded run (``recording``) and its folder format (``storage``)."""

from .recording import Recording, Snapshot
from .schedules import RecordingSizeWarning
from .storage import RecordingError

__all__ = ["Recording", "Snapshot", "RecordingError", "RecordingSizeWarning"]
