"""Query templates (accounts/query_templates.py): Django's SQL compiled once, the same rows
as the ORM for every input, and no template where the SQL would not be the same."""

import gc
import weakref
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from accounts.query_templates import (
    QueryTemplates,
    fixed_query_templates,
    probes_of,
    query_templates,
    swappable,
    template_make,
)
from accounts.selectors import user_get_active
from organization.models import Organization
from organization.selectors import organization_visible, organization_visible_count


class Built:
    """A builder that counts its calls: a template answers without calling it."""

    def __init__(self, build):
        self.build = build
        self.calls = 0

    def __call__(self, inputs):
        self.calls += 1
        return self.build(inputs)


def users_named_after(inputs):
    return (
        User.objects.filter(pk__gt=inputs[0], username__gte=inputs[1])
        .order_by("pk")
        .values("pk", "username", "is_active", "date_joined")
    )


@pytest.fixture
def users(make_user):
    return [make_user(f"user{number}") for number in range(5)]


def test_a_key_gets_its_template_the_second_time_and_answers_by_it_after(users):
    # given
    templates = QueryTemplates()
    build = Built(users_named_after)
    inputs = (users[0].pk, "user")

    # when
    answers = [templates.rows(("users",), build, inputs) for _ in range(4)]

    # then: the ORM twice (the second also makes the template), then the template alone
    assert build.calls == 2 + 2  # the second request builds for its rows and for the probe
    assert templates.used["users"] == 2
    assert all(answer == list(users_named_after(inputs)) for answer in answers)
    assert [row["username"] for row in answers[0]] == ["user1", "user2", "user3", "user4"]


def test_a_template_swaps_in_each_request_s_values(users):
    # given: a template made from one set of values
    templates = QueryTemplates()
    for _ in range(2):
        templates.rows(("users",), users_named_after, (users[0].pk, "user"))

    for inputs in [(users[2].pk, "user"), (0, "user3"), (users[4].pk, "a"), (0, "zzz")]:
        # when
        with CaptureQueriesContext(connection) as captured:
            rows = templates.rows(("users",), users_named_after, inputs)

        # then: the ORM's rows, with Python's types (SQLite's datetimes converted), one query
        assert rows == list(users_named_after(inputs)), inputs
        assert all(isinstance(row["date_joined"], datetime) for row in rows)
        assert len(captured.captured_queries) == 1
    assert templates.used["users"] == 4


def test_no_template_when_a_value_shapes_the_sql(users):
    # given: a builder whose SQL depends on a value the key does not name
    templates = QueryTemplates()

    def branching(inputs):
        queryset = User.objects.order_by("pk").values("pk")
        return queryset.filter(pk__gt=inputs[0]) if inputs[0] > 0 else queryset

    # when
    answers = [templates.rows(("branching",), branching, (users[1].pk,)) for _ in range(3)]

    # then: the ORM answers every time
    assert templates.used["branching"] == 0
    assert answers[2] == list(branching((users[1].pk,)))


def test_no_template_when_a_value_is_used_other_than_as_it_is(users):
    # given: the input goes into the SQL changed (plus one), not as itself
    templates = QueryTemplates()

    def shifted(inputs):
        return User.objects.filter(pk__gt=inputs[0] + 1).order_by("pk").values("pk")

    # when
    for _ in range(3):
        rows = templates.rows(("shifted",), shifted, (users[0].pk,))

    # then
    assert templates.used["shifted"] == 0
    assert rows == list(shifted((users[0].pk,)))


def test_a_constant_equal_to_an_input_stays_a_constant(users):
    # given: the SQL holds a constant that happens to equal the input
    templates = QueryTemplates()
    pk = users[1].pk

    def both(inputs):
        return User.objects.filter(pk__gte=pk, pk__lte=inputs[0]).order_by("pk").values("pk")

    for _ in range(2):
        templates.rows(("both",), both, (pk,))

    # when: a later request with another value
    rows = templates.rows(("both",), both, (users[3].pk,))

    # then: only the input moved
    assert templates.used["both"] == 1
    assert [row["pk"] for row in rows] == [users[1].pk, users[2].pk, users[3].pk]


def test_values_no_template_swaps_are_answered_by_the_orm_and_spoil_no_key(users):
    # given: a template for the key
    templates = QueryTemplates()
    for _ in range(2):
        templates.rows(("users",), users_named_after, (0, "user"))

    # when: a number past bigint and a string with NUL, as a forged cursor could carry
    huge = templates.rows(("users",), users_named_after, (2**70, "user"))
    again = templates.rows(("users",), users_named_after, (0, "user3"))

    # then: no error; the key keeps its template
    assert huge == []
    assert [row["username"] for row in again] == ["user3", "user4"]
    assert templates.used["users"] == 1
    assert not swappable((2**63,)) and not swappable(("a\x00",)) and not swappable((1.5,))
    assert swappable((2**63 - 1, -(2**63), "text", datetime.now(UTC)))


def test_counts_are_templated_too(users):
    # given
    templates = QueryTemplates()

    def named(inputs):
        return User.objects.filter(username__gte=inputs[0]).values("pk")

    # when
    counts = [templates.count(("named",), named, (value,)) for value in ["a", "a", "user2", "zz"]]

    # then
    assert counts == [5, 5, 3, 0]
    assert templates.used["named"] == 2


def test_templates_are_bounded_least_recently_used_out(users):
    # given: room for two templates and three seen keys
    templates = QueryTemplates(size=2, seen=3)

    # when: four keys, each asked twice
    for key in ["a", "b", "c", "d"]:
        for _ in range(2):
            templates.rows((key,), users_named_after, (0, "user"))

    # then
    assert list(templates._templates) == [("c",), ("d",)]
    assert len(templates._seen) == 0


def test_keys_seen_once_are_bounded(users):
    templates = QueryTemplates(size=2, seen=3)
    for key in range(5):
        templates.rows((key,), users_named_after, (0, "user"))
    assert list(templates._seen) == [(2,), (3,), (4,)]


def test_probes_differ_from_the_inputs_and_each_other():
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    probes = probes_of((1, 1, "a", moment, moment))
    assert len(set(probes)) == 5
    assert [type(probe) for probe in probes] == [int, int, str, datetime, datetime]
    assert probes[3].tzinfo is UTC


def test_template_make_refuses_an_empty_result(users):
    assert template_make(lambda inputs: User.objects.filter(pk__in=[]).values("pk"), (1,)) is None


def test_the_signed_in_user_is_read_by_a_template(users):
    # given
    user_get_active(user_id=str(users[0].pk))
    user_get_active(user_id=str(users[0].pk))  # made

    # when
    found = user_get_active(user_id=str(users[3].pk))
    User.objects.filter(pk=users[4].pk).update(is_active=False)
    inactive = user_get_active(user_id=str(users[4].pk))

    # then: the model, as the ORM builds it, from the template
    assert fixed_query_templates.used["active-user"] == 2
    assert found == users[3] and found.username == "user3"
    assert (found.password, found.token_version) == (users[3].password, users[3].token_version)
    assert found._state.adding is False and found._state.db == "default"
    assert inactive is None


def test_the_setting_turns_templates_off(users, settings):
    # given
    settings.QUERY_TEMPLATES_ENABLED = False
    templates = QueryTemplates()
    build = Built(users_named_after)

    # when
    for _ in range(3):
        rows = templates.rows(("users",), build, (0, "user"))

    # then: the ORM each time, nothing kept
    assert build.calls == 3
    assert templates.used["users"] == 0 and not templates._templates
    assert len(rows) == 5


def test_a_value_equal_to_a_probe_spoils_no_key(users):
    # given: a key seen once
    templates = QueryTemplates()
    templates.rows(("users",), users_named_after, (0, "user"))

    # when: its second request carries a probe's own value (a forged cursor can), then
    # requests as usual
    forged = templates.rows(("users",), users_named_after, (0, probes_of((0, "user"))[1]))
    answers = [templates.rows(("users",), users_named_after, (0, "user")) for _ in range(3)]

    # then: the ORM answered the forged one; the next makes the template, the others use it
    assert len(forged) == 5  # "\x1f..." sorts before every name
    assert templates.used["users"] == 2
    assert all(len(answer) == 5 for answer in answers)


def test_no_template_is_made_from_an_empty_answer(users):
    # given: a key whose first two requests find nothing (rule 3 would compare nothing)
    templates = QueryTemplates()
    for _ in range(2):
        assert templates.rows(("users",), users_named_after, (0, "zzz")) == []

    # when
    rows = templates.rows(("users",), users_named_after, (0, "user3"))
    again = templates.rows(("users",), users_named_after, (0, "user"))

    # then: made from the first rows it could check, used after
    assert [row["username"] for row in rows] == ["user3", "user4"]
    assert len(again) == 5
    assert templates.used["users"] == 1


def test_a_datetime_first_input_with_a_positive_offset_is_probed(users):
    # given: a datetime as the first input, east of UTC (its probe is near year 1)
    moment = datetime(2025, 1, 1, tzinfo=timezone(timedelta(hours=5)))

    def joined_since(inputs):
        return User.objects.filter(date_joined__gte=inputs[0]).order_by("pk").values("pk")

    # when
    template = template_make(joined_since, (moment,))

    # then: no OverflowError; SQLite words the instant as text, so no template there
    if connection.vendor == "postgresql":
        assert template is not None and template.rows((moment,)) == list(joined_since((moment,)))
    else:
        assert template is None


def test_a_template_that_cannot_be_made_fails_no_request(users):
    # given: a builder that fails on values other than the requests' (a probe's)
    templates = QueryTemplates()

    def picky(inputs):
        if inputs[0] < 0:
            raise ValueError("no such value")
        return users_named_after(inputs)

    # when
    answers = [templates.rows(("picky",), picky, (0, "user")) for _ in range(4)]

    # then: the ORM answers each; the key is left to it
    assert all(len(answer) == 5 for answer in answers)
    assert templates._templates[("picky",)] is None


def _page_with_total_templated(templates: QueryTemplates, pk: int) -> weakref.ref:
    viewer = User.objects.get(pk=pk)

    def build(inputs):
        user = viewer if inputs[0] == viewer.pk else User(pk=inputs[0])
        visible = organization_visible(Organization.objects.all(), user=user, with_my_role=False)
        total = organization_visible_count(user=user)
        return visible.annotate(total=total).order_by("pk").values("pk", "total")

    for _ in range(2):
        assert templates.rows(("with total",), build, (viewer.pk,))[0]["total"] == 1
    return weakref.ref(viewer)


def test_a_template_keeps_no_reference_to_the_viewer_who_made_it(users, make_organization):
    # given: a page with its total (a subquery of the viewer's organizations) templated
    make_organization(users[0], name="Acme")
    templates = QueryTemplates()
    made_by = _page_with_total_templated(templates, users[0].pk)

    # when
    gc.collect()

    # then: the viewer is gone; the template answers on
    assert made_by() is None
    assert templates.rows(("with total",), lambda inputs: None, (users[0].pk,))[0]["total"] == 1
    assert templates.used["with total"] == 1


def renaming_on_each_build(user):
    """A builder that renames `user` each time it builds: a write falls between the ORM's
    read and the template's check, so they never agree."""
    writes = iter(range(100))

    def renaming(inputs):
        User.objects.filter(pk=user.pk).update(first_name=f"n{next(writes)}")
        return User.objects.filter(pk__gte=inputs[0]).order_by("pk").values("pk", "first_name")

    return renaming


def test_a_write_between_the_two_reads_is_tried_again(users):
    # given: a builder whose rows change between the ORM's read and the template's check
    templates = QueryTemplates()
    renaming = renaming_on_each_build(users[1])

    # when: the second and third sightings each make a template that fails rule 3
    for _ in range(3):
        templates.rows(("renaming",), renaming, (users[0].pk,))

    # then: no template kept yet, the key is tried again
    assert ("renaming",) not in templates._templates
    assert ("renaming",) in templates._seen


def test_a_key_that_keeps_failing_rule_3_is_left_to_the_orm(users):
    templates = QueryTemplates()
    renaming = renaming_on_each_build(users[1])

    for _ in range(8):
        templates.rows(("renaming",), renaming, (users[0].pk,))

    assert templates._templates[("renaming",)] is None
    assert templates.used["renaming"] == 0


def test_many_page_keys_push_out_no_signed_in_user_template(users):
    # given: the signed-in user's template
    for _ in range(2):
        user_get_active(user_id=str(users[0].pk))

    # when: a caller cycles through more page keys than the store keeps, each twice
    for key in range(300):
        for _ in range(2):
            query_templates.rows(("page", key), users_named_after, (0, "user"))

    # then
    assert ("active-user",) in fixed_query_templates._templates
    user_get_active(user_id=str(users[1].pk))
    assert fixed_query_templates.used["active-user"] == 1
