"""Video: frames encoded as GIF, MP4 (H.264), WebM (VP9) or Ogg (Theora), or a kept video file.

Backends: Pillow for GIF (core); PyAV and the ffmpeg binary of imageio-ffmpeg for MP4/WebM/Ogg
and for probing files, extra ``video`` (see :mod:`mediakit.formats.video`). Input forms: numpy arrays
``(T, C, H, W)`` or batches ``(B, T, C, H, W)`` and array-likes (torch/jax/tf, never imported);
a path, bytes or binary file object of a video (probed: it must decode); a moviepy clip
(duck-typed, moviepy is never imported); another ``Video``.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np

from .._arrays import check_normalize, is_array_like, to_numpy, to_pixels, warn_user
from .._errors import LimitError, MediaTypeError, ValidationError, shown
from .._limits import DEFAULT_LIMITS
from ..formats import Source
from ..formats import video as codec
from ..store import Store
from ._base import FileKind, check_caption, has_read, is_bytes, is_path, pick_adapter, read_binary

FileType = Literal["gif", "mp4", "webm", "ogg", "ogv"]
Normalize = Literal["auto", "clip", "minmax", "none"]
_CHANNELS_OK = (1, 3, 4)
#: Highest frame rate accepted (and GIF's lower one, see formats.gif.GIF_MAX_FPS).
MAX_FPS = 1000.0


class Video(FileKind):
    """A video clip.

    Parameters
    ----------
    data:
        Frames ``(T, C, H, W)`` or a batch ``(B, T, C, H, W)`` (tiled into a near-square grid),
        C in {1, 3, 4}; uint8, or floats/wider integers mapped to 0-255 by the same rules as
        :class:`~mediakit.Image` (``normalize``). Array-likes (torch tensors...) are accepted.
        Or a path, bytes or binary file object of a video (gif, mp4, webm, ogg/ogv; mov, mkv,
        avi and codecs browsers do not play are converted), or a moviepy clip.
    caption:
        Free text kept in the descriptor.
    fps:
        Frames per second of arrays and of clips without their own rate; files keep theirs.
    file_type:
        ``"gif"`` (the default for frames), ``"mp4"`` (H.264), ``"webm"`` (VP9) or ``"ogg"``
        (Theora; ``"ogv"`` is accepted too; it plays in Firefox only, so asking for it warns).
        Files keep their own format when every browser plays it, otherwise (Theora included)
        they become mp4; a kept WebM/MP4 whose container states no duration is rewritten
        with its streams copied (descriptor ``remuxed``). Frames keep their size, except that
        mp4 adds a column/row to odd sides and ogg widens pictures narrower than 18 pixels
        (repeating the edge pixels); the descriptor states the stored size. The same name as on Image, Audio, Molecule and Object3D; the
        result is :attr:`file_type` (and the descriptor's ``format``).
    format:
        The former name of ``file_type``, still accepted (giving both with different values is
        a ValidationError); :attr:`format` reads :attr:`file_type`.
    normalize:
        ``"auto"`` (the default), ``"clip"``, ``"minmax"`` or ``"none"`` for non-uint8 frames
        (see Image). ``True`` means ``"auto"`` and ``False`` means ``"none"`` (values must
        already lie in [0, 255]), the spelling :class:`~mediakit.Audio` uses.
    layout:
        ``"TCHW"`` (the default, as in the reference documents) or ``"THWC"`` (channel-last).

    Raises
    ------
    MediaTypeError, ValidationError, DecodeError, LimitError, MediaFileNotFoundError,
    MissingDependencyError (mp4/webm/ogg and files need ``pip install 'mediakit[video]'``)

    Examples
    --------
    >>> import numpy as np, mediakit as mk
    >>> frames = np.zeros((8, 3, 32, 32), np.uint8)
    >>> desc = mk.Video(frames, fps=4, file_type="gif").encode(mk.MemoryStore())
    >>> desc["frames"], desc["duration"]
    (8, 2.0)
    """

    TYPE: ClassVar[str] = "video"
    VERSION: ClassVar[int] = 1

    def __init__(
        self,
        data: Any,
        *,
        caption: str | None = None,
        fps: float = 4,
        file_type: FileType | None = None,
        normalize: Normalize | bool = "auto",
        layout: Literal["TCHW", "THWC"] = "TCHW",
        format: FileType | None = None,
    ) -> None:
        if isinstance(normalize, bool):
            normalize = "auto" if normalize else "none"
        check_normalize(normalize)
        if layout not in ("TCHW", "THWC"):
            msg = f"layout: expected 'TCHW' or 'THWC', got {shown(layout)}"
            raise ValidationError(msg)
        requested = _check_file_type(file_type, format)
        self._frames: np.ndarray | None = None
        self._clip: Any = None
        self._src: Source | None = None
        self._info: codec.VideoInfo | None = None
        self.normalize_applied: str | None = None
        self._converted_from: str | None = None
        self._remuxed = False
        inherited: dict[str, Any] = {}

        fps = _check_fps(fps)
        _adapter_for(data)(self, data, fps=fps, normalize=normalize, layout=layout, inherited=inherited)
        self.caption = check_caption(caption if caption is not None else inherited.get("caption"))
        if self._info is not None and fps != 4 and abs(fps - self._info.fps) > 1e-6:
            warnings.warn(
                f"fps={fps:g} is ignored for video files: the file's own rate ({self._info.fps:g} fps) is kept",
                UserWarning,
                stacklevel=2,
            )
        self.file_type: str = self._choose_format(requested)
        if self._kept and self._src is not None:
            self._src.read()  # the file as it is now is what encode stores

    # -- named constructors ----------------------------------------------------------------------
    @classmethod
    def from_clip(cls, clip: Any, **kwargs: Any) -> Video:
        """From a moviepy clip (anything with ``iter_frames``, ``fps`` and ``duration``)."""
        if not _is_clip(clip):
            msg = f"clip: expected an object with iter_frames(), fps and duration (a moviepy clip), got {type(clip).__name__}"
            raise MediaTypeError(msg)
        return cls(clip, **kwargs)

    # -- properties -----------------------------------------------------------------------------
    @property
    def format(self) -> str:
        """The former name of :attr:`file_type` (read-only)."""
        return self.file_type

    @property
    def data(self) -> np.ndarray:
        """All frames as ``(T, H, W, C)`` uint8 (decoded on first use for files and clips)."""
        if self._frames is None:
            if self._clip is not None:
                self._frames = np.stack(list(self._iter_clip()))
            else:
                assert self._src is not None and self._info is not None
                self._frames = codec.read_frames(self._src, self._info)
        return self._frames

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.num_frames / self.fps if self._info is None else self._info.duration

    def __repr__(self) -> str:
        return f"Video({self.num_frames} frames {self.width}x{self.height} @ {self.fps:g} fps, {self.file_type}, caption={self.caption!r})"

    # -- input handling ------------------------------------------------------------------------
    def _set_frames(self, arr: np.ndarray, *, fps: float, normalize: str, layout: str) -> None:
        if arr.ndim not in (4, 5):
            hint = (
                "; for a single image use mk.Image, for greyscale frames add a channel axis (arr[:, None])"
                if arr.ndim == 3
                else ""
            )
            msg = f"data: expected frames of shape (T, C, H, W) or (B, T, C, H, W), got a {arr.ndim}-D array of shape {arr.shape}{hint}"
            raise ValidationError(msg)
        if layout == "THWC":
            arr = np.moveaxis(arr, -1, -3)
        c = arr.shape[-3]
        if c not in _CHANNELS_OK:
            hint = "; it looks channel-last: pass layout='THWC'" if arr.shape[-1] in _CHANNELS_OK and layout == "TCHW" else ""
            msg = f"data: expected C in {_CHANNELS_OK} at axis {arr.ndim - 3} of (T, C, H, W), got shape {arr.shape}{hint}"
            raise ValidationError(msg)
        if 0 in arr.shape:
            msg = f"data: expected at least one frame of at least 1x1 pixels, got shape {arr.shape}"
            raise ValidationError(msg)
        px, applied = to_pixels(arr, normalize)
        if px.dtype == np.uint16:  # Image keeps 16 bits; no video format does
            px = ((px.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
            applied = "uint16"
        if px.ndim == 5:
            px = _tile(px)
        else:
            px = np.moveaxis(px, 1, -1)  # a view: frames are made contiguous one at a time when encoded
        t, h, w, _ = px.shape
        _check_geometry(w, h, t)
        self._frames = px
        self.normalize_applied = applied
        self.fps = fps
        self.num_frames, self.height, self.width, self.channels = t, h, w, c

    def _set_file(self, src: Source, field: str) -> None:
        limits = DEFAULT_LIMITS
        info = codec.probe(src, field=field, max_frames=limits.max_frames, max_pixels=limits.max_pixels)
        self._src, self._info = src, info
        self.num_frames, self.width, self.height, self.fps = info.frames, info.width, info.height, info.fps
        self.channels = info.channels

    def _set_clip(self, clip: Any, fps: float) -> None:
        rate = getattr(clip, "fps", None)
        self.fps = _check_fps(rate, field="clip.fps") if rate else fps
        duration = getattr(clip, "duration", None)
        if not isinstance(duration, (int, float)) or not math.isfinite(duration) or duration <= 0:
            msg = f"data: expected a clip with a finite positive duration, got duration={shown(duration)}"
            raise ValidationError(msg)
        first = next(iter(clip.iter_frames(fps=self.fps, dtype="uint8")), None)
        if first is None:
            msg = "data: the clip yields no frames"
            raise ValidationError(msg)
        first = _clip_frame(first, None, 0)
        self._clip = clip
        self.height, self.width, self.channels = first.shape
        self.num_frames = max(1, int(duration * self.fps))
        _check_geometry(self.width, self.height, self.num_frames)

    def _iter_clip(self) -> Iterator[np.ndarray]:
        shape = (self.height, self.width, self.channels)
        for i, frame in enumerate(self._clip.iter_frames(fps=self.fps, dtype="uint8")):
            yield _clip_frame(frame, shape, i)

    def _choose_format(self, requested: str | None) -> str:
        info = self._info
        if info is not None:
            fmt = requested or (info.container if info.container in codec.FORMATS and info.browser_safe else "mp4")
            if fmt != info.container or not info.standard:
                self._converted_from = f"{info.container}/{info.codec}"
        else:
            fmt = requested or "gif"
            if self.channels == 4 and fmt != "gif":
                warnings.warn(f"format={shown(fmt)} cannot hold transparency: the alpha channel is dropped", UserWarning, stacklevel=3)
        if fmt == "ogg":
            warn_user(
                "file_type='ogg': Theora video plays in Firefox only; Chromium-based browsers (Chrome, Edge, Opera) "
                "and Safari do not play it. Use file_type='webm' or 'mp4' for video every browser plays"
            )
        if fmt == "gif" and self.fps > codec.GIF_MAX_FPS:
            msg = f"fps: browsers play GIFs at most at {codec.GIF_MAX_FPS:g} fps, got {self.fps:g}; use format='mp4' or 'webm', or a lower fps"
            raise ValidationError(msg)
        return fmt

    @property
    def _kept(self) -> bool:
        return self._info is not None and self._info.standard and self.file_type == self._info.container

    def _frame_source(self) -> Iterator[np.ndarray]:
        if self._clip is not None:
            return self._iter_clip()
        assert self._frames is not None
        return iter(self._frames)

    # -- encode / decode -------------------------------------------------------------------------
    def encode_bytes(self, *, progress: codec.Progress | None = None) -> bytes:
        """The bytes of the file :meth:`encode` stores (a kept file as it is)."""
        return self._encoded(progress)[0]

    def _encoded(self, progress: codec.Progress | None = None) -> tuple[bytes, codec.VideoInfo]:
        if self._info is not None:
            assert self._src is not None
            if self._kept:
                if not codec.needs_remux(self._info):
                    return self._src.read(), self._info
                # Kept, but its container states no duration (a browser's MediaRecorder output):
                # the same streams, copied into a file that does, with its seek index.
                blob = codec.remux(self._src, self._info)
                self._remuxed = True
                return blob, codec.probe(blob, field="remuxed video", decode=False)
            blob = codec.transcode(self._src, self._info, self.file_type, progress=progress)
            # Our own output: its packets are counted, not decoded once more.
            return blob, codec.probe(blob, field="converted video", decode=False)
        count = [0]

        def counted() -> Iterator[np.ndarray]:
            for frame in self._frame_source():
                count[0] += 1
                yield frame

        blob = codec.encode_frames(
            counted(), width=self.width, height=self.height, fps=self.fps, fmt=self.file_type, count=self.num_frames,
            progress=progress,
        )  # fmt: skip
        w, h = codec.encoded_size(self.file_type, self.width, self.height)
        n = count[0]
        if self._clip is not None:
            self.num_frames = n  # a clip's frame count is known once it has been read
        info = codec.VideoInfo(self.file_type, codec.codec(self.file_type), w, h, n, float(self.fps), round(n / self.fps, 6))
        return blob, info

    def _encode(self, store: Store) -> dict[str, Any]:
        blob, info = self._encoded()
        ref = store.put(blob, suffix=codec.spec(self.file_type).suffix)
        desc = {
            **self._header(),
            **ref.to_dict(),
            "format": self.file_type,
            "codec": info.codec,
            "width": info.width,
            "height": info.height,
            "frames": info.frames,
            "fps": info.fps,
            "duration": info.duration,
            "has_audio": info.has_audio,
            "caption": self.caption,
        }
        if self.normalize_applied is not None:
            desc["normalize"] = self.normalize_applied
        if self._converted_from is not None:
            desc["converted_from"] = self._converted_from
        if self._remuxed:
            desc["remuxed"] = True
        return desc

    @classmethod
    def _decode(cls, desc: dict[str, Any], store: Store) -> Video:
        with warnings.catch_warnings():  # given when the video was made
            warnings.filterwarnings("ignore", message="file_type='ogg': Theora")
            return cls(store.read(desc["path"]), caption=desc.get("caption"), file_type=desc["format"])

    def _content(self) -> tuple[Any, ...]:
        return (self.data, self.fps, self.caption)


# -- checks and shapes -----------------------------------------------------------------------------


def _check_file_type(file_type: object, format: object) -> str | None:
    """The format asked for (``file_type=``, or its former name ``format=``), as descriptors name it."""
    names = [(n, v) for n, v in (("file_type", file_type), ("format", format)) if v is not None]
    for name, value in names:
        if not isinstance(value, str) or value not in codec.ALIASES:
            msg = f"{name}: expected one of {list(codec.FORMATS)}, got {shown(value)}"
            raise ValidationError(msg)
    chosen = {codec.ALIASES[v] for _, v in names}  # type: ignore[index]
    if len(chosen) > 1:
        msg = f"file_type: got file_type={shown(file_type)} and format={shown(format)} (format is its former name); pass one"
        raise ValidationError(msg)
    return chosen.pop() if chosen else None


def _check_fps(fps: object, *, field: str = "fps") -> float:
    if isinstance(fps, bool) or not isinstance(fps, (int, float, np.integer, np.floating)):
        msg = f"{field}: expected a number of frames per second, got {type(fps).__name__} {shown(fps)}"
        raise MediaTypeError(msg)
    if not (0 < fps <= MAX_FPS and math.isfinite(fps)):  # range first: math.isfinite(10**400) overflows
        msg = f"{field}: expected a frame rate above 0 and at most {MAX_FPS:g}, got {shown(fps)}"
        raise ValidationError(msg)
    return int(fps) if float(fps).is_integer() else float(fps)


def _check_geometry(w: int, h: int, t: int) -> None:
    if w > codec.MAX_SIDE or h > codec.MAX_SIDE:
        msg = f"data: frames of {w}x{h} exceed the largest encodable side ({codec.MAX_SIDE})"
        raise LimitError(msg)
    if t > DEFAULT_LIMITS.max_frames:
        msg = f"data: {t} frames exceed the limit of {DEFAULT_LIMITS.max_frames}"
        raise LimitError(msg)


def _tile(px: np.ndarray) -> np.ndarray:
    """``(B, T, C, H, W)`` -> ``(T, rows*H, cols*W, C)``: a near-square grid, filled row by row;
    only the last row can have empty (black) cells."""
    b, t, c, h, w = px.shape
    cols = math.ceil(math.sqrt(b))
    rows = math.ceil(b / cols)
    grid = np.zeros((t, rows * h, cols * w, c), np.uint8)
    for i in range(b):
        r, k = divmod(i, cols)
        grid[:, r * h : (r + 1) * h, k * w : (k + 1) * w, :] = np.moveaxis(px[i], 1, -1)
    return grid


def _clip_frame(frame: Any, shape: tuple[int, ...] | None, i: int) -> np.ndarray:
    arr = np.asarray(frame)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[2] not in _CHANNELS_OK or (shape is not None and arr.shape != shape):
        want = f"{shape}" if shape else "(H, W, 1|3|4)"
        msg = f"data: clip frame {i}: expected uint8 of shape {want}, got {arr.dtype} of shape {arr.shape}"
        raise ValidationError(msg)
    return arr


# -- the input adapter table ---------------------------------------------------------------------

Adapter = Callable[..., None]


def _from_video(self: Video, data: Video, *, inherited: dict[str, Any], **_: Any) -> None:
    for name in (
        "_frames",
        "_clip",
        "_src",
        "_info",
        "normalize_applied",
        "fps",
        "num_frames",
        "width",
        "height",
        "channels",
    ):
        setattr(self, name, getattr(data, name))
    inherited.update(caption=data.caption)


def _from_array(self: Video, data: Any, *, fps: float, normalize: str, layout: str, **_: Any) -> None:
    self._set_frames(to_numpy(data), fps=fps, normalize=normalize, layout=layout)


def _from_path(self: Video, data: str | os.PathLike[str], **_: Any) -> None:
    path = Path(os.fspath(data))
    self._set_file(Source(path, what="video"), f"data ({str(path)!r})")


def _from_bytes(self: Video, data: bytes | bytearray | memoryview, **_: Any) -> None:
    self._set_file(Source(bytes(data)), "data (bytes)")


def _from_fileobj(self: Video, data: Any, **_: Any) -> None:
    self._set_file(Source(read_binary(data)), "data (file object)")


def _from_clip(self: Video, data: Any, *, fps: float, **_: Any) -> None:
    self._set_clip(data, fps)


def _is_clip(x: Any) -> bool:
    return callable(getattr(x, "iter_frames", None)) and hasattr(x, "fps") and hasattr(x, "duration")


_ADAPTERS: tuple[tuple[Callable[[Any], bool], Adapter], ...] = (
    (lambda x: isinstance(x, Video), _from_video),
    (_is_clip, _from_clip),
    (is_path, _from_path),
    (is_bytes, _from_bytes),
    (has_read, _from_fileobj),
    (is_array_like, _from_array),
    (lambda x: isinstance(x, (list, tuple)), _from_array),
)


def _adapter_for(data: Any) -> Adapter:
    return pick_adapter(
        _ADAPTERS, data, expected="a numpy array or array-like, path, bytes, binary file object, moviepy clip or Video"
    )
