"""Datasets: the bundled digits come as they are; IDX files (MNIST's format) read, plain or gzipped,
and broken ones are refused naming the problem."""

import gzip

import numpy as np
import pytest

import nnkern as nk
from idx_files import fashion_pair, idx_bytes, write_idx


def test_digits_have_no_noise_unless_asked():
    from sklearn.datasets import load_digits

    X, y = nk.datasets.load("digits")
    assert set(np.unique(X * 16)) <= set(range(17))  # the bundled pixel values, 0..16, scaled
    raw = load_digits()
    order = np.random.default_rng(0).permutation(len(y))
    np.testing.assert_array_equal(X, raw.data[order] / 16.0)
    noisy, _ = nk.datasets.load("digits", noise=0.1)
    assert not set(np.unique(noisy * 16)) <= set(range(17))


def test_more_digits_than_the_set_holds_is_an_error():
    assert len(nk.datasets.load("digits", n=1797)[1]) == 1797
    with pytest.raises(ValueError, match="n=1798: digits holds 1797 samples"):
        nk.datasets.load("digits", n=1798)


@pytest.mark.parametrize("gz", [False, True])
def test_idx_pair_reads_scaled_pixels_labels_and_image_shape(tmp_path, gz):
    images_path, labels_path, images, labels = fashion_pair(tmp_path, n=12, side=6, gz=gz)
    X, y, shape = nk.datasets.load_idx(images_path, labels_path)
    assert X.dtype == np.float32 and X.shape == (12, 36) and shape == (6, 6)
    assert y.dtype == np.int64 and y.tolist() == labels.tolist()
    np.testing.assert_array_equal(X.reshape(12, *shape), images / np.float32(255))
    assert X.min() >= 0 and X.max() == 1


def test_idx_keeps_non_square_images_row_major(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    X, _, shape = nk.datasets.load_idx(write_idx(tmp_path / "i", images), write_idx(tmp_path / "l", np.array([1, 2], np.uint8)))
    assert shape == (3, 4)
    np.testing.assert_array_equal(X[1].reshape(shape) * 255, images[1])


def test_idx_labels_may_be_wider_integers(tmp_path):
    labels = np.array([3, 300, -1], dtype=">i4").astype(np.int32)
    assert nk.datasets.read_idx(write_idx(tmp_path / "l", labels)).tolist() == [3, 300, -1]


def _pair(tmp_path, images_bytes=None, labels_bytes=None):
    images = np.zeros((3, 2, 2), np.uint8)
    i = tmp_path / "images"
    l = tmp_path / "labels"
    i.write_bytes(images_bytes if images_bytes is not None else idx_bytes(images))
    l.write_bytes(labels_bytes if labels_bytes is not None else idx_bytes(np.array([0, 1, 2], np.uint8)))
    return i, l


GOOD_IMAGES = idx_bytes(np.zeros((3, 2, 2), np.uint8))


@pytest.mark.parametrize("images_bytes, labels_bytes, message", [
    (b"\x01\x02" + GOOD_IMAGES[2:], None, "images: not an IDX file .magic number starts 0102"),
    (GOOD_IMAGES[:2] + b"\x0a" + GOOD_IMAGES[3:], None, "images: unsupported IDX element type code 0x0A"),
    (GOOD_IMAGES[:-1], None, "images: truncated file .shape .3, 2, 2. of unsigned bytes needs 28 bytes; the file has 27"),
    (GOOD_IMAGES[:9], None, "images: truncated file .header of 3 dimensions needs 16 bytes"),
    (GOOD_IMAGES[:3], None, "images: truncated file .3 bytes"),
    (GOOD_IMAGES + b"\x00", None, "images: trailing bytes after the data"),
    (gzip.compress(GOOD_IMAGES)[:-6], None, "images: truncated or corrupt gzip file"),
    (None, idx_bytes(np.array([0, 1], np.uint8)), "images holds 3 images but .*labels holds 2 labels"),
    (idx_bytes(np.zeros((3, 4), np.uint8)), None, "images: expected images as unsigned bytes of shape .n, h, w."),
    (idx_bytes(np.zeros((3, 2, 2), np.float32)), None, "images: expected images as unsigned bytes"),
    (None, idx_bytes(np.zeros(3, np.float64)), "labels: expected one integer label per image"),
])
def test_broken_idx_files_are_refused_naming_the_problem(tmp_path, images_bytes, labels_bytes, message):
    with pytest.raises(ValueError, match=message):
        nk.datasets.load_idx(*_pair(tmp_path, images_bytes, labels_bytes))
