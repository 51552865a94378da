"""The explorer: a recorded run as one self-contained web page (``nk.explore``), scrubbed through
time and edited live; ``load_model`` reads parameters the page saved back into an ``nk.MLP``.

The page's script and stylesheet are the files ``explorer.js`` and ``explorer.css`` beside this
module, inlined into ``template.html`` when a page is written.
"""

from .page import explore
from .saved import load_model

__all__ = ["explore", "load_model"]
