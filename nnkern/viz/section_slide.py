"""SectionSlide: manim-slides' ``Slide`` on Manim 0.22, one slide per ``self.next_section(name)``.

manim-slides 5.7 sets two config keys Manim 0.22 no longer takes (``write_to_movie``, gone; and
``max_files_cached = inf``, now ``-1``) and reads a third that is gone (``flush_cache``); this class
starts and renders the scene without them and otherwise leaves manim-slides to do its work: each
section becomes a slide whose notes are the section's name and the subtitles (captions) that start
during it, saved under ``<media_dir>/slides``.
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
        self._play_times = []  # the scene time at which each animation starts

    def next_section(self, name="unnamed", **kwargs):
        """End the slide so far and start slide ``name`` (also Manim's section, and the slide's notes)."""
        super().next_section(name, notes=name, **kwargs)

    def play(self, *args, **kwargs):
        self._play_times.append(self.time)
        super().play(*args, **kwargs)

    def render(self, *args, **kwargs):
        """Render with every partial clip kept (manim-slides joins them per slide), then save the slides."""
        kept = config.max_files_cached
        config.max_files_cached = -1
        try:
            Scene.render(self, *args, **kwargs)
        finally:
            config.max_files_cached = kept
        self._add_last_slide()
        self._note_subtitles()
        self._save_slides(use_cache=not (config.disable_caching or self.disable_caching),
                          flush_cache=self.flush_cache, skip_reversing=self.skip_reversing)

    def _note_subtitles(self):
        """Add to each slide's notes, a paragraph each, the subtitles that start during it."""
        starts = [*self._play_times, float("inf")]
        said = [(s.start.total_seconds(), s.content) for s in self.renderer.file_writer.subcaptions]
        for slide in self._slides:
            begin, end = starts[slide.start_animation], starts[min(slide.end_animation, len(starts) - 1)]
            lines = [text for t, text in said if begin - 1e-6 <= t < end - 1e-6]
            slide.notes = "\n\n".join([slide.notes, *lines] if slide.notes else lines)
