"""viz.camera.Camera draws Manim's pixels: images composited over their own box equal Manim's full-frame composite."""

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


def test_scenes_with_boxed_images_use_the_camera():
    class Plain(BoxedImages, manim.Scene):
        pass

    assert type(Plain().renderer.camera) is Camera
