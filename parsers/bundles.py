"""Bundles (…附件.zip, 附件.rar, 材料.7z holding a PDF and two tables): each member read as
an attachment of its own type, its text under its name.

ZIP is read with ``zipfile``; RAR (4 and 5) and 7z with libarchive (``libarchive-c``, the
system's ``libarchive13``), which streams members in order. Bounded either way: at most
``MAX_MEMBERS`` members, ``MAX_TOTAL_BYTES`` unpacked, ``MAX_MEMBER_BYTES`` each, and at
most ``MAX_RATIO`` times the bundle's own size unpacked (a ZIP bomb is refused from its
headers before it is unpacked; a RAR or 7z bomb when its unpacking passes the bound, so
no more than the bound is ever held); bundles inside bundles ``MAX_DEPTH`` deep. A member
named with "../" or an absolute path is refused, never read; links and devices are left
out. Member names written in GBK (as Chinese Windows zips them, without the UTF-8 flag)
are read as GBK."""

from __future__ import annotations

import io
import locale
import posixpath
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

MAX_MEMBERS = 200
MAX_MEMBER_BYTES = 50 * 1024 * 1024
MAX_TOTAL_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200
MAX_DEPTH = 2
_UTF8_FLAG = 0x800
_BLOCK = 1 << 16


class BundleBomb(ValueError):
    """The bundle unpacks past its bound: refused whole."""


class UnreadableMember(ValueError):
    """One member (or the headers after it) could not be unpacked: damaged, encrypted."""


@dataclass(slots=True)
class Member:
    """One file in a bundle, readable while the bundle's iteration is at it."""

    name: str
    size: int  # unpacked bytes, as the bundle's header declares them
    read: Callable[[int], bytes]  # at most N bytes; more in the member is a ValueError


def member_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its writer meant it (GBK when the UTF-8 flag is not set)."""
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def bundle_kind(data: bytes) -> str:
    """ "ZIP", "RAR" or "7z", from the bundle's magic bytes."""
    if data.startswith(b"Rar!"):
        return "RAR"
    if data.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "7z"
    return "ZIP"


def bundle_text(
    data: bytes, read_member: Callable[[bytes, str, int], str | None], depth: int = 0
) -> str:
    """Each readable member's text under a "== name ==" line; ValueError for a bundle
    over a limit. ``read_member(bytes, name, depth)`` reads one member."""
    if depth >= MAX_DEPTH:
        raise ValueError(f"bundle nested more than {MAX_DEPTH} deep")
    kind = bundle_kind(data)
    members = _zip_members(data) if kind == "ZIP" else _libarchive_members(data, kind)
    budget = min(MAX_TOTAL_BYTES, MAX_RATIO * max(len(data), 1))
    parts: list[str] = []
    unpacked = 0
    count = 0
    while True:
        try:
            member = next(members)
        except StopIteration:
            break
        except UnreadableMember as exc:  # a damaged header after readable members
            if not parts:
                raise ValueError(str(exc)) from exc
            parts.append(f"== (the rest of the bundle is unreadable: {exc}) ==")
            break
        count += 1
        if count > MAX_MEMBERS:
            raise ValueError(f"{kind} of more than {MAX_MEMBERS} files")
        part, size = _member_part(member, read_member, depth, budget - unpacked)
        unpacked += size
        if part:
            parts.append(part)
    return "\n".join(parts)


def _member_part(
    member: Member, read_member: Callable[[bytes, str, int], str | None], depth: int, left: int
) -> tuple[str | None, int]:
    """A member's "== name ==" part of the text (or why it is not read) and the bytes it
    unpacked; a BundleBomb when it unpacks past ``left``."""
    if _outside(member.name):
        return f"== {_shown(member.name)} == (refused: a path outside the bundle)", 0
    name = _shown(member.name)
    if member.size > MAX_MEMBER_BYTES:
        return f"== {name} == (not read: {member.size} bytes)", 0
    try:
        content = member.read(min(MAX_MEMBER_BYTES, left))
    except BundleBomb:
        raise
    except UnreadableMember as exc:
        return f"== {name} == (unreadable: {exc})", 0
    try:
        text = read_member(content, name, depth + 1)
    except ValueError as exc:
        return f"== {name} == (unreadable: {str(exc)[:200]})", len(content)
    return (f"== {name} ==\n{text}" if text else None), len(content)


def _shown(name: str) -> str:
    """A member's name on one line: a name holding line breaks ("a.txt\n== b.pdf ==")
    cannot forge another member's heading in the text."""
    return " ".join(name.split()) or "(unnamed)"


def _outside(name: str) -> bool:
    path = name.replace("\\", "/")
    return path.startswith("/") or ".." in posixpath.normpath(path).split("/")


def _zip_members(data: bytes) -> Iterator[Member]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ValueError(f"unreadable ZIP: {exc}") from exc
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > MAX_MEMBERS:
            raise ValueError(f"ZIP of {len(infos)} files (at most {MAX_MEMBERS})")
        total = sum(i.file_size for i in infos)
        if total > MAX_TOTAL_BYTES:
            raise ValueError(f"ZIP unpacks to {total} bytes (at most {MAX_TOTAL_BYTES})")
        for info in infos:
            name = member_name(info)
            if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
                raise ValueError(f"ZIP member {name} expands {MAX_RATIO}+ times (a zip bomb)")

            def read(limit: int, info: zipfile.ZipInfo = info) -> bytes:
                if info.file_size > limit:
                    raise BundleBomb(f"ZIP unpacks past its bound of {limit} more bytes")
                try:
                    return archive.read(info)
                except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as exc:
                    raise UnreadableMember(str(exc)[:200]) from exc

            yield Member(name, info.file_size, read)


def _libarchive_members(data: bytes, kind: str) -> Iterator[Member]:
    try:
        import libarchive
        from libarchive.exception import ArchiveError
    except (ImportError, OSError, AttributeError) as exc:  # no libarchive13 on the system
        raise ValueError(f"reading {kind} needs libarchive (make office): {exc}") from exc
    _utf8_names()
    try:
        # The format named, never guessed: a stored DOCX member's own ZIP directory
        # would otherwise outbid the RAR around it.
        with libarchive.memory_reader(data, format_name=_libarchive_format(data)) as archive:
            for entry in archive:
                if not entry.isreg:
                    continue  # folders, links, devices: nothing to read
                yield Member(_entry_name(entry.pathname), entry.size or 0, _reader(entry, kind))
    except ArchiveError as exc:
        raise UnreadableMember(f"unreadable {kind}: {_message(exc)}") from exc


def _libarchive_format(data: bytes) -> str:
    if data.startswith(b"Rar!\x1a\x07\x01"):
        return "rar5"
    return "rar" if data.startswith(b"Rar!") else "7zip"


def _reader(entry: object, kind: str) -> Callable[[int], bytes]:
    from libarchive.exception import ArchiveError

    def read(limit: int) -> bytes:
        chunks: list[bytes] = []
        size = 0
        try:
            for block in entry.get_blocks(_BLOCK):  # type: ignore[attr-defined]
                size += len(block)
                if size > limit:
                    raise BundleBomb(f"{kind} unpacks past its bound of {limit} bytes (a bomb)")
                chunks.append(block)
        except ArchiveError as exc:
            raise UnreadableMember(_message(exc)) from exc
        return b"".join(chunks)

    return read


def _message(exc: Exception) -> str:
    return str(getattr(exc, "msg", None) or exc)[:200]


def _entry_name(name: str | bytes | None) -> str:
    if isinstance(name, bytes):  # a RAR 4 name in the writer's code page, not Unicode
        for codec in ("utf-8", "gb18030"):
            try:
                return name.decode(codec)
            except UnicodeDecodeError:
                continue
        return name.decode("latin-1")
    return name or "(unnamed)"


def _utf8_names() -> None:
    """libarchive converts Unicode names into the process's locale; under a bare "C"
    locale (``LC_ALL=C`` in a cron job) every Chinese name would be lost, so the reader
    asks for UTF-8 names, which every Debian system has as "C.UTF-8"."""
    if locale.nl_langinfo(locale.CODESET).upper().replace("-", "") != "UTF8":
        try:
            locale.setlocale(locale.LC_CTYPE, "C.UTF-8")
        except locale.Error:
            pass
