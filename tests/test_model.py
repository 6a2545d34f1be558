"""The one definition of an event: what it accepts, what it refuses, and the schema derived from it."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from dashboard.model import (
    CollectionSettings,
    EventFile,
    Link,
    Place,
    Relation,
    Source,
    event_json_schema,
    slugify,
)
from dashboard.readers.yaml_events import load_settings

MINIMAL = {"title": "A title", "date": "2022-02-16", "category": "diplomacy"}


def event(**changes):
    return EventFile.model_validate({**MINIMAL, **changes})


def error_locations(error: ValidationError) -> list[tuple]:
    return [tuple(item["loc"]) for item in error.errors()]


def test_minimal_event_has_empty_defaults():
    ev = event()
    assert ev.id is None
    assert ev.approximate is False
    assert ev.actors == ev.places == ev.quotes == ev.sources == ev.tags == ev.links == []
    assert ev.summary == ""


@pytest.mark.parametrize("key", ["title", "date", "category"])
def test_required_keys(key):
    data = dict(MINIMAL)
    del data[key]
    with pytest.raises(ValidationError) as caught:
        EventFile.model_validate(data)
    assert (key,) in error_locations(caught.value)


def test_unknown_key_is_forbidden():
    with pytest.raises(ValidationError) as caught:
        event(summray="typo")
    assert caught.value.errors()[0]["type"] == "extra_forbidden"


def test_unknown_key_in_a_place_is_forbidden():
    with pytest.raises(ValidationError) as caught:
        event(places=[{"name": "Kyiv", "latitude": 50.4}])
    assert ("places", 0, "latitude") in error_locations(caught.value)


def test_yaml_dates_and_years_become_text():
    # YAML reads 2022-02-16 as a date and 2022 as an int; the model keeps the text either way.
    assert event(date=dt.date(2022, 2, 16)).date == "2022-02-16"
    assert event(date=2022).date == "2022"
    assert event(date=dt.datetime(2022, 2, 16, 14, 30)).date == "2022-02-16T14:30:00"


def test_whitespace_around_text_is_stripped():
    assert event(title="  Padded  ").title == "Padded"


@pytest.mark.parametrize("bad_id", ["Has Space", "UPPER", "-leading-hyphen", "../escape", "a/b"])
def test_id_must_be_a_slug(bad_id):
    with pytest.raises(ValidationError):
        event(id=bad_id)


def test_id_may_hold_digits_dots_and_hyphens():
    assert event(id="2022-02-16.nato_meeting").id == "2022-02-16.nato_meeting"


def test_place_needs_both_coordinates_or_neither():
    assert Place(name="Kyiv").lat is None
    assert Place(name="Kyiv", lat=50.45, lon=30.52).lon == 30.52
    with pytest.raises(ValidationError, match="both lat and lon"):
        Place(name="Kyiv", lat=50.45)


@pytest.mark.parametrize(("lat", "lon"), [(91, 0), (-91, 0), (0, 181), (0, -181)])
def test_coordinates_out_of_range_are_refused(lat, lon):
    with pytest.raises(ValidationError):
        Place(name="Nowhere", lat=lat, lon=lon)


def test_latitude_in_words_is_refused():
    with pytest.raises(ValidationError):
        Place(name="Kyiv", lat="north", lon=30.5)


def test_country_is_a_two_letter_code():
    assert Place(name="Kyiv", country="UA").country == "UA"
    with pytest.raises(ValidationError):
        Place(name="Kyiv", country="Ukraine")


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/file", "www.example.org"])
def test_source_url_must_be_a_web_address(url):
    with pytest.raises(ValidationError, match="http"):
        Source(title="Report", url=url)


def test_source_url_accepts_http_and_https():
    assert Source(title="Report", url="HTTPS://example.org").url == "HTTPS://example.org"
    assert Source(title="Report", url="http://example.org").url == "http://example.org"


def test_source_published_must_be_an_iso_date():
    assert Source(title="Report", published=dt.date(2022, 2, 16)).published == "2022-02-16"
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        Source(title="Report", published="16 Feb 2022")


def test_published_is_the_first_dated_source():
    ev = event(
        sources=[
            {"title": "Undated"},
            {"title": "Dated", "published": "2022-02-16"},
            {"title": "Later", "published": "2022-02-20"},
        ]
    )
    assert ev.published == dt.date(2022, 2, 16)
    assert event().published is None


def test_unknown_timezone_is_refused_with_an_example():
    assert event(timezone="Europe/Kyiv").timezone == "Europe/Kyiv"
    with pytest.raises(ValidationError, match="unknown time zone"):
        event(timezone="Europe/Atlantis")


def test_blank_actor_or_tag_is_refused():
    with pytest.raises(ValidationError, match="must not be empty"):
        event(actors=["Joe Biden", "  "])
    with pytest.raises(ValidationError, match="must not be empty"):
        event(tags=[""])


def test_link_relation_defaults_to_follows_and_must_be_known():
    assert Link(to="other").relation == Relation.FOLLOWS
    assert Link(to="other", relation="responds-to").relation == Relation.RESPONDS_TO
    with pytest.raises(ValidationError):
        Link(to="other", relation="likes")


def test_title_length_is_limited():
    with pytest.raises(ValidationError):
        event(title="x" * 201)


def test_collection_settings_check_colours(tmp_path):
    settings = CollectionSettings.model_validate({"categories": {"diplomacy": {"color": "#3361F0"}}})
    assert settings.categories["diplomacy"].color == "#3361F0"
    with pytest.raises(ValidationError):
        CollectionSettings.model_validate({"categories": {"diplomacy": {"color": "blue"}}})
    # The settings file beside the events is checked the same way, and its problem names it.
    (tmp_path / "_collection.yaml").write_text("categories:\n  diplomacy: {color: blue}\n", encoding="utf-8")
    read, [problem] = load_settings(tmp_path)
    assert read == CollectionSettings()
    assert (problem.path, problem.line, problem.column) == ("_collection.yaml", 2, 22)
    assert problem.message.startswith("'categories.diplomacy.color'")


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("NATO defence ministers meet", "nato-defence-ministers-meet"),
        ("Zelenskyy: “We are united”!", "zelenskyy-we-are-united"),
        ("Übung in Köln", "ubung-in-koln"),
        ("!!!", "event"),
    ],
)
def test_slugify_makes_a_valid_id(title, slug):
    assert slugify(title) == slug
    assert event(id=slugify(title)).id == slug


def test_slugify_keeps_ids_short():
    slug = slugify("word " * 40)
    assert len(slug) <= 60
    assert not slug.endswith("-")


def test_json_schema_forbids_unknown_keys_and_lists_fields():
    schema = event_json_schema()
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["additionalProperties"] is False
    assert {"title", "date", "category", "end", "places", "sources", "links"} <= set(schema["properties"])
    assert set(schema["required"]) == {"title", "date", "category"}
    # Nested parts forbid unknown keys too, so editors flag 'latitude:' inside a place.
    for part in ("Place", "Source", "Quote", "Link"):
        assert schema["$defs"][part]["additionalProperties"] is False
