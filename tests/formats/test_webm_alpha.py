"""A transparent WebM (VP9 with alpha, as browsers and ffmpeg write it) is read with its alpha:
ffmpeg's own VP9 decoder drops it, so the thumbnail came out black."""

from __future__ import annotations

import io
import subprocess

import numpy as np
from PIL import Image as PILImage

import mediakit as mk
from mediakit.formats import Source
from mediakit.formats import video as vid


def _alpha_webm(tmp_path) -> bytes:
    import imageio_ffmpeg

    out = tmp_path / "alpha.webm"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=black@0.0:s=32x24:d=0.4,format=yuva420p",
         "-c:v", "libvpx-vp9", "-pix_fmt", "yuva420p", str(out)],
        check=True,
    )  # fmt: skip
    return out.read_bytes()


def test_alpha_webm_is_probed_and_decoded_with_alpha(tmp_path) -> None:
    blob = _alpha_webm(tmp_path)
    info = vid.probe(Source(blob))
    assert info.channels == 4 and info.pix_fmt == "yuva420p"
    v = mk.Video(blob)
    store = mk.MemoryStore()
    desc = v.encode(store)
    png = mk.thumbnail(desc, store, size=64)
    px = np.asarray(PILImage.open(io.BytesIO(png)).convert("RGB"))
    # Fully transparent black: the thumbnail shows its background, not a black frame.
    assert px.mean() > 100, px.mean()
