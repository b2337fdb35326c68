"""ZIP bundles (…附件.zip holding a PDF and two tables): each member read as an attachment
of its own type, its text under its name. Bounded: at most ``MAX_MEMBERS`` members,
``MAX_TOTAL_BYTES`` unpacked, ``MAX_MEMBER_BYTES`` each, a compression ratio of at most
``MAX_RATIO`` (a zip bomb is refused before it is unpacked), bundles inside bundles
``MAX_DEPTH`` deep; a member named with "../" or an absolute path is refused, never read.
Member names written in GBK (as Chinese Windows zips them, without the UTF-8 flag) are
read as GBK."""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Callable

MAX_MEMBERS = 200
MAX_MEMBER_BYTES = 50 * 1024 * 1024
MAX_TOTAL_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200
MAX_DEPTH = 2
_UTF8_FLAG = 0x800


def member_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its writer meant it (GBK when the UTF-8 flag is not set)."""
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def bundle_text(
    data: bytes, read_member: Callable[[bytes, str, int], str | None], depth: int = 0
) -> str:
    """Each readable member's text under a "== name ==" line; ValueError for a bundle
    over a limit. ``read_member(bytes, name, depth)`` reads one member."""
    if depth >= MAX_DEPTH:
        raise ValueError(f"bundle nested more than {MAX_DEPTH} deep")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ValueError(f"unreadable ZIP: {exc}") from exc
    with archive:
        members = [i for i in archive.infolist() if not i.is_dir()]
        if len(members) > MAX_MEMBERS:
            raise ValueError(f"ZIP of {len(members)} files (at most {MAX_MEMBERS})")
        total = sum(i.file_size for i in members)
        if total > MAX_TOTAL_BYTES:
            raise ValueError(f"ZIP unpacks to {total} bytes (at most {MAX_TOTAL_BYTES})")
        parts: list[str] = []
        for info in members:
            name = member_name(info)
            if name.startswith("/") or ".." in posixpath.normpath(name).split("/"):
                parts.append(f"== {name} == (refused: a path outside the bundle)")
                continue
            if info.file_size > MAX_MEMBER_BYTES:
                parts.append(f"== {name} == (not read: {info.file_size} bytes)")
                continue
            if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
                raise ValueError(f"ZIP member {name} expands {MAX_RATIO}+ times (a zip bomb)")
            try:
                text = read_member(archive.read(info), name, depth + 1)
            except ValueError as exc:
                parts.append(f"== {name} == (unreadable: {str(exc)[:200]})")
                continue
            if text:
                parts.append(f"== {name} ==\n{text}")
    return "\n".join(parts)
