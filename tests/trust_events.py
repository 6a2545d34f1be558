"""Test helper: events that say who reports them and how sure (statuses, grades, attribution, copies), for the
trust layer's tests in the core and in the browser."""

GRADED = """\
title: The Duma votes to ask for recognition
date: 2022-02-15
category: politics
status: confirmed
sources:
  - id: dw
    title: Report on NATO, Russia and Ukraine
    publisher: DW
    published: 2022-02-16
    reliability: b
    credibility: "2"
  - id: duma
    title: Resolution of the State Duma
    publisher: State Duma
    published: 2022-02-15
    reliability: A
    credibility: 1
  - id: tass
    title: Duma appeals to Putin
    publisher: TASS
    published: 2022-02-15
    attribution: according to TASS, citing the Duma's press office
    copies: duma
  - title: Same wire, other case
    publisher: dw
    published: 2022-02-17
"""
CLAIMED = """\
title: Troops are said to pull back
date: 2022-02-15
category: military
status: claimed
sources:
  - title: Ministry statement
    publisher: RIA Novosti
    published: 2022-02-15
"""
PLAIN = """\
title: A plain event
date: 2022-02-01
end: 2022-02-28
approximate: true
category: military
sources:
  - title: Report
    publisher: DW
    published: 2022-02-16
"""
EXPECTED = """\
title: A call is scheduled
date: 2022-02-18
category: diplomacy
status: expected
sources:
  - title: Report
    publisher: DW
    published: 2022-02-16
"""
