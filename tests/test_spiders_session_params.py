"""spiders.session_params: which query parameters carry a session, learned from a list
page's links against known documents' URLs, and what a link is then keyed as."""

from __future__ import annotations

from spiders.session_params import SessionParams

SITE = "http://www.example.gov.cn/art"
KNOWN = [f"{SITE}/{n}.html?sid=a1b2c3d4e5f6a7b{n}" for n in range(3)]
TONIGHT = [f"{SITE}/{n}.html?sid=ffee99887766554{n}" for n in range(3)]


def test_a_token_that_changed_on_every_link_is_learned() -> None:
    session = SessionParams([], KNOWN)
    session.learn(TONIGHT)
    assert session.learned == {"sid"}


def test_a_learned_link_is_the_known_document() -> None:
    session = SessionParams([], KNOWN)
    session.learn(TONIGHT)
    assert session.resolve(TONIGHT[1]) == KNOWN[1]


def test_a_new_document_is_keyed_without_the_session() -> None:
    session = SessionParams([], KNOWN)
    session.learn(TONIGHT)
    assert session.strip(f"{SITE}/9.html?sid=0011223344556677") == f"{SITE}/9.html"


def test_one_link_is_not_enough_to_learn() -> None:
    session = SessionParams([], KNOWN)
    session.learn(TONIGHT[:1])
    assert session.learned == set()


def test_a_document_id_is_never_learned() -> None:
    # content.jsp?id=…: the rest of the URL names every known document at once.
    known = [f"http://www.example.gov.cn/content.jsp?id=2025000{n}" for n in range(5)]
    session = SessionParams([], known)
    session.learn([f"http://www.example.gov.cn/content.jsp?id=2025001{n}" for n in range(5)])
    assert session.learned == set()


def test_a_short_value_is_never_learned() -> None:
    known = [f"{SITE}/{n}.html?p={n}" for n in range(5)]
    session = SessionParams([], known)
    session.learn([f"{SITE}/{n}.html?p={n + 1}" for n in range(5)])
    assert session.learned == set()


def test_a_declared_parameter_maps_a_link_to_the_known_document() -> None:
    known = [f"{SITE}/{n}.html?t=ab{n}" for n in range(3)]
    session = SessionParams(["T"], known)
    assert session.resolve(f"{SITE}/2.html?t=zz") == known[2]


def test_a_declared_parameter_keeps_the_others() -> None:
    session = SessionParams(["t"], [])
    assert session.strip(f"{SITE}/list.jsp?t=ab&id=7") == f"{SITE}/list.jsp?id=7"


def test_without_session_params_a_link_is_itself() -> None:
    session = SessionParams([], KNOWN)
    assert (session.resolve(TONIGHT[0]), session.strip(TONIGHT[0])) == (None, TONIGHT[0])


def test_documents_keyed_without_the_session_teach_it_again() -> None:
    # Archived on a night that had learned sid: their URLs carry none.
    known = [f"{SITE}/{n}.html" for n in range(3)]
    session = SessionParams([], known)
    session.learn(TONIGHT)
    assert session.learned == {"sid"}


def test_a_link_to_a_document_keyed_without_the_session_is_that_document() -> None:
    known = [f"{SITE}/{n}.html" for n in range(3)]
    session = SessionParams([], known)
    session.learn(TONIGHT)
    assert session.resolve(TONIGHT[2]) == known[2]
