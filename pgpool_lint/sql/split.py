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

from .neutralise import NeutralText, split_statements


@dataclass(frozen=True)
class ParseProblem:
    start: int
    message: str
    #: the statement that failed, as cut by the splitter (for telling another dialect from a mistake)
    statement: tuple[int, int] = (0, 0)


def _coarse_split(text: str) -> list[tuple[int, int]]:
    """Top-level statements by PostgreSQL's own scanner; our splitter if it rejects the text.

    A ``;`` ends a statement outside parentheses and ``BEGIN ATOMIC ... END`` bodies (as
    ``AtomicBodyDepth`` counts them).  One pass over the scanner's token records, with each
    token kind classified once: a regression-test file has tens of thousands of tokens."""
    from .pgparser import ParseError, scan_records

    try:
        records, to_char, name_of = scan_records(text)
    except ParseError:
        return split_statements(text)
    classes: dict = {}
    spans: list[tuple[int, int]] = []
    depth = body = 0
    previous = _TOK_OTHER  # the token before, for BEGIN ATOMIC (parentheses and comments do not count)
    start: Optional[int] = None
    last_end = 0
    for tok_start, tok_end, kind, keyword in records:
        cls = classes.get(kind)
        if cls is None:
            cls = classes[kind] = _TOKEN_CLASSES.get(name_of(kind, keyword), _TOK_OTHER)
        if cls is _TOK_COMMENT:
            continue
        if cls is _TOK_SEMICOLON and depth == 0 and body == 0:
            if start is not None:
                spans.append((start, to_char(tok_start)))
            start = None
            previous = _TOK_OTHER
            continue
        if start is None:
            start = to_char(tok_start)
        if cls is _TOK_OPEN:
            depth += 1
        elif cls is _TOK_CLOSE:
            depth = max(0, depth - 1)
        else:
            if cls is _TOK_ATOMIC and previous is _TOK_BEGIN:
                body += 1
            elif body and cls is _TOK_CASE:  # CASE ... END inside the body
                body += 1
            elif body and cls is _TOK_END:
                body -= 1
            previous = cls
        last_end = tok_end
    if start is not None:
        spans.append((start, to_char(last_end - 1) + 1))
    return spans


# token classes of the coarse split (names as libpg_query's scanner gives them)
_TOK_OTHER, _TOK_COMMENT, _TOK_SEMICOLON, _TOK_OPEN, _TOK_CLOSE, _TOK_BEGIN, _TOK_ATOMIC, _TOK_CASE, _TOK_END = (
    "other", "comment", ";", "(", ")", "begin", "atomic", "case", "end")
_TOKEN_CLASSES = {"SQL_COMMENT": _TOK_COMMENT, "C_COMMENT": _TOK_COMMENT, "ASCII_59": _TOK_SEMICOLON, "ASCII_40": _TOK_OPEN,
                  "ASCII_41": _TOK_CLOSE, "BEGIN_P": _TOK_BEGIN, "ATOMIC": _TOK_ATOMIC, "CASE": _TOK_CASE, "END_P": _TOK_END}


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
    for i in range(0, len(pieces), _RECOVER_BATCH):
        _recover_run(text, base, pieces, i, min(i + _RECOVER_BATCH, len(pieces)), spans, problems, respect_parens)


#: pieces parsed together while they parse (one libpg_query call instead of one each)
_RECOVER_BATCH = 32


def _recover_run(text: str, base: int, pieces: list[tuple[int, int]], i: int, j: int, spans: list, problems: list,
                 respect_parens: bool) -> None:
    """``pieces[i:j]``: parsed together when they all parse, else halved down to one piece."""
    if j - i > 1:
        found = _run_spans(text, pieces, i, j)
        if found is not None:
            spans.extend((base + start, base + stop) for start, stop in found)
            return
        middle = (i + j) // 2
        _recover_run(text, base, pieces, i, middle, spans, problems, respect_parens)
        _recover_run(text, base, pieces, middle, j, spans, problems, respect_parens)
        return
    _recover_piece(text, base, pieces[i], spans, problems, respect_parens)


def _run_spans(text: str, pieces: list[tuple[int, int]], i: int, j: int) -> Optional[list[tuple[int, int]]]:
    """Spans of ``pieces[i:j]`` parsed as one text, if that gives exactly one statement per
    piece, starting where the piece starts and ending inside it: then each piece parses on
    its own to that same statement (a statement's tokens parse the same followed by ``;`` or
    by the end of the text), so the spans are what parsing piece by piece gives.  Else None."""
    from .pgparser import ParseError, split_spans

    first = pieces[i][0]
    try:
        found = split_spans(text[first:pieces[j - 1][1]])
    except ParseError:
        return None
    if len(found) != j - i:
        return None
    out = []
    for (start, stop), (piece_start, piece_end) in zip(found, pieces[i:j]):
        start, stop = start + first, stop + first
        if start != piece_start or stop > piece_end:
            return None
        out.append((start, stop))
    return out


def _recover_piece(text: str, base: int, piece: tuple[int, int], spans: list, problems: list,
                   respect_parens: bool) -> None:
    """One piece on its own: its statements, or its parse error (and what follows it)."""
    from .pgparser import ParseError, split_spans

    start, end = piece
    chunk = text[start:end]
    try:
        for s_start, s_stop in split_spans(chunk):
            spans.append((base + start + s_start, base + start + s_stop))
    except ParseError as err:
        if respect_parens:
            finer = split_statements(chunk, respect_parens=False)
            if len(finer) > 1:  # a ';' inside unbalanced parentheses: cut there too
                _recover(chunk, base + start, finer, spans, problems, respect_parens=False)
                return
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
