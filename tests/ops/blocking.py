"""A test-only document kind whose first rendering hangs until its worker is killed.

The first delivery of a document's task claims a marker file (`started-<id>`, holding the pid of the
process that renders) in the folder named by $OPS_BLOCK_DIR and then waits; any later delivery finds the
marker and renders the demo layout. So a test can kill the worker at a known point without timing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from project.documents import demo
from project.documents.registry import register_document_kind

if TYPE_CHECKING:
    from project.documents.models import Document

KIND = "ops_blocking"
BLOCK_DIR_ENV = "OPS_BLOCK_DIR"
# Only so that a broken test cannot hang the suite: a healthy run kills the worker long before.
GIVE_UP_SECONDS = 240


def started_marker(block_dir: Path, document_id: int) -> Path:
    return block_dir / f"started-{document_id}"


def build(document: Document) -> tuple[str, Mapping[str, Any]]:
    marker = started_marker(Path(os.environ[BLOCK_DIR_ENV]), document.pk)
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return demo.build(document)  # a redelivery: render normally
    os.write(fd, str(os.getpid()).encode())
    os.close(fd)
    time.sleep(GIVE_UP_SECONDS)  # the test kills this process long before
    raise RuntimeError("the test never killed the worker rendering this document")


def nobody(user: object, document: Document) -> bool:
    return False


def register() -> None:
    register_document_kind(KIND, label="blocking test kind", template_version="1", build=build, can_view=nobody)
