"""S3 end to end over real HTTP: an S3-compatible server (moto in server mode) on 127.0.0.1,
reached through s3fs exactly as a bucket would be. Encode, thumbnail and validate against
``s3://bucket/prefix``; objects written once (a HEAD finds existing content); nothing partial
left behind by a failure; worker processes re-open the store from its URL."""

from __future__ import annotations

import collections
import io
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image as PILImage

import mediakit as mk
from mediakit._descriptor import loads
from mediakit.batch import FileJob, ThumbJob, encode_stream, thumbnail_stream

BUCKET = "mk-bucket"


class S3Server:
    """moto's S3 app behind werkzeug on an ephemeral loopback port, counting requests."""

    def __init__(self) -> None:
        from moto.server import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import WSGIRequestHandler, make_server

        class Quiet(WSGIRequestHandler):
            def log(self, *_args: Any) -> None:
                pass

        app = DomainDispatcherApplication(create_backend_app)
        self.requests: collections.Counter[tuple[str, str]] = collections.Counter()
        self.lock = threading.Lock()

        def counting(environ: dict[str, Any], start_response: Any) -> Any:
            with self.lock:
                self.requests[(environ["REQUEST_METHOD"], environ["PATH_INFO"])] += 1
            return app(environ, start_response)

        self.server = make_server("127.0.0.1", 0, counting, threaded=True, request_handler=Quiet)
        self.endpoint = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def count(self, method: str, key_part: str = "") -> int:
        with self.lock:
            return sum(n for (m, p), n in self.requests.items() if m == method and key_part in p)

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    pytest.importorskip("s3fs")
    pytest.importorskip("moto")
    srv = S3Server()
    import s3fs

    fs = s3fs.S3FileSystem(**options(srv))
    fs.call_s3("create_bucket", Bucket=BUCKET)
    yield srv
    srv.close()


def options(srv: S3Server) -> dict[str, Any]:
    return {"key": "testing", "secret": "testing", "client_kwargs": {"endpoint_url": srv.endpoint, "region_name": "us-east-1"}}


@pytest.fixture
def bucket_url(request: pytest.FixtureRequest) -> str:
    return f"s3://{BUCKET}/{request.node.name.replace('[', '-').replace(']', '')}"


def prefix(url: str) -> str:
    """The HTTP path of a store URL's objects: ``/bucket/prefix/``."""
    return "/" + url.split("://", 1)[1] + "/"


def _store(srv: S3Server, url: str) -> mk.Store:
    return mk.open_store(url, **options(srv))


def test_content_is_written_once_and_found_again_with_one_head(s3, bucket_url):
    st = _store(s3, bucket_url)
    ref = st.put(b"hello object", suffix=".bin")
    key = f"/{BUCKET}/{bucket_url.split('/', 3)[3]}/{ref.path}"
    assert s3.count("PUT", key) == 1
    heads = s3.count("HEAD", key)
    again = st.put(b"hello object", suffix=".bin")
    assert again == ref
    assert s3.count("PUT", key) == 1  # not written twice
    assert s3.count("HEAD", key) == heads + 1  # one HEAD, no listing
    assert st.read(ref.path) == b"hello object"
    assert st.url(ref.path) == f"{bucket_url}/{ref.path}"
    assert ref.path in st.list()


def test_no_temporary_or_copied_objects_on_s3(s3, bucket_url):
    st = _store(s3, bucket_url)
    st.put(b"one put", suffix=".bin")
    assert s3.count("PUT", prefix(bucket_url)) == 1
    assert s3.count("PUT", "/.tmp-") == 0
    assert st.list() == [p for p in st.list() if not p.rsplit("/", 1)[-1].startswith(".tmp-")]


def test_encode_thumbnail_validate_against_s3(s3, bucket_url):
    st = _store(s3, bucket_url)
    img = np.random.default_rng(1).integers(0, 255, (48, 64, 3), dtype=np.uint8)
    desc = mk.encode({"photo": mk.Image(img, caption="c"), "loss": 0.25}, st)
    photo = desc["photo"]
    mk.validate(photo)
    assert st.exists(photo["path"])
    assert mk.decode(photo, st) == mk.Image(img, caption="c")
    png = mk.thumbnail(photo, st, size=32)
    assert PILImage.open(io.BytesIO(png)).size == (32, 24)
    assert png == mk.thumbnail(photo, _store(s3, bucket_url), size=32)  # a fresh client, same bytes


def test_a_failed_encode_leaves_no_object_behind(s3, bucket_url):
    st = _store(s3, bucket_url)
    good = [mk.Image(np.full((8, 8), i, np.uint8)) for i in range(5)]

    class Broken(mk.Image):
        def encode(self, store: mk.Store) -> dict[str, Any]:
            super().encode(store)  # its file reaches the bucket, then the item fails
            msg = "broken item"
            raise mk.ValidationError(msg)

    with pytest.raises(mk.ValidationError, match="broken item"):
        mk.encode([*good, Broken(np.full((8, 8), 99, np.uint8))], st)
    assert s3.count("PUT", prefix(bucket_url)) >= 6  # every file was written ...
    assert st.list() == []  # ... and removed again: nothing partial is left


@pytest.mark.parametrize("executor", ["threads", "processes"])
def test_batch_encode_and_thumbnails_into_s3_with_resume(s3, bucket_url, tmp_path, executor):
    folder = tmp_path / "in"
    folder.mkdir()
    rng = np.random.default_rng(2)
    for i in range(4):
        PILImage.fromarray(rng.integers(0, 255, (30, 40, 3), dtype=np.uint8)).save(folder / f"p{i}.png")
    st = _store(s3, bucket_url)
    jobs = [FileJob(str(p), f"descriptors/{p.name}.json") for p in sorted(folder.iterdir())]
    outs = list(encode_stream(jobs, st, executor=executor, workers=2, ordered=True))
    assert all(o.ok for o in outs), [o.error for o in outs]
    media_puts = s3.count("PUT", prefix(bucket_url) + "media/")
    assert media_puts == 4
    # Descriptors are in the bucket; validate them from there.
    for o, p in zip(outs, sorted(folder.iterdir())):
        stored = loads(st.read(f"descriptors/{p.name}.json"))
        mk.validate(stored)
        assert stored == o.value
    again = list(encode_stream(jobs, st, executor=executor, workers=2, resume=True))
    assert {o.status for o in again} == {"skipped"}
    assert s3.count("PUT", prefix(bucket_url) + "media/") == media_puts
    # Thumbnails: descriptors read from the bucket, images written back to the bucket.
    out = _store(s3, f"{bucket_url}-thumbs")
    tjobs = [ThumbJob(f"descriptors/{p.name}.json", f"thumbs/{p.name}", in_store=True) for p in sorted(folder.iterdir())]
    res = list(thumbnail_stream(tjobs, st, out=out, size=16, executor=executor, workers=2, ordered=True))
    assert all(o.ok for o in res), [o.error for o in res]
    for o in outs:
        name = f"thumbs/{Path(o.key).name}"
        assert out.read(name) == mk.thumbnail(o.value, st, size=16)
    res = list(thumbnail_stream(tjobs, st, out=out, size=16, resume=True))
    assert {o.status for o in res} == {"skipped"}


def test_worker_processes_reopen_the_store_from_its_url(s3, bucket_url):
    import pickle

    st = _store(s3, bucket_url)
    ref = st.put(b"shared", suffix=".bin")
    again = pickle.loads(pickle.dumps(st))
    assert again is not st and again.read(ref.path) == b"shared"


def test_cli_encode_and_thumbnail_against_the_bucket(s3: S3Server, bucket_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`mediakit encode DIR --out s3://...` writes into the bucket (not a local folder named
    's3:'), configured the way users configure the AWS tools: environment variables."""
    from mediakit.cli import main

    monkeypatch.setenv("AWS_ENDPOINT_URL", s3.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.chdir(tmp_path)
    src = tmp_path / "in"
    src.mkdir()
    PILImage.fromarray(np.full((8, 10, 3), 90, np.uint8)).save(src / "a.png")
    (src / "page.html").write_text("<p>hi</p>")
    assert main(["encode", str(src), "--out", bucket_url, "--jsonl"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert '"encoded":2' in lines[-1].replace(" ", "")
    assert not (tmp_path / "s3:").exists()
    import s3fs

    fs = s3fs.S3FileSystem(**options(s3))
    keys = sorted(k.split(bucket_url[5:] + "/", 1)[1] for k in fs.find(bucket_url))
    assert keys[:2] == ["descriptors/a.png.json", "descriptors/page.html.json"] and len(keys) == 4
    assert all(k.startswith(("descriptors/", "media/")) for k in keys)


# -- ownership across processes (two store instances stand for two processes) -----------------


def _hidden(srv: S3Server, url: str) -> list[str]:
    import s3fs

    fs = s3fs.S3FileSystem(**options(srv))
    root = url.split("://", 1)[1]
    fs.invalidate_cache()
    return sorted(p for p in fs.find(root) if "/.mediakit-" in p)


def test_rollback_keeps_content_another_instance_was_handed(s3, bucket_url):
    a, b = _store(s3, bucket_url), _store(s3, bucket_url)
    with pytest.raises(RuntimeError, match="a fails"):
        with a.transaction():
            ref = a.put(b"shared content", suffix=".bin")  # a creates it
            with b.transaction():
                assert b.put(b"shared content", suffix=".bin") == ref  # b finds it: a claim
            raise RuntimeError("a fails")
    assert b.read(ref.path) == b"shared content"
    assert _hidden(s3, bucket_url) == []


def test_rollback_removes_what_nobody_claimed_and_leaves_no_marker(s3, bucket_url):
    a = _store(s3, bucket_url)
    with pytest.raises(RuntimeError):
        with a.transaction():
            ref = a.put(b"only mine", suffix=".bin")
            raise RuntimeError
    assert not a.exists(ref.path)
    assert _hidden(s3, bucket_url) == []
    with a.transaction():
        ref = a.put(b"committed", suffix=".bin")
    assert a.exists(ref.path) and _hidden(s3, bucket_url) == []  # the commit drops the marker


def test_a_claim_during_the_rollback_gets_the_content_back(s3, bucket_url, monkeypatch):
    """The narrow race: b finds the content just as a's rollback removes it. Whichever order the
    requests land in, b's content is there afterwards and nothing hidden is left."""
    a, b = _store(s3, bucket_url), _store(s3, bucket_url)
    blob = b"raced content"
    real = a.fs.call_s3
    state = {"done": False}

    def call(method: str, **kw: Any) -> Any:
        out = real(method, **kw)
        if method == "delete_object" and kw["Key"].startswith(bucket_url.split("/", 3)[3] + "/media/") and not state["done"]:
            state["done"] = True
            with b.transaction():
                b.put(blob, suffix=".bin")  # b arrives between a's removal and a's re-check
        return out

    monkeypatch.setattr(a.fs, "call_s3", call)
    with pytest.raises(RuntimeError):
        with a.transaction():
            ref = a.put(blob, suffix=".bin")
            raise RuntimeError
    assert state["done"]
    assert b.read(ref.path) == blob
    assert _hidden(s3, bucket_url) == []


def test_two_creators_of_one_object_one_creates_the_other_claims(s3, bucket_url):
    a, b = _store(s3, bucket_url), _store(s3, bucket_url)
    blob = b"created once"
    key_part = "/media/"
    before = s3.count("PUT", prefix(bucket_url) + key_part.strip("/"))
    with a.transaction(), b.transaction():
        ra = a.put(blob, suffix=".bin")
        # b did not see it before writing: its exclusive create fails and it claims instead
        assert b._create(ra.path, blob, seen=False) is False
    assert s3.count("PUT", prefix(bucket_url) + key_part.strip("/")) - before == 2  # a's create, b's refused create
    assert a.read(ra.path) == blob
