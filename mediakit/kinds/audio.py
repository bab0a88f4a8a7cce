"""Audio: a clip of samples stored as WAV, FLAC or Ogg/Vorbis, or a kept WAV/FLAC/OGG/MP3 file.

Backend: numpy for WAV output (core); soundfile (libsndfile) for FLAC/Ogg output and for reading
any file, extra ``audio``. Input forms: numpy arrays ``(N,)`` / ``(N, C)`` and array-likes
(torch/jax/tf via ``__array__``/``.numpy()``, never imported), a path, bytes or a binary file
object (probed and kept byte-for-byte), or another ``Audio``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from typing import Any, ClassVar, Literal

import numpy as np

from .._arrays import is_array_like, to_numpy, warn_user
from .._errors import MediaTypeError, ValidationError, shown
from ..formats import Source
from ..formats import audio as codec
from ..store import Store
from ._base import FileKind, check_caption, has_read, is_bytes, is_path, pick_adapter, read_binary

FileType = Literal["wav", "flac", "ogg"]
Subtype = Literal["pcm16", "pcm24", "float"]
#: Sample types accepted from arrays.
DTYPES = (np.int16, np.int32, np.float32, np.float64)
#: Most channels an array may have (7.1 surround; what browsers play).
MAX_CHANNELS = 8
#: Highest sample rate accepted at all (formats may allow less, see formats.audio.MAX_RATE).
MAX_SAMPLE_RATE = max(codec.MAX_RATE.values())
#: Lowest sample rate browsers play: Chromium refuses media below 3 kHz (``media::limits``), and
#: Web Audio's ``AudioContext`` takes 3,000 Hz and up. Lower rates are written as given, with a
#: warning (mediakit never resamples).
BROWSER_MIN_RATE = 3000


class Audio(FileKind):
    """An audio clip.

    Parameters
    ----------
    data:
        Samples ``(N,)`` (mono) or ``(N, C)``, C <= 8 channels, as int16, int32, float32 or
        float64; a ``(C, N)`` array with C <= 8 < N is transposed. Array-likes (torch tensors...)
        are accepted. Or a path, bytes or binary file object of a WAV, FLAC, OGG or MP3 file:
        it is decoded completely to prove it is sound, and stored byte-for-byte.
    sample_rate:
        Samples per second, a positive int. Required for arrays; for files it is read from the
        file (passing a different one is an error: mediakit does not resample). Rates below
        3,000 Hz (:data:`BROWSER_MIN_RATE`) are stored as given with a warning: no browser
        plays them (resample the samples yourself, e.g. to 8,000 Hz or more).
    caption:
        Free text kept in the descriptor.
    file_type:
        ``"wav"`` (the default for arrays), ``"flac"`` or ``"ogg"`` (Vorbis). Files keep their
        own format unless another is asked for (then they are transcoded).
    normalize:
        Float samples must lie in [-1, 1]; with ``normalize=True`` (or ``"peak"``) louder audio
        is scaled down by its peak instead of being refused (the gain goes into the descriptor).
        ``False`` (the default) is also spelled ``"none"``: the string spelling
        :class:`~mediakit.Image` and :class:`~mediakit.Video` use.
    subtype:
        Sample encoding: ``"pcm16"`` (default), ``"pcm24"`` or ``"float"`` (WAV only; lossless
        for float32 input). Ogg/Vorbis takes none.

    Raises
    ------
    MediaTypeError, ValidationError, DecodeError, LimitError, MediaFileNotFoundError

    Examples
    --------
    >>> import numpy as np, mediakit as mk
    >>> tone = np.sin(np.linspace(0, 2 * np.pi * 440, 44100)).astype(np.float32)
    >>> desc = mk.Audio(tone, sample_rate=44100, caption="A4").encode(mk.MemoryStore())
    >>> desc["duration"], desc["channels"]
    (1.0, 1)
    """

    TYPE: ClassVar[str] = "audio"
    VERSION: ClassVar[int] = 1

    def __init__(
        self,
        data: Any,
        *,
        sample_rate: int | None = None,
        caption: str | None = None,
        file_type: FileType | None = None,
        normalize: bool | Literal["none", "peak"] = False,
        subtype: Subtype | None = None,
    ) -> None:
        if file_type is not None and (not isinstance(file_type, str) or file_type not in codec.SUBTYPES):
            msg = f"file_type: expected one of {sorted(codec.SUBTYPES)}, got {shown(file_type)}"
            raise ValidationError(msg)
        normalize = _check_normalize(normalize)
        if sample_rate is not None:
            sample_rate = _check_rate(sample_rate)
        self._samples: np.ndarray | None = None
        self._file: bytes | None = None
        self._info: codec.AudioInfo | None = None
        self.gain: float | None = None
        inherited: dict[str, Any] = {}

        _adapter_for(data)(self, data, sample_rate=sample_rate, normalize=normalize, inherited=inherited)

        self.caption = check_caption(caption if caption is not None else inherited.get("caption"))
        if self._info is not None:
            if sample_rate is not None and sample_rate != self._info.sample_rate:
                msg = f"sample_rate: the file's sample rate is {self._info.sample_rate} Hz, got {shown(sample_rate)}; mediakit does not resample"
                raise ValidationError(msg)
            sample_rate = self._info.sample_rate
        elif sample_rate is None:
            sample_rate = inherited.get("sample_rate")
        if sample_rate is None:
            msg = "sample_rate: required for sample arrays (e.g. sample_rate=44100), got None"
            raise ValidationError(msg)
        self.sample_rate: int = sample_rate
        if sample_rate < BROWSER_MIN_RATE:
            warn_user(
                f"sample_rate: browsers play audio at {BROWSER_MIN_RATE} Hz and above (Chromium refuses lower rates), "
                f"got {sample_rate} Hz; the clip is stored as given: resample it (e.g. to 8000 Hz or more) to play it in a browser"
            )
        self._choose_output(file_type, subtype)

    # -- properties -----------------------------------------------------------------------------
    @property
    def data(self) -> np.ndarray:
        """The samples: ``(N,)`` for mono, ``(N, C)`` otherwise. Arrays keep their dtype; files
        decode to int16/int32 for 16/32-bit PCM and to float32 otherwise."""
        s = self._all_samples()
        return s[:, 0] if s.shape[1] == 1 else s

    def as_float(self) -> np.ndarray:
        """The samples as float32 in [-1, 1], always ``(N, C)``."""
        return codec.to_float(self._all_samples())

    @property
    def channels(self) -> int:
        return self._info.channels if self._info is not None else int(self._all_samples().shape[1])

    @property
    def frames(self) -> int:
        return self._info.frames if self._info is not None else int(self._all_samples().shape[0])

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.frames / self.sample_rate

    @property
    def format(self) -> str:
        return self.file_type

    def __repr__(self) -> str:
        return (
            f"Audio({self.duration:.3f} s, {self.sample_rate} Hz, {self.channels} ch, {self.file_type}, caption={self.caption!r})"
        )

    # -- input handling --------------------------------------------------------------------------
    def _all_samples(self) -> np.ndarray:
        if self._samples is None:
            assert self._file is not None
            self._samples = codec.read(self._file)
        return self._samples

    def _set_array(self, arr: np.ndarray, *, normalize: bool) -> None:
        if arr.dtype not in DTYPES:
            msg = f"data: expected samples of dtype int16, int32, float32 or float64, got {arr.dtype}"
            raise MediaTypeError(msg)
        arr = _to_frames_channels(arr)
        if arr.dtype.kind == "f":
            arr = self._check_float_range(arr, normalize)
        self._samples = arr

    def _check_float_range(self, arr: np.ndarray, normalize: bool) -> np.ndarray:
        finite = np.isfinite(arr)
        if not finite.all():
            frame, ch = (int(i) for i in np.argwhere(~finite)[0])
            msg = f"data: expected finite samples, got {shown(arr[frame, ch])} at frame {frame}, channel {ch}"
            raise ValidationError(msg)
        peak = float(np.abs(arr).max())
        if peak <= 1.0:
            return arr
        if not normalize:
            msg = f"data: float samples must lie in [-1, 1], got a peak of {peak:g}; scale them, or pass normalize=True to divide by the peak"
            raise ValidationError(msg)
        self.gain = 1.0 / peak
        return (arr * (1.0 / peak)).astype(arr.dtype, copy=False)

    def _set_file(self, blob: bytes, field: str) -> None:
        info, samples = codec.probe(blob, field=field)
        self._file = blob
        self._info = info
        self._samples = samples

    def _choose_output(self, file_type: str | None, subtype: str | None) -> None:
        info = self._info
        kept = info is not None and info.kept and (file_type is None or file_type == info.format)
        fmt = info.format if kept and info is not None else (file_type or "wav")
        if kept and subtype is not None:
            kept = False  # an explicit sample encoding means: re-encode
        if subtype is not None and subtype not in codec.SUBTYPES[fmt]:
            allowed = [s for s in codec.SUBTYPES[fmt] if s] or ["None"]
            msg = f"subtype: {fmt} takes {', '.join(allowed)}, got {shown(subtype)}"
            raise ValidationError(msg)
        if not kept:
            self._file = None
            if self.sample_rate > codec.MAX_RATE[fmt]:
                msg = f"sample_rate: {fmt} holds sample rates up to {codec.MAX_RATE[fmt]} Hz, got {self.sample_rate}"
                raise ValidationError(msg)
            if fmt != "ogg" and subtype is None and info is not None:
                subtype = {"FLOAT": "float", "DOUBLE": "float", "PCM_24": "pcm24", "PCM_32": "pcm24"}.get(info.subtype)
                subtype = subtype if subtype in codec.SUBTYPES[fmt] else None
            subtype = subtype or codec.SUBTYPES[fmt][0]
            self._info = None  # the stored file will be a new one; its facts come from the samples
        self.file_type = fmt
        self.subtype = subtype if not kept else None

    # -- encode / decode -------------------------------------------------------------------------
    def _encode(self, store: Store) -> dict[str, Any]:
        if self._file is not None and self._info is not None:
            blob, encoding = self._file, self._info.subtype.lower()
        else:
            blob = codec.encode(self._all_samples(), self.sample_rate, self.file_type, self.subtype)
            encoding = {"pcm16": "pcm_16", "pcm24": "pcm_24", "float": "float", None: "vorbis"}[self.subtype]
        ref = store.put(blob, suffix=codec.SUFFIX[self.file_type])
        desc = {
            **self._header(),
            **ref.to_dict(),
            "format": self.file_type,
            "encoding": encoding,
            "sample_rate": self.sample_rate,
            "channels": self.channels,
            "frames": self.frames,
            "duration": round(self.duration, 6),
            "caption": self.caption,
        }
        if self.gain is not None:
            desc["gain"] = self.gain
        return desc

    @classmethod
    def _decode(cls, desc: dict[str, Any], store: Store) -> Audio:
        with warnings.catch_warnings():  # given when the clip was made
            warnings.filterwarnings("ignore", message="sample_rate: browsers play audio")
            return cls(store.read(desc["path"]), caption=desc.get("caption"))

    def _content(self) -> tuple[Any, ...]:
        return (self._all_samples(), self.sample_rate, self.caption)


#: ``normalize=`` strings and the bools they stand for.
NORMALIZE_MODES = {"none": False, "peak": True}


def _check_normalize(normalize: object) -> bool:
    if isinstance(normalize, bool):
        return normalize
    if isinstance(normalize, str):
        if normalize not in NORMALIZE_MODES:
            msg = f"normalize: expected True or False, or one of {tuple(NORMALIZE_MODES)}, got {shown(normalize)}"
            raise ValidationError(msg)
        return NORMALIZE_MODES[normalize]
    msg = f"normalize: expected True or False, got {type(normalize).__name__} {shown(normalize)}"
    raise MediaTypeError(msg)


def _check_rate(rate: object) -> int:
    if isinstance(rate, bool) or not isinstance(rate, (int, np.integer)):
        msg = f"sample_rate: expected a positive int (samples per second), got {type(rate).__name__} {shown(rate)}"
        raise MediaTypeError(msg)
    if not 1 <= int(rate) <= MAX_SAMPLE_RATE:
        msg = f"sample_rate: expected an int from 1 to {MAX_SAMPLE_RATE}, got {shown(rate)}"
        raise ValidationError(msg)
    return int(rate)


def _to_frames_channels(arr: np.ndarray) -> np.ndarray:
    """``(N,)`` -> ``(N, 1)``; ``(N, C)`` kept; ``(C, N)`` with C <= 8 < N transposed."""
    if arr.ndim == 1:
        arr = arr[:, None]
    elif arr.ndim == 2:
        n0, n1 = arr.shape
        if n0 <= MAX_CHANNELS < n1:
            arr = arr.T
        elif n0 <= MAX_CHANNELS and n1 <= MAX_CHANNELS and arr.size > 1:
            msg = (
                f"data: shape {arr.shape} is ambiguous: (frames, channels) or (channels, frames)? "
                f"Pass a clip longer than {MAX_CHANNELS} frames, or a 1-D array for mono"
            )
            raise ValidationError(msg)
        elif n1 > MAX_CHANNELS:
            msg = f"data: expected (frames, channels) with at most {MAX_CHANNELS} channels, got shape {arr.shape}"
            raise ValidationError(msg)
    else:
        msg = f"data: expected samples of shape (N,) or (N, C), got a {arr.ndim}-D array of shape {arr.shape}"
        raise ValidationError(msg)
    if arr.shape[0] == 0:
        msg = f"data: expected at least one sample, got shape {arr.shape}"
        raise ValidationError(msg)
    return arr


# -- the input adapter table ---------------------------------------------------------------------

Adapter = Callable[..., None]


def _from_audio(self: Audio, data: Audio, *, inherited: dict[str, Any], **_: Any) -> None:
    self._samples, self._file, self._info, self.gain = data._samples, data._file, data._info, data.gain
    inherited.update(caption=data.caption, sample_rate=data.sample_rate)


def _from_array(self: Audio, data: Any, *, normalize: bool, **_: Any) -> None:
    self._set_array(to_numpy(data), normalize=normalize)


def _from_path(self: Audio, data: str | os.PathLike[str], **_: Any) -> None:
    self._set_file(Source(data, what="audio").read(), f"data ({os.fspath(data)!r})")


def _from_bytes(self: Audio, data: bytes | bytearray | memoryview, **_: Any) -> None:
    self._set_file(bytes(data), "data (bytes)")


def _from_fileobj(self: Audio, data: Any, **_: Any) -> None:
    self._set_file(read_binary(data), "data (file object)")


_ADAPTERS: tuple[tuple[Callable[[Any], bool], Adapter], ...] = (
    (lambda x: isinstance(x, Audio), _from_audio),
    (is_path, _from_path),
    (is_bytes, _from_bytes),
    (has_read, _from_fileobj),
    (is_array_like, _from_array),
    (lambda x: isinstance(x, (list, tuple)), _from_array),
)


def _adapter_for(data: Any) -> Adapter:
    return pick_adapter(_ADAPTERS, data, expected="a numpy array or array-like, path, bytes, binary file object or Audio")
