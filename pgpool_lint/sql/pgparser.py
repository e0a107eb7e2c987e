"""libpg_query through pglast, loaded for a start-up a pre-commit hook can afford.

Everywhere in pgpool-lint, ``from .pgparser import parse_sql_json, scan, split, ...`` stands
for ``from pglast.parser import ...``.  The difference is the cost of the first import:
``import pglast.parser`` also executes ``pglast.enums`` and ``pglast.ast`` (hundreds of
``Enum`` and node classes, ~18 ms, a fifth of a whole clean run), which only ``parse_sql``'s
Python tree and pglast's printers use.  pgpool-lint reads libpg_query's JSON instead, so
those two modules are bound as lazy modules (``importlib.util.LazyLoader``): they execute on
the first attribute anybody reads from them, exactly as they would have at import, so
nothing about pglast's behaviour changes, only when the work is done.

If pglast was already imported (by a plugin, the language server, a test), or its layout
ever differs from what this expects, this is a plain import.
"""

from __future__ import annotations

import os
import sys
from types import ModuleType
from typing import Any, Callable, Iterable, NamedTuple, Optional, Sequence

from ..core.lazyre import lazy_re

_LAZY_SUBMODULES = ("enums", "ast")


def _load() -> ModuleType:
    if "pglast" not in sys.modules:
        try:
            _import_pglast_with_lazy_submodules()
        except Exception:  # any surprise: forget the attempt and import the ordinary way
            for name in [n for n in sys.modules if n == "pglast" or n.startswith("pglast.")]:
                del sys.modules[name]
    import pglast.parser

    return pglast.parser


def _import_pglast_with_lazy_submodules() -> None:
    import importlib.machinery
    import importlib.util

    spec = importlib.machinery.PathFinder.find_spec("pglast")
    if spec is None or spec.loader is None or not spec.submodule_search_locations:
        raise ImportError("pglast is not a package here")
    package = importlib.util.module_from_spec(spec)
    for sub in _LAZY_SUBMODULES:
        sub_spec = importlib.machinery.PathFinder.find_spec(f"pglast.{sub}", spec.submodule_search_locations)
        if sub_spec is None or sub_spec.loader is None:
            raise ImportError(f"no pglast.{sub}")
        sub_spec.loader = importlib.util.LazyLoader(sub_spec.loader)
        module = importlib.util.module_from_spec(sub_spec)
        sys.modules[sub_spec.name] = module
        sub_spec.loader.exec_module(module)  # lazy: runs the module's code on first use
        # already an attribute of the package: ``from . import enums`` binds it, unread
        setattr(package, sub, module)
    sys.modules["pglast"] = package
    spec.loader.exec_module(package)


def keywords() -> ModuleType:
    """``pglast.keywords`` (PostgreSQL's keyword lists), pglast loaded as above."""
    _load()
    import pglast.keywords

    return pglast.keywords


def scan(text: str) -> list:
    """``pglast.parser.scan(text)``: the same tokens (start, inclusive end, name, keyword kind).

    pglast maps each token's byte offset to a character offset by walking a list with one
    entry per byte of every non-ASCII character: quadratic, 16 s for a 1.4 MB dump with some
    accented text.  This reads libpg_query's token array directly and maps offsets by bisection
    (or, where that binding is not to be had, gives pglast an ASCII stand-in of the text).
    """
    return _backend().scan(text)


def scan_records(text: str) -> tuple[Iterable[tuple[int, int, Any, Any]], Callable[[int], int], Callable[[Any, Any], str]]:
    """The tokens of ``scan(text)`` without a Python object each, for a loop over every token:
    ``(records, to_char, name_of)``; a record is ``(start, end, kind, keyword)`` with ``end``
    exclusive, offsets for ``to_char`` (bytes of the UTF-8 text, or characters), and
    ``name_of(kind, keyword)`` is the token's name (``ASCII_59``, ``BEGIN_P``, ``SQL_COMMENT``)."""
    return _backend().scan_records(text)


class TokenColumns(NamedTuple):
    """The tokens of ``scan(text)`` as columns, for a pass that looks at few of them:
    ``starts[i]``/``ends[i]`` (``ends`` exclusive) are offsets for ``to_char``, ``kinds[i]`` is
    a token kind whose name ``name_of(kind)`` gives (``ASCII_59``, ``BEGIN_P``, ``SQL_COMMENT``).
    The columns are views of libpg_query's token array where the binding has it: no Python
    object per token until one is read."""

    starts: Sequence[int]
    ends: Sequence[int]
    kinds: Sequence[Any]
    to_char: Callable[[int], int]
    name_of: Callable[[Any], str]


def scan_columns(text: str) -> TokenColumns:
    """``scan(text)`` as ``TokenColumns``; ``ParseError`` as ``scan`` raises it."""
    return _backend().scan_columns(text)


def split_utf8(data: bytes) -> Optional[list[tuple[int, int]]]:
    """Statement spans (in characters) of a text given as UTF-8, exactly the (start, stop) of
    ``split(text, with_parser=True, only_slices=True)``; None when it does not parse.

    It calls the libpg_query function ``pglast.parser.split`` calls, through ctypes: pglast
    builds a table of UTF-8 displacements character by character on every call (a tenth of
    the time of a whole lint) and holds the text as ``str`` and as UTF-8 at once while
    libpg_query parses (a 7 MB statement: 7 MB more at the peak).
    """
    try:
        return _backend().split(data)
    except _load().ParseError:
        return None


def split_spans(text: str) -> list[tuple[int, int]]:
    """Statement spans (in characters) of ``text``; ``ParseError(message, character offset)``
    when it does not parse, as ``pglast.parser.split(text, with_parser=True)`` raises it."""
    return _backend().split(text.encode("utf-8"))


def backend_name() -> str:
    """Which path splits and scans (``--verbose`` says it)."""
    return _backend().name


_BACKEND: list = []  # [_Direct or _Public], decided once


def _backend() -> "_Direct | _Public":
    if not _BACKEND:
        # PGPOOL_LINT_PARSER=pglast: the public-API path, as if the binding were not there
        direct = None if os.environ.get("PGPOOL_LINT_PARSER") == "pglast" else _Direct.bind()
        _BACKEND.append(direct or _Public(_load()))
    return _BACKEND[0]


def _direct() -> Optional["_Direct"]:
    backend = _backend()
    return backend if isinstance(backend, _Direct) else None


class _Public:
    """pglast's own ``split`` and ``scan``, kept linear.  pglast maps offsets in quadratic time
    on non-ASCII text (a 6,000-line accented file: 29 s), so it is given a stand-in where each
    non-ASCII character is the ASCII letter x: PostgreSQL's scanner takes any non-ASCII byte as
    an identifier character (or as content, inside strings and comments), as it takes a letter,
    so tokens and statements stay the same and character offsets need no mapping."""

    name = "pglast's split and scan on an ASCII stand-in (the direct binding is not available)"

    def __init__(self, parser) -> None:
        self._parser = parser

    def scan(self, text: str) -> list:
        standin = _ascii_standin(text)
        try:
            return self._parser.scan(standin)
        except self._parser.ParseError as err:
            raise _as_written(self._parser, err, text, standin) from None

    def scan_records(self, text: str):
        return ((t.start, t.end + 1, t.name, None) for t in self.scan(text)), _same, _first

    def scan_columns(self, text: str) -> TokenColumns:
        tokens = self.scan(text)
        return TokenColumns([t.start for t in tokens], [t.end + 1 for t in tokens], [t.name for t in tokens],
                            _same, _same)

    def split(self, data: bytes) -> list[tuple[int, int]]:
        text = data.decode("utf-8")
        standin = _ascii_standin(text)
        try:
            slices = self._parser.split(standin, with_parser=True, only_slices=True)
        except self._parser.ParseError as err:
            raise _as_written(self._parser, err, text, standin) from None
        if standin is text:
            return [(s.start, s.stop) for s in slices]
        return [_strip_text(text, s.start, s.stop) for s in slices]  # U+3000 is space, x is not


def _ascii_standin(text: str) -> str:
    return text if text.isascii() else _NON_ASCII.sub("x", text)


_NEAR = ' at or near "'


def _as_written(parser, err, text: str, standin: str):
    """The parser's error about the stand-in, quoting the text as written."""
    message = str(err.args[0]) if err.args else "syntax error"
    at = err.args[1] if len(err.args) > 1 else None
    opening = message.rfind(_NEAR)
    if standin is not text and at is not None and opening != -1 and message.endswith('"'):
        quoted = len(message) - opening - len(_NEAR) - 1
        message = message[:opening] + _NEAR + text[at:at + quoted] + '"'
    return parser.ParseError(message, at)


def _strip_text(text: str, start: int, stop: int) -> tuple[int, int]:
    while start < stop and text[start].isspace():
        start += 1
    while stop > start and text[stop - 1].isspace():
        stop -= 1
    return start, stop


class _Direct:
    """libpg_query's split and scan called through ctypes, in the library pglast loaded."""

    name = "libpg_query's split and scan, called directly"

    def __init__(self, parser, ctypes) -> None:
        class SplitStmt(ctypes.Structure):
            _fields_ = [("stmt_location", ctypes.c_int), ("stmt_len", ctypes.c_int)]

        class Error(ctypes.Structure):
            _fields_ = [("message", ctypes.c_char_p), ("funcname", ctypes.c_char_p), ("filename", ctypes.c_char_p),
                        ("lineno", ctypes.c_int), ("cursorpos", ctypes.c_int), ("context", ctypes.c_char_p)]

        class SplitResult(ctypes.Structure):  # pg_query.h, as pglast's parser.pyx declares it
            _fields_ = [("stmts", ctypes.POINTER(ctypes.POINTER(SplitStmt))), ("n_stmts", ctypes.c_int),
                        ("stderr_buffer", ctypes.c_char_p), ("error", ctypes.POINTER(Error))]

        class ScanResult(ctypes.Structure):  # tokens: (start, end, token, keyword kind), four ints each
            _fields_ = [("tokens", ctypes.c_void_p), ("n_tokens", ctypes.c_int), ("error", ctypes.POINTER(Error))]

        lib = ctypes.CDLL(parser.__file__)
        self._split, self._free_split = lib.pg_query_split_with_parser, lib.pg_query_free_split_result
        self._split.argtypes, self._split.restype = [ctypes.c_char_p], SplitResult
        self._free_split.argtypes, self._free_split.restype = [SplitResult], None
        self._scan, self._free_scan = lib.pg_query_scan_tokens, lib.pg_query_free_scan_tokens_result
        self._scan.argtypes, self._scan.restype = [ctypes.c_char_p], ScanResult
        self._free_scan.argtypes, self._free_scan.restype = [ScanResult], None
        self._token_name, self._keyword_kind_name = lib.pg_query_token_name, lib.pg_query_keyword_kind_name
        self._token_name.argtypes = self._keyword_kind_name.argtypes = [ctypes.c_int]
        self._token_name.restype = self._keyword_kind_name.restype = ctypes.c_char_p
        self._names: dict[tuple[int, int], tuple[str, str]] = {}
        self._pair, self._string_at, self._pointer_size = ctypes.c_int * 2, ctypes.string_at, ctypes.sizeof(ctypes.c_void_p)
        # both ints of a statement as one 64-bit read (stmt_location in the low half on a
        # little-endian machine): one ctypes object and no sequence unpacking per statement
        self._both = ctypes.c_uint64.from_address if sys.byteorder == "little" and ctypes.sizeof(SplitStmt) == 8 else None
        self._parser = parser

    @classmethod
    def bind(cls) -> Optional["_Direct"]:
        parser = _load()
        try:
            import ctypes

            direct = cls(parser, ctypes)
        except (ImportError, OSError, AttributeError):
            return None
        # the layouts above are assumptions about a C library: trust them only if they agree
        try:
            agrees = direct._agrees_with_pglast(parser)
        except Exception:
            agrees = False
        return direct if agrees else None

    def _agrees_with_pglast(self, parser) -> bool:
        probe = ("  SELECT 1;\n-- c\n\x0b select 'a;b' ;\n/* x */ CREATE TABLE t (i int)\n\n;;  VALUES (2)  ;"
                 " SELECT 'é' AS \"ü\", 2 AS x\u00a0\u3000; SELECT $1 + 3")
        expected = [(s.start, s.stop) for s in parser.split(probe, with_parser=True, only_slices=True)]
        if self.split(probe.encode()) != expected or self.scan(probe) != parser.scan(probe):
            return False
        # Errors on ASCII text: before 8.8, pglast misplaced positions after non-ASCII
        # characters (libpg_query counts characters, pglast converted them again as bytes).
        scan_error = _error_args(lambda: parser.scan("SELECT 'a', 'open"))
        split_error = _error_args(lambda: parser.split("SELECT (;", with_parser=True))
        return (scan_error is not None and scan_error == _error_args(lambda: self.scan("SELECT 'a', 'open"))
                and split_error is not None and split_error == _error_args(lambda: self.split(b"SELECT (;")))

    def split(self, data: bytes) -> list[tuple[int, int]]:
        """Character spans, white space stripped as pglast strips it (``str.strip``);
        ``ParseError(message, character offset)`` when it does not parse."""
        result = self._split(data)
        try:
            if result.error:
                raise self._error(result.error.contents)
            count, n, spans = result.n_stmts, len(data), []
            if count:
                # the statement pointers in one read, then one ctypes object per statement (not four:
                # on a file of short statements those objects cost a third of libpg_query's parse)
                pointers = memoryview(self._string_at(result.stmts, count * self._pointer_size)).cast("P")
                pair, both, plain, append = self._pair.from_address, self._both, _PLAIN_BYTE, spans.append
                for pointer in pointers:
                    if both is not None and not (value := both(pointer).value) & _SIGN_BITS:
                        start = value & 0xFFFFFFFF
                        end = start + (value >> 32)
                    else:  # a negative int (never seen) or a big-endian machine: read as two ints
                        start, length = pair(pointer)
                        end = start + length
                    if end > n:
                        end = n
                    # nearly every statement starts and ends with a byte str.strip() keeps
                    append((start, end) if end > start and plain[data[start]] and plain[data[end - 1]]
                           else _strip(data, start, end))
        finally:
            self._free_split(result)
        if data.isascii():
            return spans
        to_char = char_offsets(data)
        return [(to_char(start), to_char(stop)) for start, stop in spans]

    def _error(self, error):
        # libpg_query's cursorpos counts characters from 1 (0: no position)
        at = error.cursorpos - 1 if error.cursorpos > 0 else None
        return self._parser.ParseError(error.message.decode("utf-8", "replace"), at)

    def _scan_raw(self, text: str) -> tuple[bytes, Callable[[int], int]]:
        """libpg_query's token array (four ints a token) and the byte -> character map."""
        data = text.encode("utf-8")
        to_char = _same if data.isascii() else char_offsets(data)
        result = self._scan(data)
        try:
            if result.error:
                raise self._error(result.error.contents)
            raw = self._string_at(result.tokens, result.n_tokens * 16) if result.n_tokens else b""
        finally:
            self._free_scan(result)
        return raw, to_char

    def scan_records(self, text: str):
        import struct

        raw, to_char = self._scan_raw(text)
        return struct.iter_unpack("4i", raw), to_char, self._token_name_of

    def scan_columns(self, text: str) -> TokenColumns:
        raw, to_char = self._scan_raw(text)
        ints = memoryview(raw).cast("i")
        return TokenColumns(ints[0::4], ints[1::4], ints[2::4], to_char, self._kind_name)

    def _kind_name(self, kind: int) -> str:
        return self._names_of(kind, 0)[0]  # the name of a token kind does not depend on its keyword kind

    def _names_of(self, kind: int, keyword: int) -> tuple[str, str]:
        """(token name, keyword kind name) of libpg_query's numbers, looked up once each."""
        name = self._names.get((kind, keyword))
        if name is None:
            tname = self._token_name(kind)
            name = self._names[(kind, keyword)] = (tname.decode("ascii") if tname is not None else "UNKNOWN",
                                                   self._keyword_kind_name(keyword).decode("ascii"))
        return name

    def _token_name_of(self, kind: int, keyword: int) -> str:
        return self._names_of(kind, keyword)[0]

    def scan(self, text: str) -> list:
        records, to_char, _ = self.scan_records(text)
        token, names, names_of = self._parser.Token, self._names, self._names_of
        tokens = []
        for start, end, kind, keyword in records:
            name = names.get((kind, keyword)) or names_of(kind, keyword)
            tokens.append(token(to_char(start), to_char(end - 1), *name))
        return tokens


#: the sign bits of the two ints of a statement read as one unsigned 64-bit value
_SIGN_BITS = 0x8000000080000000


def _error_args(call) -> Optional[tuple]:
    """The arguments of the ``ParseError`` that ``call`` raises (None: it raised none)."""
    try:
        call()
    except _load().ParseError as err:
        return err.args
    return None


def _same(offset: int) -> int:
    return offset


def _first(name: str, _keyword: object) -> str:
    return name


#: what str.strip() removes among ASCII bytes (bytes.strip() leaves \x1c-\x1f)
_ASCII_SPACE = frozenset(b"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f ")


#: by byte value: 1 for an ASCII byte that str.strip() keeps
_PLAIN_BYTE = bytes(0 if byte in _ASCII_SPACE or byte >= 0x80 else 1 for byte in range(256))


def _strip(data: bytes, start: int, end: int) -> tuple[int, int]:
    """[start, end) of UTF-8 ``data`` without the white space ``str.strip()`` removes."""
    while start < end:
        byte = data[start]
        if byte < 0x80:
            if byte not in _ASCII_SPACE:
                break
            start += 1
        else:
            width = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            if not data[start:start + width].decode("utf-8", "replace").isspace():
                break
            start += width
    while end > start:
        byte = data[end - 1]
        if byte < 0x80:
            if byte not in _ASCII_SPACE:
                break
            end -= 1
        else:
            first = end - 1
            while first > start and 0x80 <= data[first] < 0xC0:  # back to the character's first byte
                first -= 1
            if not data[first:end].decode("utf-8", "replace").isspace():
                break
            end = first
    return start, end


_NON_ASCII = lazy_re(r"[^\x00-\x7f]")


def char_offsets(data: bytes):
    """Byte offset -> character offset in UTF-8 ``data``, from its runs of non-ASCII bytes; an
    offset inside a character maps to that character (as pglast maps it)."""
    import bisect
    import re

    runs = []  # (first byte, end byte, extra bytes before the run, extra bytes through its end)
    extra = 0  # bytes beyond one per character so far
    for m in re.finditer(rb"[\x80-\xff]+", data):
        before = extra
        extra += (m.end() - m.start()) - len(m.group().decode("utf-8", "replace"))
        runs.append((m.start(), m.end(), before, extra))
    firsts = [run[0] for run in runs]

    def to_char(offset: int) -> int:
        i = bisect.bisect_right(firsts, offset) - 1
        if i < 0:
            return offset
        first, end, before, through = runs[i]
        if offset >= end:
            return offset - through
        char_starts = sum(1 for byte in data[first:offset + 1] if not 0x80 <= byte < 0xC0)
        return first - before + char_starts - 1

    return to_char


def __getattr__(name: str):
    """``from .pgparser import split`` is ``from pglast.parser import split``."""
    if name.startswith("__"):
        # every ``from .pgparser import x`` asks for ``__path__`` (is this a package?): answered
        # here, not by pglast's module (a hot path: checks import inside their functions)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    parser = _load()
    try:
        value = getattr(parser, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = value  # later imports of the name skip this function
    return value
