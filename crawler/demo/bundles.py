"""Bundles for the tests and the attachments benchmark: RAR archives written by the
project itself, and 7z archives written by libarchive.

No free program writes RAR (WinRAR's ``rar`` is non-free and not in Debian main), yet
county sites publish ``附件.rar`` bundles. Both RAR formats are documented by their author
(RAR 4.x in ``technote.txt``, RAR 5.0 in "RAR 5.0 archive format"), and a member kept
without compression (method "store", as WinRAR writes files that do not shrink) needs
nothing but headers and CRC-32s. So the files here are genuine RAR 4 and RAR 5 archives,
read back in the tests by libarchive, a reader the project did not write.

Names keep the writer's conventions: RAR 4 separates folders with "\\" and marks a
Unicode name with its UTF-8 flag; RAR 5 names are UTF-8 with "/". A 7z (LZMA-compressed)
comes from libarchive, which writes that format.
"""

from __future__ import annotations

import struct
import zlib

RAR4_SIGNATURE = b"Rar!\x1a\x07\x00"
RAR5_SIGNATURE = b"Rar!\x1a\x07\x01\x00"
# A fixed time (2025-01-01 00:00) so the same members always make the same bytes.
_DOS_TIME = ((2025 - 1980) << 25) | (1 << 21) | (1 << 16)
_ARCHIVE_ATTRIBUTE = 0x20


def _crc16(data: bytes) -> bytes:
    return struct.pack("<H", zlib.crc32(data) & 0xFFFF)


def _rar4_block(kind: int, flags: int, body: bytes) -> bytes:
    fields = struct.pack("<BHH", kind, flags, 7 + len(body)) + body
    return _crc16(fields) + fields


def make_rar4(members: dict[str, bytes]) -> bytes:
    """A RAR 4 archive holding ``members`` (name → bytes), each stored."""
    out = [RAR4_SIGNATURE, _rar4_block(0x73, 0, b"\0" * 6)]
    for name, data in members.items():
        encoded = name.replace("/", "\\").encode("utf-8")
        flags = 0x8000 | (0x0200 if not encoded.isascii() else 0)  # long block, Unicode name
        body = struct.pack(
            "<IIBIIBBHI",
            len(data),  # packed size
            len(data),  # unpacked size
            2,  # host OS: Windows
            zlib.crc32(data),
            _DOS_TIME,
            20,  # version needed to extract: 2.0
            0x30,  # method: store
            len(encoded),
            _ARCHIVE_ATTRIBUTE,
        )
        out += [_rar4_block(0x74, flags, body + encoded), data]
    out.append(_rar4_block(0x7B, 0, b""))  # end of archive
    return b"".join(out)


def _vint(value: int) -> bytes:
    """RAR 5's variable-length integer: 7 bits a byte, low bits first."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _rar5_block(kind: int, flags: int, fields: bytes) -> bytes:
    header = _vint(kind) + _vint(flags) + fields
    sized = _vint(len(header)) + header
    return struct.pack("<I", zlib.crc32(sized)) + sized


def make_rar5(members: dict[str, bytes]) -> bytes:
    """A RAR 5 archive holding ``members`` (name → bytes), each stored."""
    out = [RAR5_SIGNATURE, _rar5_block(1, 0, _vint(0))]  # main header, no archive flags
    for name, data in members.items():
        encoded = name.encode("utf-8")
        fields = (
            _vint(len(data))  # data size (the header has a data area: flag 0x0002)
            + _vint(0x0004)  # file flags: data CRC32 present
            + _vint(len(data))  # unpacked size
            + _vint(_ARCHIVE_ATTRIBUTE)
            + struct.pack("<I", zlib.crc32(data))
            + _vint(0)  # compression: version 0, method 0 (store)
            + _vint(0)  # host OS: Windows
            + _vint(len(encoded))
            + encoded
        )
        out += [_rar5_block(2, 0x0002, fields), data]
    out.append(_rar5_block(5, 0, _vint(0)))  # end of archive
    return b"".join(out)


def make_7z(members: dict[str, bytes]) -> bytes:
    """A 7z archive (LZMA) holding ``members``, written by libarchive."""
    import libarchive

    out = bytearray()

    def write(block: bytes) -> int:
        out.extend(block)
        return len(block)

    with libarchive.custom_writer(write, "7zip") as archive:
        for name, data in members.items():
            archive.add_file_from_memory(name, len(data), data)
    return bytes(out)
