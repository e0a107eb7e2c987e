"""Split with recovery: statement spans of a SQL text, and the parse problems in it.

``split_with_recovery`` asks libpg_query to split the whole text (a C parse, no Python
objects).  When that fails, the text is cut on top-level semicolons (pglast's scanner, or
our own splitter when the scanner rejects the text), every piece is parsed on its own,
and each piece that still fails becomes one parse problem: the statements around it are
still linted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .neutralise import AtomicBodyDepth, NeutralText, split_statements


@dataclass(frozen=True)
class ParseProblem:
    start: int
    message: str
    #: the statement that failed, as cut by the splitter (for telling another dialect from a mistake)
    statement: tuple[int, int] = (0, 0)


def _coarse_split(text: str) -> list[tuple[int, int]]:
    """Top-level statements by PostgreSQL's own scanner; our splitter if it rejects the text."""
    from .pgparser import ParseError, scan

    try:
        tokens = scan(text)
    except ParseError:
        return split_statements(text)
    spans: list[tuple[int, int]] = []
    depth = 0
    body = AtomicBodyDepth()
    start: Optional[int] = None
    last_end = 0
    for tok in tokens:
        name = tok.name
        if name in ("SQL_COMMENT", "C_COMMENT"):
            continue
        if name == "ASCII_59" and depth == 0 and body.depth == 0:
            if start is not None:
                spans.append((start, tok.start))
            start = None
            body.statement_ended()
            continue
        if start is None:
            start = tok.start
        if name == "ASCII_40":
            depth += 1
        elif name == "ASCII_41":
            depth = max(0, depth - 1)
        else:
            body.word(name.lower().removesuffix("_p"))  # BEGIN_P, END_P are the keywords BEGIN, END
        last_end = tok.end + 1
    if start is not None:
        spans.append((start, last_end))
    return spans


#: texts longer than this (characters) are split by libpg_query in pieces of about this
#: size: its parse tree of a whole 8 MB file takes over 60 MB, of a piece next to nothing
SPLIT_PIECE = 256 * 1024


def _split_in_pieces(text: NeutralText, piece: int) -> Optional[list[tuple[int, int]]]:
    """Statement spans of ``text``, libpg_query parsing one piece at a time; None when a
    piece has a syntax error (the caller then splits the whole text and recovers).

    A piece ends right after a ``;`` that ends a line.  When libpg_query parses the piece
    without error, that ``;`` is outside any string, comment, dollar quote, parenthesis or
    BEGIN ATOMIC body (else the piece would end inside one and fail), so it ends a
    statement of the whole text as well: the spans are those of ``split(text)``.  A cut
    that falls inside a body makes the piece fail, and the piece grows to a later ``;``.
    """
    spans: list[tuple[int, int]] = []
    base, n = 0, len(text)
    while base < n:
        base = text.skip_blank(base)  # a piece never starts with megabytes of blanked COPY data
        if base >= n:
            break
        cut, step = _cut_after(text, base + piece), 4096
        # end the piece where blanked COPY data starts (right after its `;`): never parse the blanks
        cut = text.blank_after(base, cut, piece) or cut
        while True:
            found = _split_piece(text, base, cut)
            if found is not None:
                break
            if cut >= n:
                return None
            cut, step = _cut_after(text, cut + step), step * 2
        spans.extend((base + start, base + stop) for start, stop in found)
        base = cut
    return spans


def _split_piece(text: NeutralText, start: int, end: int) -> Optional[list[tuple[int, int]]]:
    """Spans of ``text[start:end]`` (offsets into the piece) by libpg_query, None when it fails."""
    from .pgparser import split_utf8

    # as UTF-8 only, so the piece is not held twice while libpg_query parses it
    return split_utf8(text[start:end].encode("utf-8"))


def _cut_after(text: NeutralText, at: int) -> int:
    """Just after the first ``;`` that ends a line at or after ``at`` (the end: none),
    outside the edits (where the text as written and as parsed are the same)."""
    while True:
        found = text.text.find(";\n", at)
        if found == -1:
            return len(text)
        edit = text.edit_over(found, found + 2)
        if edit is None:
            return found + 1
        at = edit[1]


def split_with_recovery(text: "str | NeutralText", in_pieces: bool = True) -> tuple[list[tuple[int, int]], list[ParseProblem]]:
    """Statement spans of ``text`` and the parse errors between them (``in_pieces``: large
    texts a piece at a time; ``--no-gate`` turns it off, so the gate test covers it too)."""
    from .pgparser import split_utf8

    if in_pieces and len(text) > SPLIT_PIECE:
        spans = _split_in_pieces(text if isinstance(text, NeutralText) else NeutralText(text), SPLIT_PIECE)
        if spans is not None:
            return spans, []
    text = str(text)  # the whole text at once from here
    whole = split_utf8(text.encode("utf-8"))
    if whole is not None:
        return whole, []
    spans: list[tuple[int, int]] = []
    problems: list[ParseProblem] = []
    _recover(text, 0, _coarse_split(text), spans, problems, respect_parens=True)
    return spans, problems


def _recover(text: str, base: int, pieces: list[tuple[int, int]], spans: list, problems: list,
             respect_parens: bool) -> None:
    from .pgparser import ParseError, split_spans

    for start, end in pieces:
        chunk = text[start:end]
        try:
            for s_start, s_stop in split_spans(chunk):
                spans.append((base + start + s_start, base + start + s_stop))
        except ParseError as err:
            if respect_parens:
                finer = split_statements(chunk, respect_parens=False)
                if len(finer) > 1:  # a ';' inside unbalanced parentheses: cut there too
                    _recover(chunk, base + start, finer, spans, problems, respect_parens=False)
                    continue
            message = str(err.args[0]) if err.args else "syntax error"
            at = err.args[1] if len(err.args) > 1 and err.args[1] is not None else len(chunk.rstrip())
            at = min(at, len(chunk))
            problems.append(ParseProblem(base + start + at, message, (base + start, base + end)))
            if message.startswith("unterminated") and len(problems) < _MAX_RESTARTS:
                # An unterminated quote or comment swallows the rest of the file; PostgreSQL
                # would too, but the author meant the next lines as statements: resume there.
                resume = _next_line_start(chunk, at)
                if resume < len(chunk):
                    rest = chunk[resume:]
                    _recover(rest, base + start + resume, split_statements(rest), spans, problems, True)


#: bound on parse problems per text, so recovery stays linear on hostile input
_MAX_RESTARTS = 1000


def _next_line_start(text: str, pos: int) -> int:
    newline = text.find("\n", pos)
    return len(text) if newline == -1 else newline + 1
