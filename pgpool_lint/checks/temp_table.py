"""PGB005 temp-table: temporary objects that outlive the transaction."""

from __future__ import annotations

from typing import Iterator, Optional

from ..core.diagnostics import Fix
from ..core.findings import Finding
from ..fix import edits
from ..sql.nodes import is_temporary, may_be_temporary, strings
from ..sql.statement import Statement

CODE = "PGB005"
SUBSTRINGS = ("temp",)  # TEMP, TEMPORARY, pg_temp.
#: CREATE TABLE, CREATE TABLE AS, SELECT INTO, CREATE VIEW, CREATE SEQUENCE, CREATE FUNCTION pg_temp.f
STATEMENT_KINDS = ("CreateStmt", "CreateTableAsStmt", "SelectStmt", "ViewStmt", "CreateSeqStmt", "CreateFunctionStmt")


def may_flag(text: str) -> bool:
    """The gate's finer look at a statement only ``temp`` let through: ``template`` or ``attempt``
    creates no temporary object."""
    return may_be_temporary(text)


def temporary_object(stmt: Statement) -> Optional[tuple[str, str, bool]]:
    """(what, name, can_take_on_commit_drop) of a temporary object this statement creates
    without ON COMMIT DROP, or None."""
    kind, body = stmt.kind, stmt.body
    if kind == "CreateStmt":
        rel = body.get("relation")
        if is_temporary(rel) and body.get("oncommit") != "ONCOMMIT_DROP":
            return "temporary table", rel.get("relname", ""), True
    elif kind == "CreateTableAsStmt":
        into = body.get("into", {})
        if body.get("objtype") != "OBJECT_MATVIEW" and is_temporary(into.get("rel")) and into.get("onCommit") != "ONCOMMIT_DROP":
            return "temporary table", into["rel"].get("relname", ""), True
    elif kind == "SelectStmt":
        into = body.get("intoClause")
        if into and is_temporary(into.get("rel")):
            return "temporary table", into["rel"].get("relname", ""), False
    elif kind == "ViewStmt" and is_temporary(body.get("view")):
        return "temporary view", body["view"].get("relname", ""), False
    elif kind == "CreateSeqStmt" and is_temporary(body.get("sequence")):
        return "temporary sequence", body["sequence"].get("relname", ""), False
    elif kind == "CreateFunctionStmt":
        names = strings(body.get("funcname"))
        if len(names) > 1 and names[-2].lower() == "pg_temp":
            return "temporary function", names[-1], False
    return None


def check(stmt: Statement) -> Iterator[Finding]:
    if stmt.rolled_back:
        return  # created and rolled back: nothing is left
    found = temporary_object(stmt)
    if found is None:
        return
    if edits.ended_by_prepare_transaction(stmt):
        return  # PREPARE TRANSACTION refuses a block that touched temporary objects and rolls it back
    if _dropped_with_parent(stmt):
        return
    what, name, droppable = found
    name = stmt.as_written(name)
    explicit = stmt.body.get("oncommit") in ("ONCOMMIT_PRESERVE_ROWS", "ONCOMMIT_DELETE_ROWS") or (
        stmt.body.get("into", {}).get("onCommit") in ("ONCOMMIT_PRESERVE_ROWS", "ONCOMMIT_DELETE_ROWS")
    )
    rest = "an explicit ON COMMIT PRESERVE/DELETE ROWS keeps the table itself" if explicit else "it lives until the server connection closes"
    message = (
        f"The {what} `{name}` outlives this transaction ({rest}): later transactions may run on another "
        f"server connection without it (`relation \"{name}\" does not exist`), and another client may hit it "
        f"(`relation \"{name}\" already exists`)"
    )
    fix = None
    if droppable:
        help_text = (
            f"Create it inside BEGIN ... COMMIT with `ON COMMIT DROP` and use it only in that transaction; "
            "or run this over a direct (non-pooled) connection."
        )
        fix = on_commit_drop_fix(stmt, name)
    elif what == "temporary table":
        rewrite = _select_into_rewrite(stmt)
        shown = rewrite[0] if rewrite else f"CREATE TEMP TABLE {name} ON COMMIT DROP AS SELECT ..."
        help_text = (
            f"Use `{shown}` inside BEGIN ... COMMIT instead of SELECT ... INTO TEMP; or run this over a direct "
            "(non-pooled) connection."
        )
        if rewrite:
            fix = _with_safety(stmt, name, rewrite[1], "Use `CREATE TEMP TABLE ... ON COMMIT DROP AS`")
    else:
        help_text = (
            f"A {what} cannot be ON COMMIT DROP: use a permanent object, a CTE or a subquery, or drop it before "
            "COMMIT in the same transaction; or run this over a direct (non-pooled) connection."
        )
    yield stmt.finding(CODE, message, help_text, fix=fix)


_EXPLICIT_ON_COMMIT = {"ONCOMMIT_PRESERVE_ROWS", "ONCOMMIT_DELETE_ROWS"}


def _dropped_with_parent(stmt: Statement) -> bool:
    """A temporary PARTITION OF / INHERITS child of a temporary table that the same committed
    block created ON COMMIT DROP: the parent's drop at COMMIT cascades to the child, whatever
    the child's own ON COMMIT says (PostgreSQL's temp.sql regression test: "Using ON COMMIT DROP
    on a parent removes the whole set")."""
    if stmt.kind != "CreateStmt" or stmt.block_start is None or stmt.block_end != "commit":
        return False
    parents = {_temp_name(item["RangeVar"]) for item in stmt.body.get("inhRelations") or [] if "RangeVar" in item}
    if not parents - {None}:
        return False
    dropping = stmt.context.once("temp_table.on_commit_drop", lambda: _dropping(stmt.context.statements))
    return any(index < stmt.index and name in parents for index, name in dropping.get(stmt.block_start, ()))


def _dropping(statements: list) -> dict[int, list[tuple[int, str]]]:
    """block start -> [(statement index, table name)] of its ``ON COMMIT DROP`` temporary tables."""
    dropping: dict[int, list[tuple[int, str]]] = {}
    for other in statements:
        rel = other.body.get("relation") if other.kind == "CreateStmt" else None
        if other.block_start is not None and other.body.get("oncommit") == "ONCOMMIT_DROP" and is_temporary(rel):
            dropping.setdefault(other.block_start, []).append((other.index, rel.get("relname", "").lower()))
    return dropping


def _temp_name(rangevar: dict) -> Optional[str]:
    """The table name a parent reference can mean in the temporary schema (None: another schema)."""
    schema = (rangevar.get("schemaname") or "pg_temp").lower()
    return rangevar.get("relname", "").lower() if schema == "pg_temp" else None


def on_commit_drop_fix(stmt: Statement, name: str) -> Optional[Fix]:
    """``CREATE TEMP TABLE ...`` → ``... ON COMMIT DROP`` (or its ON COMMIT clause → DROP).

    Safe inside a transaction when no statement after its COMMIT mentions the table; unsafe
    when one may, or the COMMIT is not in this text; outside a transaction the table would be
    dropped at once, so display only.
    """
    edit = _on_commit_edit(stmt)
    return None if edit is None else _with_safety(stmt, name, [edit])


def _with_safety(stmt: Statement, name: str, changes: list[edits.Edit], how: str = "Add `ON COMMIT DROP`") -> Fix:
    if not stmt.in_transaction:
        return edits.make_fix(edits.DISPLAY_ONLY, f"Inside BEGIN ... COMMIT: {how[0].lower()}{how[1:]}", *changes)
    end = edits.transaction_end_index(stmt)
    used_later = end is None or edits.used_after(stmt, name, end)
    if used_later or not edits.transaction_is_known(stmt):
        return edits.make_fix(edits.UNSAFE, f"{how} (the table may be used after COMMIT)", *changes)
    return edits.make_fix(edits.SAFE, f"{how}: the table is dropped at COMMIT", *changes)


_INTO_WORDS = frozenset({"TEMPORARY", "TEMP", "LOCAL", "GLOBAL", "UNLOGGED", "TABLE"})


def _select_into_rewrite(stmt: Statement) -> Optional[tuple[str, list[edits.Edit]]]:
    """``SELECT ... INTO TEMP t FROM ...`` → ``CREATE TEMP TABLE t ON COMMIT DROP AS SELECT ... FROM ...``:
    (the new statement, the edits: the INTO clause out, the CREATE in front)."""
    tokens = edits.statement_tokens(stmt)
    into = next((i for i, tok in edits.top_level(tokens) if tok.name == "INTO"), None)
    if into is None:
        return None
    i = into + 1
    while i < len(tokens) and tokens[i].name in _INTO_WORDS:
        i += 1
    last = i
    while last + 2 < len(tokens) and tokens[last + 1].name == "ASCII_46":
        last += 2
    if last >= len(tokens):
        return None
    text = stmt.context.text
    head = (f"{edits.like(_written(stmt, tokens[0]), 'CREATE TEMP TABLE')} {text[tokens[i].start:tokens[last].end]} "
            f"{edits.like(_written(stmt, tokens[0]), 'ON COMMIT DROP AS')} ")
    changes = [edits.insert(stmt.start, head), edits.delete_words(text, tokens[into].start, tokens[last].end)]
    rewritten = edits.apply_fixes(text, [Fix("", "", tuple(sorted(changes, key=lambda e: e.start)))])
    shift = len(rewritten) - len(text)
    return " ".join(rewritten[stmt.start:stmt.end + shift].split()), changes


def _on_commit_edit(stmt: Statement) -> Optional[edits.Edit]:
    tokens = edits.statement_tokens(stmt)
    if not tokens:
        return None
    top = edits.top_level(tokens)
    explicit = (stmt.body.get("oncommit") or stmt.body.get("into", {}).get("onCommit")) in _EXPLICIT_ON_COMMIT
    for n, (i, tok) in enumerate(top):
        if explicit and tok.name == "ON" and n + 3 < len(top) and top[n + 1][1].name == "COMMIT":
            # ON COMMIT {PRESERVE|DELETE} ROWS: replace the two words after ON COMMIT
            return edits.replace(top[n + 2][1].start, top[n + 3][1].end, edits.like(_written(stmt, top[n][1]), "DROP"))
        if not explicit and tok.name in ("TABLESPACE", "AS") and i > 0:
            return edits.insert(tokens[i - 1].end, " " + edits.like(_written(stmt, tokens[0]), "ON COMMIT DROP"))
    if explicit:
        return None
    return edits.insert(tokens[-1].end, " " + edits.like(_written(stmt, tokens[0]), "ON COMMIT DROP"))


def _written(stmt: Statement, tok: "edits.Token") -> str:
    return stmt.context.text[tok.start:tok.end]
