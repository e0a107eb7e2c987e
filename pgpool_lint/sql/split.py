"""Split with recovery: statement spans of a SQL text, and the parse problems in it.

``split_with_recovery`` asks libpg_query to split the whole text (a C parse, no Python
objects).  When that fails, the text is cut on top-level semicolons (pglast's scanner, or
our own splitter when the scanner rejects the text), every piece is parsed on its own,
and each piece that still fails becomes one parse problem: the statements around it are
still linted.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Optional

from . import pgparser
from .neutralise import NeutralText, split_statements


@dataclass(frozen=True)
class ParseProblem:
    """A statement libpg_query rejects: where, and why."""

    start: int
    message: str
    #: the statement that failed, as cut by the splitter (for telling another dialect from a mistake)
    statement: tuple[int, int] = (0, 0)


def _coarse_cut(text: str) -> tuple[list[tuple[int, int]], Optional[set[int]]]:
    """Top-level statements by PostgreSQL's own scanner; our splitter if it rejects the text.

    A ``;`` ends a statement outside parentheses and ``BEGIN ATOMIC ... END`` bodies (as
    ``AtomicBodyDepth`` counts them).  The scanner's tokens are read as columns and only those
    that can matter are looked at (semicolons, parentheses, BEGIN, ATOMIC, CASE, END): a
    regression-test file has tens of thousands of tokens, nearly all of them other words.

    Also which pieces may be more than one statement to the parser (``_accept_run``): the
    indexes of those with a ``;`` outside parentheses inside what was counted as a BEGIN
    ATOMIC body (``SELECT begin atomic; ...`` is no body); None when our splitter cut the text
    (its tokens are not the parser's)."""
    try:
        starts, ends, kinds, to_char, name_of = pgparser.scan_columns(text)
    except pgparser.ParseError:
        return split_statements(text), None
    classes = {kind: _TOKEN_CLASSES.get(name_of(kind), _TOK_OTHER) for kind in set(kinds)}
    comment = {kind for kind, cls in classes.items() if cls is _TOK_COMMENT}
    marks = {kind for kind, cls in classes.items() if cls is not _TOK_OTHER and cls is not _TOK_COMMENT}
    spans: list[tuple[int, int]] = []
    in_body: set[int] = set()
    depth = body = 0
    start: Optional[int] = None
    seek = 0  # with no statement started: the first token that may start one
    for i in [i for i, kind in enumerate(kinds) if kind in marks]:
        cls = classes[kinds[i]]
        if start is None:  # the statement starts at its first token that is not a comment
            first = _first_not_in(kinds, comment, seek, i)
            if first is not None:
                start = to_char(starts[first])
        if cls is _TOK_SEMICOLON and depth == 0:
            if body == 0:
                if start is not None:
                    spans.append((start, to_char(starts[i])))
                start = None
                seek = i + 1
                continue
            in_body.add(len(spans))
        if start is None:
            start = to_char(starts[i])
        if cls is _TOK_OPEN:
            depth += 1
        elif cls is _TOK_CLOSE:
            depth = max(0, depth - 1)
        elif cls is _TOK_ATOMIC:
            if _follows_begin(kinds, classes, i):
                body += 1
        elif body and cls is _TOK_CASE:  # CASE ... END inside the body
            body += 1
        elif body and cls is _TOK_END:
            body -= 1
    if start is None:
        first = _first_not_in(kinds, comment, seek, len(kinds))
        if first is not None:
            start = to_char(starts[first])
    if start is not None:
        last = len(kinds) - 1
        while kinds[last] in comment:
            last -= 1
        spans.append((start, to_char(ends[last] - 1) + 1))
    return spans, in_body


def _first_not_in(kinds, skipped: set, lo: int, hi: int) -> Optional[int]:
    """The first index in [lo, hi) whose kind is not in ``skipped``."""
    for i in range(lo, hi):
        if kinds[i] not in skipped:
            return i
    return None


def _follows_begin(kinds, classes: dict, i: int) -> bool:
    """Token ``i`` comes right after BEGIN, comments and parentheses aside (``BEGIN ATOMIC``).
    The walk back stops at the first other token, so the walks of all tokens are disjoint."""
    i -= 1
    while i >= 0 and classes[kinds[i]] in (_TOK_COMMENT, _TOK_OPEN, _TOK_CLOSE):
        i -= 1
    return i >= 0 and classes[kinds[i]] is _TOK_BEGIN


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
    # as UTF-8 only, so the piece is not held twice while libpg_query parses it
    return pgparser.split_utf8(text[start:end].encode("utf-8"))


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
    texts a piece at a time; ``--no-gate`` turns it off, so the gate test covers it too).

    When the whole text does not parse, the pieces before the one its error is in are
    statements as they stand (``_accept_run``): only the rest is parsed again."""
    if in_pieces and len(text) > SPLIT_PIECE:
        spans = _split_in_pieces(text if isinstance(text, NeutralText) else NeutralText(text), SPLIT_PIECE)
        if spans is not None:
            return spans, []
    text = str(text)  # the whole text at once from here
    try:
        return pgparser.split_spans(text), []
    except pgparser.ParseError as err:
        error_at = _error_at(err)
    spans: list[tuple[int, int]] = []
    problems: list[ParseProblem] = []
    pieces, in_body = _coarse_cut(text)
    first = 0
    if pieces and in_body is not None and error_at is not None:
        k = _piece_at(pieces, 0, len(pieces), error_at - pieces[0][0])
        _accept_run(text, 0, pieces, 0, k, spans, problems, in_body)
        _recover_piece(text, 0, pieces[k], spans, problems, respect_parens=True)
        first = k + 1
    _recover(text, 0, pieces, spans, problems, respect_parens=True, in_body=in_body, first=first)
    return spans, problems


def _recover(text: str, base: int, pieces: list[tuple[int, int]], spans: list, problems: list,
             respect_parens: bool, in_body: Optional[set[int]] = None, first: int = 0) -> None:
    """The spans and problems of ``pieces[first:]`` (offsets into ``text``, plus ``base``), a
    run of ``_RECOVER_BATCH`` pieces at a time; ``in_body`` as ``_coarse_cut`` gives it."""
    for i in range(first, len(pieces), _RECOVER_BATCH):
        _recover_run(text, base, pieces, i, min(i + _RECOVER_BATCH, len(pieces)), spans, problems, respect_parens,
                     in_body)


#: pieces parsed together while they parse (one libpg_query call instead of one each)
_RECOVER_BATCH = 32


def _recover_run(text: str, base: int, pieces: list[tuple[int, int]], i: int, j: int, spans: list, problems: list,
                 respect_parens: bool, in_body: Optional[set[int]]) -> None:
    """``pieces[i:j]``: parsed together when they all parse; else the piece the parser's error
    points at goes alone, the pieces before it are kept as they stand (cut on the scanner's
    tokens, ``_accept_run``) or parsed together again (cut by our splitter), and the pieces
    after it are the next run (with no position to go by: halves down to one piece)."""
    while j - i > 1:
        found, error_at = _run_spans(text, pieces, i, j)
        if found is not None:
            spans.extend((base + start, base + stop) for start, stop in found)
            return
        k = _piece_at(pieces, i, j, error_at)
        if k is None:
            middle = (i + j) // 2
            _recover_run(text, base, pieces, i, middle, spans, problems, respect_parens, in_body)
            _recover_run(text, base, pieces, middle, j, spans, problems, respect_parens, in_body)
            return
        if in_body is not None:
            _accept_run(text, base, pieces, i, k, spans, problems, in_body)
        elif k > i:
            _recover_run(text, base, pieces, i, k, spans, problems, respect_parens, in_body)
        _recover_piece(text, base, pieces[k], spans, problems, respect_parens)
        i = k + 1
    if i < j:
        _recover_piece(text, base, pieces[i], spans, problems, respect_parens)


def _accept_run(text: str, base: int, pieces: list[tuple[int, int]], i: int, k: int, spans: list, problems: list,
                in_body: set[int]) -> None:
    """``pieces[i:k]``, cut on the scanner's tokens, which libpg_query read through without an
    error when parsing them followed by ``;`` and more (it stopped at an error in a later
    piece): each is then one statement that parses on its own, spanning its piece without the
    white space at its end, so it is not parsed again.

    Why: an LR parser never reads past the first token it cannot take, so every token of these
    pieces and the ``;`` after each were taken; the cut falls outside parentheses (the
    scanner's parentheses are the parser's, balanced in text the parser took) and outside
    BEGIN ATOMIC bodies, so each ``;`` ended a statement, which parses the same followed by the
    end of the text (``_run_spans``).  A piece with a ``;`` inside what the cut counted as a
    body (``in_body``) may be several statements: it is parsed alone."""
    for m in range(i, k):
        start, end = pieces[m]
        if m in in_body:
            _recover_piece(text, base, pieces[m], spans, problems, respect_parens=True)
            continue
        if end > start and text[end - 1].isspace():  # as str.strip() strips (in C: a run of blanks may be long)
            end = start + len(text[start:end].rstrip())
        spans.append((base + start, base + end))


def _error_at(err: Exception) -> Optional[int]:
    """The character offset of a ``ParseError``, None when it has none."""
    return err.args[1] if len(err.args) > 1 else None


def _piece_at(pieces: list[tuple[int, int]], i: int, j: int, error_at: Optional[int]) -> Optional[int]:
    """Which of ``pieces[i:j]`` holds ``error_at`` (an offset into the text the pieces were
    parsed as, from the start of ``pieces[i]``); the last piece starting at or before it.
    Whichever piece this names, each piece is still linted as on its own: the pieces before it
    are verified together (``_run_spans``) and any piece that fails is parsed alone."""
    if error_at is None:
        return None
    return max(i, bisect.bisect_right(pieces, (pieces[i][0] + error_at, float("inf")), i, j) - 1)


def _run_spans(text: str, pieces: list[tuple[int, int]], i: int, j: int) -> tuple[Optional[list[tuple[int, int]]], Optional[int]]:
    """Spans of ``pieces[i:j]`` parsed as one text, if that gives exactly one statement per
    piece, starting where the piece starts and ending inside it: then each piece parses on
    its own to that same statement (a statement's tokens parse the same followed by ``;`` or
    by the end of the text), so the spans are what parsing piece by piece gives.  Else None,
    with the position of the parser's error in that text when it failed with one."""
    first = pieces[i][0]
    try:
        found = pgparser.split_spans(text[first:pieces[j - 1][1]])
    except pgparser.ParseError as err:
        return None, _error_at(err)
    if len(found) != j - i:
        return None, None
    out = []
    for (start, stop), (piece_start, piece_end) in zip(found, pieces[i:j]):
        start, stop = start + first, stop + first
        if start != piece_start or stop > piece_end:
            return None, None
        out.append((start, stop))
    return out, None


def _recover_piece(text: str, base: int, piece: tuple[int, int], spans: list, problems: list,
                   respect_parens: bool) -> None:
    """One piece on its own: its statements, or its parse error (and what follows it)."""
    start, end = piece
    chunk = text[start:end]
    try:
        for s_start, s_stop in pgparser.split_spans(chunk):
            spans.append((base + start + s_start, base + start + s_stop))
    except pgparser.ParseError as err:
        if respect_parens and chunk.find(";", 0, len(chunk) - 1) != -1:  # else the splitter below finds no second statement
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
