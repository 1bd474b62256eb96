"""Reading PDFs back in tests: text per page, embedded font names, every decoded stream."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject, StreamObject


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in reader(pdf).pages]


def font_names(pdf: bytes) -> set[str]:
    """BaseFont names of the fonts every page uses, without the subset prefix ("ABCDEF+")."""
    names = set()
    for page in reader(pdf).pages:
        fonts = page.get("/Resources", DictionaryObject()).get_object().get("/Font", DictionaryObject())
        for ref in fonts.get_object().values():
            name = str(ref.get_object()["/BaseFont"]).lstrip("/")
            names.add(name.split("+", 1)[-1])
    return names


def decoded_streams(pdf: bytes) -> Iterator[bytes]:
    """The decoded content of every stream object (page contents, fonts, images, attachments)."""
    document = reader(pdf)
    ids = {(num, gen) for gen, entries in document.xref.items() for num in entries}
    ids |= {(num, 0) for num in document.xref_objStm}
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    for num, gen in sorted(ids):
        obj = document.get_object(IndirectObject(num, gen, document))
        if isinstance(obj, StreamObject):
            yield obj.get_data()


def contains_bytes(pdf: bytes, needle: bytes) -> bool:
    return needle in pdf or any(needle in data for data in decoded_streams(pdf))
