import pytest

from records.privacy import find_identifiers, refusal


@pytest.mark.parametrize("text", [
    "survivor's phone +66 81 234 5678", "call her on 081 234 5678", "+855-12-345-678", "0066 81 234 5678",
    "(02) 123 4567", "write to somchai.k@example.org", "passport AB1234567", "passport no. 12345",
    "national ID 1-2345-67890-12-3", "id number: X99812", "ref 123456789012", "N1234567",
])
def test_identifiers_are_found(text):
    assert find_identifiers(text), text


@pytest.mark.parametrize("text", [
    "discussed 5 placements", "cash: 5,000 USD on 2026-11-20", "met on 20/11/2026 at 10:30",
    "ISO 9001 and SA8000 audits", "budget 1,500,000 THB", "3 survivors placed, 12 trained",
    "FY2027 Q1 target 40", "หารือเรื่องการจ้างงาน 5 ตำแหน่ง", "ពិភាក្សាអំពីការងារ ៥ កន្លែង", "great meeting 🎉",
])
def test_ordinary_log_text_is_not_flagged(text):
    assert find_identifiers(text) == []


def test_refusal_explains_why_and_what_to_do_without_repeating_the_identifier():
    found = find_identifiers("phone +66 81 234 5678")
    msg = refusal(found, "your log")
    assert "survivors" in msg and "counts only" in msg and "phone number" in msg
    assert "234 5678" not in msg
