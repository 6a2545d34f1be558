"""timeline draft: an article's sentences, dates, actors and places turned into draft event files."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from dashboard.cli import cli
from dashboard.dates import edtf_of
from dashboard.drafting import ArticleSource, draft_article, parse_article, summary_lines, write_drafts
from dashboard.drafting.compare import agreeing, compare, same_day
from dashboard.drafting.draft import shorten, tense
from dashboard.drafting.files import category_of, cut_at_word
from dashboard.drafting.people import People, canonical, find_actors
from dashboard.drafting.text import Block, sentences
from dashboard.drafting.when import find_dates
from dashboard.model import EVIDENCE_MAX
from dashboard.store import load_collection
from dashboard.table import C

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "tests" / "data" / "article" / "dw-2022-02-16.txt"
WEDNESDAY = dt.date(2022, 2, 16)
SUNDAY = dt.date(2022, 2, 20)
DW = ArticleSource("Report on NATO, Russia and Ukraine", "DW", WEDNESDAY, "https://www.dw.com/en/report")


@dataclass(frozen=True)
class StubPlace:
    name: str
    country: str
    lat: float
    lon: float


class StubGazetteer:
    """The gazetteer's places_in, over a few places, so that these tests do not hang on its data."""

    PLACES = {
        "Brussels": StubPlace("Brussels", "BE", 50.85, 4.35),
        "Mariupol": StubPlace("Mariupol", "UA", 47.1, 37.54),
        "Kyiv": StubPlace("Kyiv", "UA", 50.45, 30.52),
        "Ukraine": StubPlace("Ukraine", "UA", 50.45, 30.52),
    }

    def places_in(self, text: str) -> list[StubPlace]:
        return [place for name, place in self.PLACES.items() if name in text]


def drafted(text: str, ref: dt.date = WEDNESDAY, kind: str = "text"):
    return draft_article(parse_article(text, kind), ref, StubGazetteer())


# ---- reading and sentences -----------------------------------------------------------------------------------


def test_sentences_keep_abbreviations_and_quotations_whole():
    block = Block("Dr. Smith met U.S. officials in Brussels. “We will go. Soon,” he said. He left.")
    assert sentences(block) == [
        "Dr. Smith met U.S. officials in Brussels.",
        "“We will go. Soon,” he said.",
        "He left.",
    ]


def test_plain_text_headings_and_wrapped_lines():
    article = parse_article(
        "What is Ukraine's position\nThe UK said on Wednesday it would send\ntanks to Estonia.\n\nMore news\n", "text"
    )
    assert [(block.text, block.heading) for block in article.blocks] == [
        ("What is Ukraine's position", True),
        ("The UK said on Wednesday it would send tanks to Estonia.", False),
        ("More news", True),
    ]


def test_markdown_is_stripped_to_text_and_headings_make_no_drafts():
    text = "# NATO meets\n\nThe **UK** said on [Wednesday](https://example.com) it would send `tanks`.\n"
    article = parse_article(text, "markdown")
    assert article.title == "NATO meets"
    assert article.blocks[1].text == "The UK said on Wednesday it would send tanks."
    result = draft_article(article, WEDNESDAY)
    assert [d.sentences for d in result.drafts] == [["The UK said on Wednesday it would send tanks."]]


def test_html_is_stripped_to_text_without_scripts():
    page = (
        "<html><head><title>The report</title><script>alert(1)</script></head><body><nav>Home</nav>"
        "<h2>What happened?</h2><p>The <b>UK</b> said on Wednesday it would send tanks.<br>It did.</p>"
        "<script>var x = 'Monday';</script></body></html>"
    )
    article = parse_article(page, "html")
    assert article.title == "The report"
    assert [(b.text, b.heading) for b in article.blocks] == [
        ("What happened?", True),
        ("The UK said on Wednesday it would send tanks. It did.", False),
    ]


def test_the_kind_of_file_by_its_ending_or_a_look(tmp_path):
    from dashboard.drafting.text import kind_of

    assert kind_of(tmp_path / "a.html", "") == "html"
    assert kind_of(tmp_path / "a.md", "") == "markdown"
    assert kind_of(tmp_path / "a", "<!DOCTYPE html><p>x</p>") == "html"
    assert kind_of(tmp_path / "a", "# Title\n\ntext") == "markdown"
    assert kind_of(tmp_path / "a.txt", "<p>x</p>") == "text"


# ---- dates ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "written", "edtf"),
    [
        ("The UK said Wednesday it would act.", "Wednesday", "2022-02-16"),
        ("He spoke on Wednesday.", "on Wednesday", "2022-02-16"),
        ("Monday's call was long.", "Monday's", "2022-02-14"),
        ("They met last Monday.", "last Monday", "2022-02-14"),
        ("It happened earlier in the week.", "earlier in the week", "2022-02-14~/2022-02-15~"),
        ("They meet next week.", "next week", "2022-02-21~/2022-02-27~"),
        ("Prices rose last month.", "last month", "2022-01"),
        ("Talks began on 14 February 2022.", "on 14 February 2022", "2022-02-14"),
        ("Troops left on Feb. 3, officials said.", "on Feb. 3", "2022-02-03"),
        ("The tour was done by Wednesday.", "by Wednesday", "../2022-02-16"),
        ("Talks have gone on since Monday.", "since Monday", "2022-02-14/.."),
        ("It rained in mid-February.", "mid-February", "2022-02-11~/2022-02-20~"),
        ("The talks ended three days ago.", "three days ago", "2022-02-13"),
    ],
)
def test_each_date_form_against_a_wednesday(sentence, written, edtf):
    found = find_dates(sentence, WEDNESDAY)
    assert [(f.text, f.edtf) for f in found] == [(written, edtf)]


def test_dates_against_a_sunday():
    assert [f.edtf for f in find_dates("They met on Monday.", SUNDAY)] == ["2022-02-14"]
    assert [f.edtf for f in find_dates("They met earlier in the week.", SUNDAY)] == ["2022-02-14~/2022-02-19~"]
    later = find_dates("They meet later in the week.", SUNDAY)
    assert later[0].when is None and "Sunday" in later[0].problem


def test_words_that_are_no_date_give_none():
    assert find_dates("Two days of meetings are scheduled.", WEDNESDAY) == []
    assert find_dates("They may meet in Brussels.", WEDNESDAY) == []


def test_a_sentence_dates_its_draft_and_a_second_date_is_listed_unused():
    result = drafted("Zelenskyy reacted earlier in the week by declaring Wednesday a day of unity.")
    assert edtf_of(result.drafts[0].when) == "2022-02-14~/2022-02-15~"
    assert [(u.date, u.reason) for u in result.unused] == [("Wednesday", "a draft is dated earlier in the week")]
    lines = summary_lines(result)
    assert lines[0] == "1 draft, 0 with a day-precise date, 0 merged; sentences with a date not used: 1"
    assert '"Wednesday"' in lines[1]


def test_a_date_that_cannot_be_read_is_listed_and_headings_are_no_drafts():
    result = drafted("What happens next week?\nThe ministers will meet later in the week.\n", ref=SUNDAY)
    assert [u.date for u in result.unused] == ["next week", "later in the week"]
    assert result.drafts == []  # not dated as if the article named no day


@pytest.mark.parametrize(
    ("sentence", "date", "why"),
    [
        ("Russia attacked on 12/11/2021.", "on 12/11/2021", "could be 12 November or 11 December"),
        ("The treaty was signed in 1600.", "1600", "outside the years the timeline can show"),
        ("The summit happened in the year 10000.", "the year 10000", "not a real date"),
        ("Russia attacked on 30 February.", "on 30 February", "not a real date"),
        ("Russia attacked on 0000-00-00.", "on 0000-00-00", "not a real date"),
    ],
)
def test_a_sentence_whose_date_cannot_be_used_is_listed_and_makes_no_draft(sentence, date, why):
    result = drafted(sentence)
    assert result.drafts == []
    [(unused_date, reason)] = [(u.date, u.reason) for u in result.unused]
    assert unused_date == date and why in reason
    assert (
        summary_lines(result)[0] == "0 drafts, 0 with a day-precise date, 0 merged; sentences with a date not used: 1"
    )


@pytest.mark.parametrize(
    ("sentence", "edtf"),
    [
        ("Russia attacked on 31/12/2021.", "2021-12-31"),  # a numeric date that reads one way only
        ("Something happened 3 days ago in Kyiv.", "2022-02-13"),  # dateparser's match takes the "in"
        ("The treaty will be signed in 2199.", "2199"),
        ("Crimea has been held since 2014.", "2014/.."),
    ],
)
def test_numeric_dates_years_and_days_ago_date_their_drafts(sentence, edtf):
    (draft,) = drafted(sentence).drafts
    assert edtf_of(draft.when) == edtf


def test_a_day_without_a_year_is_the_last_one_before_publication_unless_still_to_come():
    january = dt.date(2022, 1, 10)
    assert [edtf_of(d.when) for d in drafted("NATO met in Brussels on Dec. 20.", january).drafts] == ["2021-12-20"]
    assert [edtf_of(d.when) for d in drafted("NATO will meet on Dec. 20.", january).drafts] == ["2022-12-20"]
    assert [edtf_of(d.when) for d in drafted("NATO met on Jan. 3.", january).drafts] == ["2022-01-03"]
    assert find_dates("They met in 1000 cities.", WEDNESDAY) == []  # a count, not a year


def test_an_article_with_no_dated_happening_says_so():
    result = drafted("Die Minister trafen sich am Mittwoch in Brüssel.")
    assert result.drafts == [] and result.unused == []
    assert summary_lines(result)[1] == "no dated happenings found (the drafter reads English)"
    assert len(summary_lines(drafted("NATO met on Monday."))) == 1


# ---- tense, merging ------------------------------------------------------------------------------------------


def test_tense():
    assert tense("Kyiv authorities gave a tour of the shelter.") == "past"
    assert tense("The US has already begun a deployment.") == "past"
    assert tense("Ukraine formally appealed to the council.") == "past"
    assert tense("Two days of meetings are scheduled in Brussels.") == "future"
    assert tense("The ministers will meet in Brussels.") == "future"
    assert tense("The proposed battlegroup would mirror deployments.") == ""
    assert tense("“We will go,” he said.") == "past"  # the quote's words are not the narration's


def test_a_past_sentence_without_a_date_is_dated_by_the_publication_day():
    result = drafted("In the capital, Kyiv authorities gave a tour of the bomb shelter.")
    (draft,) = result.drafts
    assert edtf_of(draft.when) == "../2022-02-16"
    assert draft.actors == ["Kyiv authorities"]
    assert draft.places == [{"name": "Kyiv", "country": "UA", "lat": 50.45, "lon": 30.52}]
    assert result.day_precise == 0


def test_a_future_sentence_without_a_date_is_on_or_after_the_day_and_noted():
    result = drafted("Two days of meetings are scheduled at NATO headquarters in Brussels.")
    (draft,) = result.drafts
    assert edtf_of(draft.when) == "2022-02-16/.."
    assert draft.future


def test_a_sentence_that_tells_nothing_done_makes_no_draft():
    assert drafted("The proposed battlegroup in Romania would mirror similar deployments.").drafts == []


def test_a_continuing_sentence_is_merged_and_its_quote_kept():
    text = (
        "NATO Secretary-General Jens Stoltenberg said Wednesday that NATO sees no de-escalation.\n"
        "Stoltenberg said the alliance was moving to set up a battlegroup in Romania.\n"
        "He added, “We don’t know what will happen, but we know what has already happened.”\n"
        "Ukrainian Prime Minister Denys Shmyhal thanked the European Parliament.\n"
    )
    result = drafted(text)
    assert result.merged == 2
    first, second = result.drafts
    assert len(first.sentences) == 3 and edtf_of(first.when) == "2022-02-16"
    assert first.quotes == [
        {
            "text": "We don’t know what will happen, but we know what has already happened.",
            "speaker": "Jens Stoltenberg",
        }
    ]
    assert "Romania" in first.actors
    assert second.subject == "Denys Shmyhal" and edtf_of(second.when) == "../2022-02-16"
    assert summary_lines(result)[0].startswith("2 drafts, 1 with a day-precise date, 2 merged")


def test_a_sentence_with_its_own_date_is_never_merged():
    result = drafted("Zelenskyy spoke in Kyiv on Monday.\nHe spoke in Mariupol on Wednesday.\n")
    assert [edtf_of(d.when) for d in result.drafts] == ["2022-02-14", "2022-02-16"]
    assert result.merged == 0


# ---- actors, places, titles ----------------------------------------------------------------------------------


def test_actors_titles_organisations_and_countries():
    people = People(places={"Brussels"})
    names = [
        a.name
        for a in find_actors(
            "After talks in Brussels, US President Joe Biden and German Chancellor Olaf Scholz called the UN "
            "Security Council about the Russian Duma, NATO and the UK.",
            people,
        )
    ]
    assert names == ["United States", "Joe Biden", "Germany", "Olaf Scholz", "UN Security Council", "State Duma",
                     "NATO", "United Kingdom"]  # fmt: skip
    assert [a.name for a in find_actors("Biden spoke. Scholz said “Javelin Day” loudly.", people)] == [
        "Joe Biden",
        "Olaf Scholz",
    ]  # a surname is the person named before; quoted words are no actor


def test_a_capitalised_first_word_is_no_name_unless_known():
    people = People()
    assert [a.name for a in find_actors("Speaking in public, Mikk Marran said so.", people)] == ["Mikk Marran"]
    assert [a.name for a in find_actors("Ukraine appealed.", people)] == ["Ukraine"]


def test_places_from_the_gazetteer_and_countries_as_actors():
    result = drafted("Speaking in Mariupol on Wednesday, President Volodymyr Zelenskyy of Ukraine said so.")
    (draft,) = result.drafts
    assert [p["name"] for p in draft.places] == ["Mariupol"]  # Ukraine is an actor, not a pin
    assert draft.actors == ["Volodymyr Zelenskyy", "Ukraine"]
    assert draft.title == "Volodymyr Zelenskyy of Ukraine said so"


def test_places_from_the_real_gazetteer():
    from dashboard import gazetteer

    result = draft_article(parse_article("Zelenskyy spoke in Mariupol and Rivne on Wednesday.", "text"), WEDNESDAY,
                           gazetteer)  # fmt: skip
    places = result.drafts[0].places
    assert [(p["name"], p["country"]) for p in places] == [("Mariupol", "UA"), ("Rivne", "UA")]
    assert abs(float(str(places[0]["lat"])) - 47.1) < 0.1


def test_titles_are_short_at_a_word_and_without_closing_punctuation():
    text = (
        "NATO Secretary-General Jens Stoltenberg said Wednesday that NATO continues to see an increase in Russia’s "
        "military buildup on Ukraine’s borders even as Moscow made gestures."
    )
    title = drafted(text).drafts[0].title
    assert title == "Jens Stoltenberg said NATO continues to see an increase in Russia’s military buildup"
    assert len(title) <= 90
    assert shorten("A thing happened (in part.") == "A thing happened"
    assert shorten("“Quoted words that run on and on", 20) == "Quoted words"  # no dangling "that", no lone quote


def test_canonical_names_for_the_comparison():
    assert canonical("UK") == canonical("United Kingdom") == "united kingdom"
    assert canonical("RIA Novosti") == canonical("RIA")
    assert canonical("Kyiv city authorities") == canonical("Kyiv authorities")
    assert canonical("President Volodymyr Zelenskyy") == "volodymyr zelenskyy"
    assert canonical("State Duma") == "state duma"


def test_category_from_the_collection_s_words():
    keys = ["diplomacy", "military", "economy", "civil-defence"]
    assert category_of("He thanked parliament for €1.2 billion in financial aid.", keys) == "economy"
    assert category_of("They toured the bomb shelter.", keys) == "civil-defence"
    assert category_of("Troops and tanks were sent.", keys) == "military"
    assert category_of("The UK said it would send tanks.", keys) == "military"  # "said" holds no "aid"
    assert category_of("Troops were sent.", []) == "other"
    assert category_of("Nothing here.", keys) == "diplomacy"  # a category of the collection, never an unknown one


# ---- files ---------------------------------------------------------------------------------------------------


def test_draft_files_are_unique_never_overwrite_and_load_back(tmp_path):
    out = tmp_path / "drafts"
    events = tmp_path / "events"
    events.mkdir()
    (events / "kyiv-authorities-gave-a-tour-of-the-bomb-shelter.yaml").write_text("title: taken\n")
    out.mkdir()
    mine = out / "kyiv-authorities-gave-a-tour-of-the-bomb-shelter-2.yaml"
    mine.write_text("kept: yes\n")
    text = (
        "In the capital, Kyiv authorities gave a tour of the bomb shelter.\n"
        "On Monday, Kyiv authorities gave a tour of the bomb shelter.\n"  # the same title, its own date
    )
    result = drafted(text)
    paths = write_drafts(result.drafts, out, DW, ["civil-defence", "military"], events)
    assert [p.name for p in paths] == [
        "kyiv-authorities-gave-a-tour-of-the-bomb-shelter-3.yaml",
        "kyiv-authorities-gave-a-tour-of-the-bomb-shelter-4.yaml",
    ]
    assert mine.read_text() == "kept: yes\n"
    mine.unlink()
    loaded = load_collection(out)
    assert loaded.problems == []
    row = loaded.events.set_index(C.id).loc["kyiv-authorities-gave-a-tour-of-the-bomb-shelter-3"]
    assert row[C.status] == "draft"
    assert row[C.category] == "civil-defence"
    assert row[C.earliest] is None or str(row[C.earliest]) == "NaT"
    text = paths[0].read_text(encoding="utf-8")
    assert "evidence: In the capital, Kyiv authorities gave a tour of the bomb shelter." in text
    assert "url: https://www.dw.com/en/report" in text


def test_a_very_long_sentence_is_cut_at_a_word_and_its_file_loads(tmp_path):
    sentence = "NATO met on Monday and " + " ".join(f"talked{i % 10}" for i in range(3000)) + "."
    (path,) = write_drafts(drafted(sentence).drafts, tmp_path, DW)
    loaded = load_collection(tmp_path)
    assert loaded.problems == []
    evidence = str(loaded.events[C.evidence].iloc[0])
    assert len(evidence) <= EVIDENCE_MAX and evidence.endswith("…")
    assert evidence[:-1].split()[-1] in {f"talked{i}" for i in range(10)}  # a whole word before the "…"


def test_cut_at_word():
    assert cut_at_word("one two three", 20) == "one two three"
    assert cut_at_word("one two three", 10) == "one two…"
    assert cut_at_word("one two three", 8) == "one two…"  # the cut falls after a whole word
    assert cut_at_word("abcdefghij", 5) == "abcd…"  # no word to cut at


def test_draft_ids_are_unique_against_the_ids_inside_the_events_files(tmp_path):
    events = tmp_path / "events"
    events.mkdir()
    (events / "custom-name.yaml").write_text(
        "id: nato-met-in-brussels\ntitle: NATO met\ndate: 2021-12-20\ncategory: other\n", encoding="utf-8"
    )
    (path,) = write_drafts(drafted("NATO met in Brussels on Dec. 20.").drafts, events / "drafts", DW, [], events)
    assert path.name == "nato-met-in-brussels-2.yaml"
    ids = load_collection(events).events[C.id].tolist()
    assert sorted(ids) == ["nato-met-in-brussels", "nato-met-in-brussels-2"]


def test_a_folder_that_cannot_be_made_is_an_error_not_a_hang(tmp_path):
    link = tmp_path / "dlink"
    link.symlink_to(tmp_path / "nonexist")
    with pytest.raises(OSError) as caught:
        write_drafts(drafted("NATO met on Monday.").drafts, link / "sub", DW)
    assert caught.value.filename == str(link)


def test_markup_in_an_article_stays_text_in_the_summary(tmp_path):
    result = drafted("The *UK* said on Wednesday it would send [tanks](javascript:alert(1)) and <b>more</b>.")
    (path,) = write_drafts(result.drafts, tmp_path, DW)
    loaded = load_collection(tmp_path)
    assert loaded.problems == []
    summary = str(loaded.events[C.summary].iloc[0])
    assert "\\*UK\\*" in summary and "\\[tanks\\]" in summary and "\\<b\\>" in summary


# ---- the command ---------------------------------------------------------------------------------------------


def test_the_command_drafts_the_bundled_article(tmp_path):
    out = tmp_path / "drafts"
    result = CliRunner().invoke(
        cli,
        [
            "draft",
            str(ARTICLE),
            "--published",
            "2022-02-16",
            "--publisher",
            "DW",
            "--out",
            str(out),
            "--events",
            str(ROOT / "events"),
        ],  # fmt: skip
    )
    assert result.exit_code == 0, result.output
    assert "16 drafts, 4 with a day-precise date, 7 merged; sentences with a date not used: 1" in result.stderr
    assert len(list(out.glob("*.yaml"))) == 16
    assert load_collection(out).problems == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.txt", "--published", "2022-02-16", "--publisher", "DW"], "cannot read the file"),
        (["ARTICLE", "--published", "16/02/2022", "--publisher", "DW"], "write it as YYYY-MM-DD"),
        (["ARTICLE", "--published", "1200-01-01", "--publisher", "DW"], "outside the years"),
        (["ARTICLE", "--published", "2022-02-16", "--publisher", "DW", "--url", "ftp://x"], "http:// or https://"),
        (["ARTICLE", "--publisher", "DW"], "Missing option '--published'"),
    ],
)
def test_the_command_s_messages(tmp_path, args, message):
    args = [str(ARTICLE) if arg == "ARTICLE" else str(tmp_path / arg) if arg == "missing.txt" else arg for arg in args]
    result = CliRunner().invoke(cli, ["draft", *args, "--out", str(tmp_path / "out")])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("where", ["dangling", "link", "under-dangling", "under-file"])
def test_the_command_refuses_an_out_that_is_a_link_or_a_file(tmp_path, where):
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("x")
    (tmp_path / "dangling").symlink_to(tmp_path / "nonexist")
    (tmp_path / "link").symlink_to(tmp_path / "folder")
    out = {
        "dangling": tmp_path / "dangling",
        "link": tmp_path / "link",
        "under-dangling": tmp_path / "dangling" / "sub",
        "under-file": tmp_path / "file" / "sub",
    }[where]
    args = ["draft", str(ARTICLE), "--published", "2022-02-16", "--publisher", "DW", "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cannot write to {out}: ") and result.stderr.count("\n") == 1
    assert list((tmp_path / "folder").iterdir()) == []


def test_the_command_refuses_an_out_that_is_a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    args = ["draft", str(ARTICLE), "--published", "2022-02-16", "--publisher", "DW", "--out", str(tmp_path / "file")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "is a file" in result.stderr  # click's own check of the option


def test_the_command_refuses_a_blank_publisher(tmp_path):
    args = ["draft", str(ARTICLE), "--published", "2022-02-16", "--publisher", "  ", "--out", str(tmp_path / "o")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "Invalid value for --publisher" in result.stderr
    assert not (tmp_path / "o").exists()


# ---- the comparison with the events made by hand ---------------------------------------------------------------


def test_the_drafts_agree_with_the_hand_made_events(tmp_path):
    from dashboard import gazetteer

    written = draft_article(parse_article(ARTICLE.read_text(encoding="utf-8"), "text"), WEDNESDAY, gazetteer)
    write_drafts(written.drafts, tmp_path, DW)
    handmade = load_collection(ROOT / "events").events
    drafts = load_collection(tmp_path).events
    matches = compare(handmade, drafts)
    assert len(matches) == 18
    assert agreeing(matches) >= 18  # the floor: what the drafter achieves on the bundled article
    assert same_day(matches, handmade, drafts) >= 8  # of which a closed draft starts on the event's stated day


def test_a_file_made_after_the_folder_was_looked_at_is_never_replaced(tmp_path, monkeypatch):
    from dashboard.drafting import files

    monkeypatch.setattr(files, "taken_ids", lambda *folders: set())  # as if the file came after the look
    there = tmp_path / "kyiv-authorities-gave-a-tour-of-the-bomb-shelter.yaml"
    there.write_text("kept: yes\n")
    (path,) = write_drafts(drafted("Kyiv authorities gave a tour of the bomb shelter.").drafts, tmp_path, DW)
    assert path.name == "kyiv-authorities-gave-a-tour-of-the-bomb-shelter-2.yaml"
    assert there.read_text() == "kept: yes\n"
