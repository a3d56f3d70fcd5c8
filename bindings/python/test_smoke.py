"""A quick check of the library through uniffi's Python bindings: it catches FFI mistakes
(wrong types, a missing export, an async call without the runtime) in a second.

The generated module and the library must sit in one folder (the module loads the library
from its own directory), so both are copied into a temp folder. scripts/test-bindings sets
SAMAT_BINDINGS_DIR (target/bindings/python) and SAMAT_LIBRARY (target/debug/libsamat_ffi.so).
"""

import asyncio
import importlib
import os
import shutil
import socket
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINDINGS = Path(os.environ.get("SAMAT_BINDINGS_DIR", ROOT / "target/bindings/python"))
LIBRARY = Path(os.environ.get("SAMAT_LIBRARY", ROOT / "target/debug/libsamat_ffi.so"))
CORPUS = Path(os.environ.get("SAMAT_QR_CORPUS", ROOT.parent / "shared/qr-corpus")) / "zxing/qrcode-1"


@pytest.fixture(scope="module")
def bindings(tmp_path_factory):
    # The generated modules import each other relatively: they go in one package, with the
    # library they load beside them.
    folder = tmp_path_factory.mktemp("bindings")
    package = folder / "samat_bindings"
    package.mkdir()
    (package / "__init__.py").write_text("")
    # The core's own types (its `uniffi` feature) come in a module of their own.
    for module in ("samat_ffi.py", "samat_core.py"):
        shutil.copy(BINDINGS / module, package / module)
    shutil.copy(LIBRARY, package / LIBRARY.name)
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module("samat_bindings.samat_ffi"), importlib.import_module("samat_bindings.samat_core")
    finally:
        sys.path.remove(str(folder))


@pytest.fixture(scope="module")
def samat(bindings):
    """The bindings: `SamatClient` and the functions."""
    return bindings[0]


@pytest.fixture(scope="module")
def core(bindings):
    """The core's types: `Stage`, `DraftFields`, `DraftState`, `SamatError`, ..."""
    return bindings[1]


def dead_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def run(coro):
    return asyncio.run(coro)


def test_drafts_validate_and_labels(samat, core, tmp_path):
    async def scenario():
        client = await samat.SamatClient.open(str(tmp_path), dead_url())
        draft = await client.create_draft(core.DraftFields(description="فاکتور نداد", guild_id="۱۰۰۱۰۰۱۰۰۱۱"))
        assert draft.state == core.DraftState.EDITING
        assert [d.id for d in await client.drafts()] == [draft.id]
        problems = {(p.field, p.code) for p in client.validate(draft)}
        assert ("category", "missing_category") in problems
        fixed = await client.update_draft(draft.id, core.DraftFields(category="no_invoice", description="فاکتور نداد"))
        assert client.validate(fixed) == []
        await client.delete_draft(draft.id)
        assert await client.drafts() == []

    run(scenario())
    assert core.Stage.EXPERT_REVIEW.label_fa() == "در حال بررسی کارشناس"
    assert len(samat.categories()) == 9
    assert samat.format_jalali(1_795_862_100_000) == "۷ آذر ۱۴۰۵، ۱۴:۰۵"


def test_scan_a_corpus_image(samat, tmp_path):
    image = CORPUS / "1.png"
    if not image.exists():
        pytest.skip(f"QR corpus not found at {CORPUS}")

    async def scenario():
        client = await samat.SamatClient.open(str(tmp_path), dead_url())
        return await client.scan_image(image.read_bytes())

    codes = run(scenario())
    assert [c.text for c in codes] == [(CORPUS / "1.txt").read_bytes().decode("utf-8")]
    assert len(codes[0].corners) == 4


def test_errors_cross_as_exceptions_with_codes(samat, core, tmp_path):
    async def scenario():
        client = await samat.SamatClient.open(str(tmp_path), dead_url())
        with pytest.raises(core.SamatError.Offline) as offline:
            await client.request_otp("09121234567")
        assert offline.value.code() == "offline"
        assert "اینترنت" in offline.value.message_fa()
        with pytest.raises(core.SamatError.Invalid) as invalid:
            await client.request_otp("12")
        assert invalid.value.fields[0].code == "invalid_phone"
        with pytest.raises(core.SamatError.NotFound):
            await client.draft("no-such-draft")
        with pytest.raises(core.SamatError.Invalid) as frame:
            await client.scan_frame(b"\0" * 10, 100, 100, 100)
        assert frame.value.fields[0].code == "invalid_frame"

    run(scenario())
