"""``nnkern slides``: a scene's sections as a slide deck, one slide per section, each playing its clip.

The scene renders once with Manim's ``--save_sections`` (one clip per ``self.next_section``); the
deck is built from those clips: PowerPoint (python-pptx, the extra ``slides``: each slide holds its
clip as a movie, its first frame as poster, the section's name as notes) or HTML (reveal.js from
a local copy, no network: the page and its clips open from disk). reveal.js comes from the npm
registry (``npm pack reveal.js@5``) once, into the cache folder, unless $NNKERN_REVEAL names a
folder holding reveal.js's ``dist/``.
"""

import html
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tarfile
import tempfile

from . import cache
from .render import QUALITIES

#: the files of reveal.js a deck needs (paths inside the npm package)
REVEAL_FILES = ("dist/reveal.js", "dist/reveal.css")


def render_sections(scene, quality="l", media="media", theme=None):
    """Render ``scene`` (a file) with its sections saved; returns [(name, clip path)] in order.
    A failed render raises RuntimeError with the log's path and last lines."""
    media = pathlib.Path(media).resolve()
    log = media / "logs" / f"{pathlib.Path(scene).stem}-sections.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, **({"NNKERN_THEME": theme} if theme else {}))
    argv = [sys.executable, "-m", "manim", "render", f"-q{quality}", "--save_sections", "--media_dir", str(media), str(scene)]
    with open(log, "w") as out:
        status = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, env=env, stdin=subprocess.DEVNULL).returncode
    folder = media / "videos" / pathlib.Path(scene).stem / QUALITIES[quality] / "sections"
    indexes = sorted(folder.glob("*.json"), key=os.path.getmtime)
    if status != 0 or not indexes:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-10:])
        raise RuntimeError(f"{scene}: rendering failed (exit {status}); the end of {log}:\n{tail}")
    return [(s["name"], folder / s["video"]) for s in json.loads(indexes[-1].read_text())]


def first_frame(video, png):
    """The first frame of ``video`` as ``png`` (the slide's poster)."""
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(video), "-frames:v", "1", "-update", "1", str(png)],
                   check=True, capture_output=True, stdin=subprocess.DEVNULL)
    return png


def to_pptx(sections, out):
    """A PowerPoint deck at ``out``: one 16:9 slide per (name, clip), the clip filling it."""
    try:
        from pptx import Presentation
        from pptx.util import Emu
    except ImportError:
        raise ImportError("PowerPoint decks need python-pptx: pip install 'nnkern[slides]'") from None
    deck = Presentation()
    deck.slide_width, deck.slide_height = Emu(12192000), Emu(6858000)  # 13.33 x 7.5 in
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, clip) in enumerate(sections):
            slide = deck.slides.add_slide(deck.slide_layouts[6])  # blank
            poster = first_frame(clip, pathlib.Path(tmp) / f"{i}.png")
            slide.shapes.add_movie(str(clip), 0, 0, deck.slide_width, deck.slide_height,
                                   poster_frame_image=str(poster), mime_type="video/mp4")
            slide.notes_slide.notes_text_frame.text = name
        deck.save(out)
    return pathlib.Path(out)


def reveal_folder():
    """A folder holding reveal.js's REVEAL_FILES: $NNKERN_REVEAL, else the cache's copy (fetched with npm once)."""
    given = os.environ.get("NNKERN_REVEAL")
    if given:
        folder = pathlib.Path(given)
        missing = [f for f in REVEAL_FILES if not (folder / f).is_file()]
        if missing:
            raise ValueError(f"NNKERN_REVEAL={given}: missing {', '.join(missing)}")
        return folder
    folder = cache.folder() / "reveal.js"
    if all((folder / f).is_file() for f in REVEAL_FILES):
        return folder
    with tempfile.TemporaryDirectory() as tmp:
        try:
            done = subprocess.run(["npm", "pack", "reveal.js@5", "--silent"], cwd=tmp, capture_output=True, text=True)
        except FileNotFoundError:
            done = None
        packs = list(pathlib.Path(tmp).glob("reveal.js-*.tgz"))
        if done is None or done.returncode != 0 or not packs:
            raise RuntimeError("HTML decks need reveal.js: install npm (it fetches reveal.js once) or set NNKERN_REVEAL "
                               "to an unpacked reveal.js package")
        with tarfile.open(packs[0]) as pack:
            for name in REVEAL_FILES:
                target = folder / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(pack.extractfile(f"package/{name}").read())
    return folder


def to_html(sections, out, background="#000000"):
    """An HTML deck in the folder ``out`` (index.html, clips/, reveal/): one slide per (name, clip), the
    clip playing when its slide opens; returns the page's path."""
    out = pathlib.Path(out)
    (out / "clips").mkdir(parents=True, exist_ok=True)
    (out / "reveal").mkdir(exist_ok=True)
    source = reveal_folder()
    for name in REVEAL_FILES:
        shutil.copyfile(source / name, out / "reveal" / pathlib.Path(name).name)
    slides = []
    for name, clip in sections:
        shutil.copyfile(clip, out / "clips" / clip.name)
        slides.append(f'<section data-name="{html.escape(name)}" data-background-color="{background}">'
                      f'<video data-autoplay muted playsinline src="clips/{html.escape(clip.name)}"></video></section>')
    page = out / "index.html"
    page.write_text(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(out.name)}</title>
<link rel="stylesheet" href="reveal/reveal.css">
<style>.reveal video {{ width: 100%; height: 100%; max-height: 100vh; object-fit: contain; }} body {{ background: {background}; }}</style>
</head><body><div class="reveal"><div class="slides">
{chr(10).join(slides)}
</div></div>
<script src="reveal/reveal.js"></script>
<script>Reveal.initialize({{ width: 1280, height: 720, margin: 0, controls: true, progress: true, hash: false }});</script>
</body></html>
""")
    return page
