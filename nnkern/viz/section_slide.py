"""SectionSlide: manim-slides' ``Slide`` on Manim 0.22, one slide per ``self.next_section(name)``.

manim-slides 5.7 sets two config keys Manim 0.22 no longer takes (``write_to_movie``, gone; and
``max_files_cached = inf``, now ``-1``) and reads a third that is gone (``flush_cache``); this class
starts and renders the scene without them and otherwise leaves manim-slides to do its work: each
section becomes a slide whose notes are the section's name, saved under ``<media_dir>/slides``.
Import it only where manim-slides is installed (``nnkern.viz.scene_base`` decides).
"""

from pathlib import Path

from manim import Scene, config
from manim_slides import Slide

#: the folder (under Manim's media_dir) where manim-slides writes <Scene>.json and the slides' clips
FOLDER = "slides"


class SectionSlide(Slide):
    """A Slide whose sections are its slides; renders with Manim 0.22."""

    skip_reversing = True  # a lecture goes forwards: no reversed copy of each clip

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("output_folder", Path(config.media_dir) / FOLDER)
        super(Slide, self).__init__(*args, **kwargs)  # Slide.__init__ only sets config["write_to_movie"]

    def next_section(self, name="unnamed", **kwargs):
        """End the slide so far and start slide ``name`` (also Manim's section, and the slide's notes)."""
        super().next_section(name, notes=name, **kwargs)

    def render(self, *args, **kwargs):
        """Render with every partial clip kept (manim-slides joins them per slide), then save the slides."""
        kept = config.max_files_cached
        config.max_files_cached = -1
        try:
            Scene.render(self, *args, **kwargs)
        finally:
            config.max_files_cached = kept
        self._save_slides(use_cache=not (config.disable_caching or self.disable_caching),
                          flush_cache=self.flush_cache, skip_reversing=self.skip_reversing)
