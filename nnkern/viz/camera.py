"""A Manim camera that draws the same pixels as Manim's in less time.

Manim's ``Camera.display_image_mobject`` pastes every image into a transparent frame-sized image
and alpha-composites the whole frame, so each ImageMobject costs a full-frame composite per frame
(about 25 ms at 1080p here, whatever the image's size). ``Camera`` composites the same transformed
image over the frame pixels under its box only: the same pixels, at a cost that scales with the
image. It also hands Cairo each path's coordinates as plain floats rather than NumPy scalars
(``set_cairo_context_path``): the same calls with the same numbers; and a mobject drawn in the frame
before from the same points gets the Cairo path built then (the data's dots and the text, most of a
frame's curves: 18 against 8 ms a 480p frame of 770 dots and two lines of text here). Scenes use it
through the ``BoxedImages`` mixin.
"""

import manim
import numpy as np
from PIL import Image


class Camera(manim.Camera):
    """Manim's Camera, with images composited over their own box (the same pixels as Manim's)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # id(vmobject) -> (the vmobject, the points and the context's matrix its path was built from,
        # the Cairo path): the paths drawn in this frame and in the one before
        self._paths, self._last_paths = {}, {}

    def capture_mobjects(self, mobjects, **kwargs):
        self._paths, self._last_paths = {}, self._paths
        return super().capture_mobjects(mobjects, **kwargs)

    def display_image_mobject(self, image_mobject, pixel_array):
        placed = self.placed_image(image_mobject)
        if placed is None:
            return
        image, (left, top) = placed
        # the part of the image inside the frame, and where it lands
        x0, y0 = max(left, 0), max(top, 0)
        x1, y1 = min(left + image.width, self.pixel_width), min(top + image.height, self.pixel_height)
        if x0 >= x1 or y0 >= y1:
            return
        image = image.crop((x0 - left, y0 - top, x1 - left, y1 - top))
        region = pixel_array[y0:y1, x0:x1]
        region[...] = np.asarray(Image.alpha_composite(Image.fromarray(region, mode="RGBA"), image), dtype=np.uint8)

    def set_cairo_context_path(self, ctx, vmobject):
        """Manim's ``set_cairo_context_path`` (0.22): the same subpaths and Cairo calls, their
        coordinates read from a list of floats, not indexed one NumPy scalar at a time (the
        flagship's replay at 480p draws some 8,000 curves a frame); a path drawn before from the
        same points (the data's dots, the text: most of each frame's) is handed to Cairo whole."""
        points = self.transform_points_pre_display(vmobject, vmobject.points)
        if len(points) == 0:
            return self
        matrix = tuple(ctx.get_matrix())
        cached = self._paths.get(id(vmobject)) or self._last_paths.get(id(vmobject))
        if cached is not None and cached[0] is vmobject and cached[2] == matrix and np.array_equal(cached[1], points):
            ctx.new_path()
            ctx.append_path(cached[3])
        else:
            self._build_path(ctx, vmobject, points)
            cached = (vmobject, points.copy(), matrix, ctx.copy_path())
        self._paths[id(vmobject)] = cached
        return self

    def _build_path(self, ctx, vmobject, points):
        per_curve = vmobject.n_points_per_cubic_curve
        ctx.new_path()
        subpaths = vmobject.get_subpath_split_indices_from_points(points, n_dims=2).tolist()
        xy = points[:, :2].ravel().tolist()  # x0, y0, x1, y1, ...: floats (a list of pairs is 20x slower to build)
        move_to, curve_to, new_sub_path = ctx.move_to, ctx.curve_to, ctx.new_sub_path
        for start, end in subpaths:
            if end - start < per_curve:
                continue
            new_sub_path()
            move_to(xy[2 * start], xy[2 * start + 1])
            for b in range(2 * start + 2, 2 * (end - per_curve) + 3, 2 * per_curve):  # each curve's handles and end
                curve_to(*xy[b : b + 6])
            if vmobject.consider_points_equals_2d(xy[2 * start : 2 * start + 2], xy[2 * end - 2 : 2 * end]):
                ctx.close_path()

    def placed_image(self, image_mobject):
        """The image as Manim transforms it to the frame (a PIL RGBA image) and its upper-left pixel
        (x, y), or None where Manim draws nothing (a degenerate quadrilateral)."""
        sub = Image.fromarray(image_mobject.get_pixel_array(), mode="RGBA")
        source = np.array([[0, 0], [sub.width, 0], [0, sub.height], [sub.width, sub.height]])
        target = self.points_to_subpixel_coords(image_mobject, image_mobject.points)
        pixels = target.astype(np.int64)
        shift = pixels.min(axis=0)
        target, size = target - shift, tuple(int(v) for v in (pixels - shift).max(axis=0))
        corners = target[[0, 1, 3, 2]]
        sides = np.roll(corners, -1, axis=0) - corners
        lengths = np.linalg.norm(sides, axis=1)
        longest = int(np.argmax(lengths))
        if lengths[longest] == 0:
            return None
        (ax, ay), (bx, by) = sides[longest], sides[(longest - 1) % 4]
        if abs(ax * by - ay * bx) / lengths[longest] < 0.5:  # too thin to hold a pixel: Manim draws nothing
            return None
        rows = []
        for (x, y), (u, v) in zip(target, source):
            rows += [[x, y, 1, 0, 0, 0, -u * x, -u * y], [0, 0, 0, x, y, 1, -v * x, -v * y]]
        try:
            coefficients = np.linalg.solve(np.array(rows, dtype=np.float64), source.reshape(8).astype(np.float64))
        except np.linalg.LinAlgError:
            return None
        image = sub.transform(size=size, method=Image.Transform.PERSPECTIVE, data=coefficients,
                              resample=image_mobject.resampling_algorithm)  # fmt: skip
        return image, (int(shift[0]), int(shift[1]))


class BoxedImages:
    """Mixin for a Scene (``class MyScene(BoxedImages, Scene)``): drawn by the ``Camera`` above."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("camera_class", Camera)
        super().__init__(*args, **kwargs)
