"""A session of ordinary use leaves the browser console clean; the server listens on this machine only."""

from __future__ import annotations

import re
import socket
from pathlib import Path

from playwright.sync_api import expect

from dashboard.app import ids

LOOPBACK = "0100007F"  # 127.0.0.1 as /proc/net/tcp writes it


def test_a_session_of_normal_use_logs_no_errors(app, collection):
    order = list(collection.events["id"])
    title = {row["id"]: row["title"] for row in collection.events.to_dict("records")}
    app.open()

    app.click_mark("biden-scholz-call", title["biden-scholz-call"])
    app.expect_card("biden-scholz-call", title["biden-scholz-call"])
    app.card.locator(".related-link").first.click()
    expect(app.card.locator("article.detail")).not_to_have_attribute("data-event", "biden-scholz-call")
    app.settle()

    app.press("Escape")
    app.expect_no_card()
    app.press("ArrowRight")
    app.expect_card(order[0], title[order[0]])

    app.choose(ids.FILTER["category"], "Statements")
    expect(app.page.locator(f"#{ids.COUNT}")).to_contain_text(" of ")
    app.settle()
    app.page.locator(f"#{ids.SEARCH}").fill("Zelenskyy")
    expect(app.page).to_have_url(re.compile(r"[?&]q=Zelenskyy(&|$)"))
    app.settle()
    app.page.locator(f"#{ids.LANES} label", has_text="Place").click()
    expect(app.page).to_have_url(re.compile(r"[?&]lanes=place(&|$)"))
    app.settle()
    app.page.locator(f"#{ids.CLEAR}").click()
    expect(app.page.locator(f"#{ids.COUNT}")).to_have_text(f"{len(order)} events")
    app.settle()

    root = app.page.locator(f"#{ids.ROOT}")
    expect(root).to_have_class(re.compile(r"\btheme-light\b"))
    app.page.locator(f"#{ids.THEME}").click()
    expect(root).to_have_class(re.compile(r"\btheme-dark\b"))
    expect(app.page).to_have_url(re.compile(r"[?&]theme=dark(&|$)"))
    expect(app.page.locator(f"#{ids.THEME}")).to_have_text("Light theme")
    app.settle()
    background = app.page.evaluate(f"getComputedStyle(document.getElementById('{ids.ROOT}')).backgroundColor")
    assert background == "rgb(15, 17, 21)", f"the dark theme's background is {background}"
    paper = app.page.evaluate(f"document.querySelector('#{ids.TIMELINE} .js-plotly-plot')._fullLayout.paper_bgcolor")
    assert paper.lower() in ("#15181d", "rgb(21, 24, 29)"), f"the timeline stayed light: {paper}"
    app.page.locator(f"#{ids.THEME}").click()
    expect(root).to_have_class(re.compile(r"\btheme-light\b"))
    app.settle()

    app.page.locator(f"#{ids.ROOT} .chips button", has_text=re.compile("^Week$")).click()
    expect(app.page).to_have_url(re.compile(r"[?&]from=\d{4}-\d\d-\d\d&to=\d{4}-\d\d-\d\d(&|$)"))
    app.settle()
    app.assert_no_errors()


def listening_addresses(port: int) -> list[str]:
    """The local addresses (hex, as the kernel writes them) of sockets listening on a TCP port."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.append(address)
    return found


def outward_address() -> str | None:
    """This machine's address on its default route, if it has one (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("192.0.2.1", 9))  # TEST-NET-1: routing only
            address = sock.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_serve_listens_on_loopback_only_by_default(server):
    """The session server was started without --host."""
    log = server.log_text()
    assert f"at http://127.0.0.1:{server.port}/" in log, log
    if Path("/proc/net/tcp").exists():
        assert listening_addresses(server.port) == [LOOPBACK], listening_addresses(server.port)
    address = outward_address()
    if address:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(2)
            assert sock.connect_ex((address, server.port)) != 0, f"the app answers on {address}"
