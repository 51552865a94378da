"""viz.camera.Camera draws Manim's pixels: images composited over their own box equal Manim's full-frame
composite, and paths built from plain floats, or drawn again from its cache, equal Manim's."""

import manim
import numpy as np
import pytest

from nnkern.viz import BoxedImages
from nnkern.viz.camera import Camera


@pytest.mark.parametrize("quality", ["low_quality", "medium_quality"])
def test_images_draw_the_same_pixels_as_manims_camera(quality):
    rng = np.random.default_rng(0)
    with manim.tempconfig({"quality": quality}):
        stock, boxed, drawn = manim.Camera(), Camera(), 0
        for trial in range(10):
            pixels = rng.integers(0, 256, (rng.integers(2, 80), rng.integers(2, 80), 4), dtype=np.uint8)
            if trial % 3 == 0:
                pixels[..., 3] = 255  # opaque, as the scenes' heatmaps
            image = manim.ImageMobject(pixels)
            image.height = rng.uniform(0.2, 6)
            image.move_to([rng.uniform(-9, 9), rng.uniform(-5, 5), 0])  # some partly or wholly off the frame
            if trial % 4 == 1:
                image.rotate(rng.uniform(0, 6))
            if trial == 7:
                image.stretch(0.001, 0)  # too thin to draw: both draw nothing
            under = manim.Square(3, fill_opacity=0.5, fill_color=manim.BLUE).shift([*rng.uniform(-3, 3, 2), 0])
            for camera in (stock, boxed):
                camera.reset()
                camera.capture_mobjects([under, image])
            np.testing.assert_array_equal(stock.pixel_array, boxed.pixel_array, err_msg=f"trial {trial}")
            with_image = boxed.pixel_array.copy()
            boxed.reset()
            boxed.capture_mobjects([under])
            drawn += np.any(with_image != boxed.pixel_array)
        assert drawn >= 6  # most images land (partly) on the frame


@pytest.mark.parametrize("quality", ["low_quality", "high_quality"])
def test_paths_draw_the_same_pixels_as_manims_camera(quality):
    from nnkern.viz.boundary import DotCloud

    rng = np.random.default_rng(1)
    centres = np.c_[rng.uniform(-6, 6, (300, 2)), np.zeros(300)]
    open_curve = manim.VMobject(stroke_width=3).set_points_smoothly(np.c_[np.linspace(-6, 6, 40), rng.normal(size=40), np.zeros(40)])
    broken = manim.VMobject(stroke_width=2).set_points_as_corners([[-5, -3, 0], [-1, -2, 0], [2, -3, 0]])
    broken.append_points(manim.Circle(radius=0.7).shift([4, 2, 0]).points)  # a second, closed subpath
    mobjects = [manim.Square(4, fill_opacity=0.6, fill_color=manim.BLUE), DotCloud(centres, 0.045, 1),
                manim.Text("training accuracy 97%", font_size=30).to_edge(manim.UP), open_curve, broken,
                manim.Circle(radius=1.5, stroke_width=6).set_fill(manim.RED, 0.3), manim.Line([-6, 3, 0], [6, -3, 0])]
    with manim.tempconfig({"quality": quality}):
        stock, ours = manim.Camera(), Camera()
        for camera in (stock, ours):
            camera.capture_mobjects(mobjects)
        np.testing.assert_array_equal(stock.pixel_array, ours.pixel_array)
        assert len(np.unique(ours.pixel_array.reshape(-1, 4), axis=0)) > 50  # something was drawn


def test_paths_drawn_again_from_the_cache_draw_manims_pixels():
    from nnkern.viz.boundary import DotCloud

    rng = np.random.default_rng(2)
    dots = DotCloud(np.c_[rng.uniform(-6, 6, (200, 2)), np.zeros(200)], 0.045, 0)
    words = manim.Text("epoch 12", font_size=30).to_edge(manim.DOWN)
    ring = manim.Circle(radius=1.2, stroke_width=5)
    with manim.tempconfig({"quality": "low_quality"}):
        stock, ours = manim.Camera(), Camera()
        for frame in range(4):
            if frame == 2:
                ring.shift([0.3, 0.1, 0])  # its points change in place: its path is built again
            for camera in (stock, ours):
                camera.reset()
                if frame == 3:  # the context maps the scene to the pixels otherwise: its paths are built again
                    camera.get_cairo_context(camera.pixel_array).translate(0.37, 0.21)
                camera.capture_mobjects([dots, words, ring])
            np.testing.assert_array_equal(stock.pixel_array, ours.pixel_array, err_msg=f"frame {frame}")
        assert len(ours._paths) == len(dots) + len(words.family_members_with_points()) + 1  # this frame's only


def test_scenes_with_boxed_images_use_the_camera():
    class Plain(BoxedImages, manim.Scene):
        pass

    assert type(Plain().renderer.camera) is Camera
