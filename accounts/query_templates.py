"""A plan's SQL, compiled once: the rows of a `.values()` queryset without rebuilding it.

Building and compiling a queryset costs Django about as much as PostgreSQL's
answer to it: on the flat page, 2.5 of 5 ms go to `filter`, `annotate`,
`as_sql` and their clones. A template keeps the SQL Django wrote for a query
and, on later requests, swaps only the values that change: the viewer's id,
cursor values, the organizations whose members a page lists.

The selectors still decide what a caller sees: a template is Django's own SQL
for the queryset they built, and it is made only when these all hold:

1. the caller's `key` names everything that shapes the SQL besides `inputs`
   (which selector and columns, the viewer's kind, page sizes, which cursors
   are given); a builder uses its inputs only as values of the query;
2. `build(inputs)` and `build(probes)` (other values of the same types) give
   the same SQL text, and parameters that differ only where an input stands
   in the first and its probe in the second: those places become the slots,
   every other parameter stays as Django wrote it;
3. the template, run on the request's inputs, gives exactly the ORM's rows, and
   there are some (a count above zero): an empty answer checks nothing, so the
   key waits for one that does.

Anything else keeps the ORM for that key. QUERY_TEMPLATES_ENABLED=false keeps it
for every key. A key is templated the second time
it is seen, so a caller who varies page sizes pays nothing extra; at most
TEMPLATES keys are kept (least recently used out), each a few KB. A caller who
cycles through many keys, each twice, pays one more build and query per key
and can push others' templates out: they are answered by the ORM again, as
fast as before templates, never wrongly.

Converters (SQLite's datetimes and booleans) are the compiler's, computed once
per template; they read only settings-wide values (the time zone), so a
template made on one thread's connection serves every thread's. A template
keeps its SQL, parameters and converters, not the query (which would hold the
request's user), nor any column's expression but a plain column's (a subquery's
would hold the user too). A value equal to a probe, or a builder that fails on
the probes, leaves the key to a later request, or to the ORM: never a failed one.
"""

import logging
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet, Value
from django.db.models.expressions import Col

logger = logging.getLogger(__name__)

TEMPLATES = 256  # keys kept with their SQL
# The values a template swaps in: an int the database's bigint holds (Django words
# another as an empty result, not as a parameter), a str without NUL, a datetime.
BIGINT = range(-(2**63), 2**63)
SEEN = 1024  # keys seen once, waiting for a second request
MISMATCHES = 3  # failed rule-3 checks before a key is left to the ORM


@dataclass(frozen=True)
class QueryTemplate:
    """Django's SQL of one queryset, and where each input goes in its parameters."""

    sql: str
    params: tuple
    slots: tuple[tuple[int, int], ...]  # (parameter position, input index)
    names: tuple[str, ...]
    width: int  # columns a row keeps (Django may select more, to order by)
    converters: tuple[tuple[int, tuple, Any], ...]  # (column, converters, expression)
    using: str

    def rows(self, inputs: tuple) -> list[dict]:
        params = list(self.params)
        for position, index in self.slots:
            params[position] = inputs[index]
        connection = connections[self.using]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            fetched = cursor.fetchall()
        names, width = self.names, self.width
        if not self.converters:
            return [dict(zip(names, row[:width], strict=True)) for row in fetched]
        rows = []
        for row in fetched:
            row = list(row[:width])
            for column, converters, expression in self.converters:
                for convert in converters:  # as SQLCompiler.apply_converters does
                    row[column] = convert(row[column], expression, connection)
            rows.append(dict(zip(names, row, strict=True)))
        return rows


def probes_of(inputs: tuple) -> tuple | None:
    """Stand-ins of `swappable` inputs: of the same types, distinct from each other and from
    every input; None when that cannot be (more datetimes than days in a year)."""
    probes = []
    for index, value in enumerate(inputs):
        if type(value) is int:
            probes.append(-(10**12) - index)
        elif type(value) is str:
            probes.append(f"\x1ftemplate probe {index}")
        elif index < 336:  # year 2: a day east of UTC stays within year 1 there
            probes.append(datetime(2, 1 + index // 28, 1 + index % 28, tzinfo=value.tzinfo))
        else:
            return None
    if len(set(probes)) != len(probes) or set(probes) & set(inputs):
        return None
    return tuple(probes)


def swappable(inputs: tuple) -> bool:
    """Whether every input is a value a template swaps in as it is (see BIGINT)."""
    for value in inputs:
        kind = type(value)
        if (kind is int and value not in BIGINT) or (kind is str and "\x00" in value):
            return False
        if kind not in (int, str, datetime):
            return False
    return True


def _compiled(queryset: QuerySet):
    compiler = queryset.query.get_compiler(queryset.db)
    sql, params = compiler.as_sql()
    return compiler, sql, tuple(params)


def _slots(params: tuple, probed: tuple, inputs: tuple, probes: tuple):
    """Where each input stands, or None when the two parameter lists differ otherwise."""
    if len(params) != len(probed):
        return None
    owner = {
        ((type(v), v), (type(p), p)): i for i, (v, p) in enumerate(zip(inputs, probes, strict=True))
    }
    slots = []
    for position, (value, probe) in enumerate(zip(params, probed, strict=True)):
        if type(value) is type(probe) and value == probe:
            continue
        index = owner.get(((type(value), value), (type(probe), probe)))
        if index is None:
            return None
        slots.append((position, index))
    return tuple(slots)


def template_make(
    build: Callable[[tuple], QuerySet], inputs: tuple, *, counted: bool = False
) -> QueryTemplate | None:
    """The template of `build`'s queryset (rule 2), or None; `counted`: of its row count."""
    if not swappable(inputs):
        return None
    probes = probes_of(inputs)
    if probes is None:
        return None
    try:
        compiler, sql, params = _compiled(build(inputs))
        _, probed_sql, probed = _compiled(build(probes))
    except EmptyResultSet:
        return None
    slots = _slots(params, probed, inputs, probes)
    if sql != probed_sql or slots is None:
        return None
    query = compiler.query
    if query.selected:
        names = tuple(query.selected)
    else:
        names = (*query.extra_select, *query.values_select, *query.annotation_select)
    fields = [column[0] for column in compiler.select[: compiler.col_count]]
    if len(names) != compiler.col_count:
        return None
    if counted:  # as Django counts a sliced or distinct queryset
        counting = f"SELECT COUNT(*) FROM ({sql}) counted"  # noqa: S608 - Django's own SQL
        return QueryTemplate(counting, params, slots, ("count",), 1, (), compiler.using)
    # The converters (bound to this thread's connection) read only settings-wide values.
    converters = tuple(
        (column, tuple(converters), _detached(expression))
        for column, (converters, expression) in compiler.get_converters(fields).items()
    )
    return QueryTemplate(sql, params, slots, names, compiler.col_count, converters, compiler.using)


def _detached(expression):
    """What a converter is given as its column's expression: a column as it is (it names a
    model field), any other expression as a bare value of its type, for one may hold a
    request's user (a subquery of the organizations they see)."""
    if isinstance(expression, Col):
        return expression
    return Value(None, output_field=expression.output_field)


class QueryTemplates:
    """The templates of a process, by key (rule 1), made as the module docstring says."""

    def __init__(self, size: int = TEMPLATES, seen: int = SEEN) -> None:
        self._templates: OrderedDict[Hashable, QueryTemplate | None] = OrderedDict()
        self._seen: OrderedDict[Hashable, None] = OrderedDict()
        self._size, self._seen_size = size, seen
        self._mismatches: Counter[Hashable] = Counter()
        self._lock = threading.Lock()
        # Answers by a template, by the key's first item (tests see the fast path taken).
        self.used: Counter[Hashable] = Counter()

    def rows(self, key: Hashable, build: Callable[[tuple], QuerySet], inputs: tuple) -> list[dict]:
        """The rows of `build(inputs)`, a `.values()` queryset: by its template when there is
        one, else by the ORM."""
        return self._run(key, build, inputs, counted=False)

    def count(self, key: Hashable, build: Callable[[tuple], QuerySet], inputs: tuple) -> int:
        """How many rows `build(inputs)` has, by its template when there is one."""
        return self._run(key, build, inputs, counted=True)[0]["count"]

    def _run(self, key, build, inputs: tuple, *, counted: bool) -> list[dict]:
        usable = settings.QUERY_TEMPLATES_ENABLED and swappable(inputs)
        with self._lock:
            found = key in self._templates
            template = self._templates.get(key)
            if found:
                self._templates.move_to_end(key)
            # A value no template swaps in (a forged cursor's huge number) or probes (one
            # equal to a probe) is answered by the ORM and leaves the key as it was, so it
            # cannot spoil a key for others.
            second = usable and not found and key in self._seen
            if second and probes_of(inputs) is None:
                second = usable = False
            if usable and not found and not second:
                self._seen[key] = None
                if len(self._seen) > self._seen_size:
                    self._seen.popitem(last=False)
            if template is not None and usable:
                self.used[_kind(key)] += 1
        if template is not None and usable:
            return template.rows(inputs)
        queryset = build(inputs)
        rows = [{"count": queryset.count()}] if counted else list(queryset)
        if second and rows and rows != [{"count": 0}]:  # rule 3 compares no empty answer
            try:
                template = template_make(build, inputs, counted=counted)
            except Exception:  # a builder that fails on the probes: the key is the ORM's
                logger.warning("No query template for %r", key, exc_info=True)
                template = None
            if template is not None and template.rows(inputs) != rows:
                # Rule 3: the SQL differs, or a write fell between the two reads;
                # the key is tried again, MISMATCHES times at most.
                template = None
                if self._mismatched(key):
                    return rows
            self._keep(key, template)
        return rows

    def _mismatched(self, key: Hashable) -> bool:
        """Count a failed rule 3; whether the key may be tried again."""
        with self._lock:
            self._mismatches[key] += 1
            if len(self._mismatches) > self._seen_size:
                self._mismatches.clear()
            return self._mismatches[key] < MISMATCHES

    def _keep(self, key: Hashable, template: QueryTemplate | None) -> None:
        with self._lock:
            self._mismatches.pop(key, None)
            self._seen.pop(key, None)
            self._templates[key] = template
            if len(self._templates) > self._size:
                self._templates.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._templates.clear()
            self._seen.clear()
            self._mismatches.clear()
            self.used.clear()


def _kind(key: Hashable) -> Hashable:
    return key[0] if isinstance(key, tuple) and key else key


query_templates = QueryTemplates()
# The few keys nearly every request uses (the signed-in user's lookup), apart: no
# caller cycling through page keys can push them out.
fixed_query_templates = QueryTemplates(size=16, seen=16)
