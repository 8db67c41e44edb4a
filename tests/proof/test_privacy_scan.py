"""The privacy proof's search: it finds what it is asked for, in every form, and only that.

These tests need no stack: the search is a pure function over bytes (proof/privacy.py).
"""

import base64
import json

from proof.privacy import address_forms, expand, make_visitor, needles, scan, split_dump

ADDRESS = "203.0.113.171"


def test_the_address_is_looked_for_dotted_in_hex_packed_and_as_an_integer():
    assert address_forms(ADDRESS) == [
        b"203.0.113.171", b"cb0071ab", bytes([203, 0, 113, 171]), b"3405803947"
    ]


def test_every_form_is_found_with_where_and_context():
    sources = [
        ("nginx/access.log", b"GET / 200 client=203.0.113.171 done\n"),
        ("table public.x", b"1\t\\\\xCB0071AB\n"),  # bytea as pg_dump writes it, upper case
        ("db0 key k", b"\x80\x04" + bytes([203, 0, 113, 171]) + b"."),
        ("worker.log", b"peer 3405803947 seen"),
    ]
    found = scan(sources, {"address": address_forms(ADDRESS)})
    assert [(hit.where, hit.form) for hit in found["address"]] == [
        ("nginx/access.log", "203.0.113.171"),
        ("table public.x", "cb0071ab"),
        ("db0 key k", "packed cb0071ab"),
        ("worker.log", "3405803947"),
    ]
    assert "client=203.0.113.171 done\\n" in found["address"][0].context


def test_the_search_ignores_case_counts_every_occurrence_and_keeps_labels_apart():
    data = b"ua=helpportalproof/00ff HelpportalProof/00FF other"
    found = scan([("log", data)], {"ua": [b"HelpportalProof/00ff"], "absent": [b"nothing"]})
    assert len(found["ua"]) == 2
    assert found["absent"] == []


def test_a_shorter_address_is_not_a_hit():
    found = scan([("log", b"client 203.0.113.17 and 203.0.113.1710")],
                 {"address": [b"203.0.113.171"]})
    # Only the longer number contains it; the run picks last octets of 100-254, so a
    # three-digit octet can only be followed by a digit if something wrote a longer number.
    assert len(found["address"]) == 1


def test_celery_message_bodies_in_redis_are_decoded_before_the_search():
    body = base64.b64encode(json.dumps([["HelpportalProof/abc"], {}, {}]).encode()).decode()
    message = json.dumps({"body": body, "content-encoding": "utf-8"}).encode()
    assert scan([("db0 key celery", message)], {"ua": [b"HelpportalProof/abc"]})["ua"] == []
    found = scan([("db0 key celery", expand(message))], {"ua": [b"HelpportalProof/abc"]})
    assert len(found["ua"]) == 1


def test_a_plain_pg_dump_is_split_into_tables_with_their_row_counts():
    dump = (b"--\n-- PostgreSQL database dump\n--\nSET statement_timeout = 0;\n"
            b"COPY public.a (id, t) FROM stdin;\n1\tx\n2\ty\n\\.\n\n"
            b"COPY public.b (id) FROM stdin;\n\\.\n"
            b"SELECT pg_catalog.setval('public.a_id_seq', 2, true);\n")
    tables = split_dump(dump)
    assert [(name, rows) for name, rows, _data in tables[:2]] == [("public.a", 2),
                                                                  ("public.b", 0)]
    assert tables[0][2] == b"1\tx\n2\ty\n"


def test_each_run_has_its_own_strings_and_they_are_all_looked_for():
    first, second = make_visitor(), make_visitor()
    assert first.address != second.address or first.user_agent != second.user_agent
    assert first.address.startswith("203.0.113.") and 100 <= int(first.address[10:]) <= 254
    wanted = needles(first)
    assert first.address.encode() in wanted["address"]
    assert first.other_address.encode() in wanted["address"]
    assert first.user_agent.encode() in wanted["user agent"]
