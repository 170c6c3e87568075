import pytest

from records.privacy import find_identifiers, normalise, redact, refusal, without


@pytest.mark.parametrize("text", [
    "survivor's phone +66 81 234 5678", "call her on 081 234 5678", "+855-12-345-678", "0066 81 234 5678",
    "(02) 123 4567", "write to somchai.k@example.org", "passport AB1234567", "passport no. 12345",
    "national ID 1-2345-67890-12-3", "id number: X99812", "ref 123456789012", "N1234567",
])
def test_identifiers_are_found(text):
    assert find_identifiers(text), text


# Each of these was let through by the guard before issue 15 (checked against commit 288801f).
ISSUE_15_FORMS = {
    "81 234 5678": "phone number",                        # no trunk 0, no +CC
    "survivor mobile 555-0199": "phone number",            # no numbering plan validates it, still a phone
    "call 5550199 after 6pm": "phone number",
    "her number ០៨១ ២៣៤ ៥៦៧៨": "phone number",             # Khmer digits
    "เบอร์ ๐๘๑ ๒๓๔ ๕๖๗๘": "phone number",                  # Thai digits
    "໐໒໐ ໕໕໖໗ ໘໙໐໑": "phone number",                       # Lao digits
    "mobile ০১৭১২ ৩৪৫৬৭৮": "phone number",                 # Bengali digits
    "फोन ९८४१ २३४ ५६७": "phone number",                     # Devanagari digits
    "ဖုန်း ၀၉ ၄၅၆ ၇၈၉၁၂": "phone number",                      # Myanmar digits
    "０８１ ２３４ ５６７８": "phone number",            # full-width
    "write to lan＠example.org": "email address",          # full-width at sign
    "passport no. ab 123 4567": "passport or ID number",
    "pink card no. A 123 456 78": "passport or ID number",
    "her LINE id: lan_bkk99": "messaging app ID",
    "add him on LINE: @nok22": "messaging app ID",
    "whatsapp: somchai.k": "messaging app ID",
    "telegram @lan_k": "messaging app ID",
    "https://t.me/somchai_k": "messaging app ID",
    "https://www.facebook.com/nguyen.thi.lan.1990": "social media profile",
    "profile fb.com/lan.k.bkk": "social media profile",
    "instagram.com/lan.k": "social media profile",
    "born 12/03/2005, lives at 45 Moo 3 Mahachai": "date of birth",
    "date of birth: 3 March 2006": "date of birth",
    "victim Ms. Nguyen Thi Lan, 17": "survivor's name",
    "victim Nguyen Thi Lan, 17, now trained": "survivor's age",
    "Ms. Lan, 17, a survivor of forced labour": "survivor's name",
    "a trafficked person named Aung was placed": "survivor's name",
    "worker Mr. Somchai Jaidee joined the line": "survivor's name",
    "placed the 16-year-old survivor at Acme": "survivor's age",
    "one worker aged 15 found on the boat": "survivor's age",
}


@pytest.mark.parametrize("text,kind", ISSUE_15_FORMS.items())
def test_issue_15_forms_are_found_with_their_kind(text, kind):
    kinds = [f.kind for f in find_identifiers(text)]
    assert kind in kinds, (text, kinds)


# A survivor's given name alone, straight after a survivor word (session 11; all let through by commit 649d807).
ONE_NAME_FORMS = {
    "survivor Mai was placed at Acme": ["survivor's name"],
    "Survivor Mai, 17, started work": ["survivor's name", "survivor's age"],
    "the returnee Aung now works in the kitchen": ["survivor's name"],
    "how do I support survivor Mai after she starts work?": ["survivor's name"],
    "victims: Somchai and Lan were hired": ["survivor's name"],
    "survivors Mai, Lan and Aung got contracts": ["survivor's name"],
    "survivor Mai’s employer called": ["survivor's name"],
    "Mai, 17, a survivor of forced labour, started work": ["survivor's name", "survivor's age"],
    "Aung is a survivor we placed": ["survivor's name"],
    "Mai, one of the survivors, got a job": ["survivor's name"],
    "hired Mai (survivor) as a cook": ["survivor's name"],
    "worker Somchai complained about unpaid wages": ["survivor's name"],
    "the girl Mai, 15, was hired": ["survivor's name", "survivor's age"],
}


@pytest.mark.parametrize("text,kinds", ONE_NAME_FORMS.items())
def test_a_given_name_alone_after_a_survivor_word_is_found(text, kinds):
    assert [f.kind for f in find_identifiers(text)] == kinds


def test_a_list_of_given_names_is_taken_out_whole():
    assert without("victims: Somchai and Lan were hired") == "victims: were hired"
    assert redact("survivors Mai, Lan and Aung got contracts") == "survivors [survivor's name] got contracts"


ORDINARY = [
    "discussed 5 placements", "cash: 5,000 USD on 2026-11-20", "met on 20/11/2026 at 10:30",
    "ISO 9001 and SA8000 audits", "budget 1,500,000 THB", "3 survivors placed, 12 trained",
    "FY2027 Q1 target 40", "หารือเรื่องการจ้างงาน 5 ตำแหน่ง", "ពិភាក្សាអំពីការងារ ៥ កន្លែង", "great meeting 🎉",
    "cash: 2,000,000 riel", "cash: 5000000 riel", "5000 USD", "in-kind: 12 500 000 KHR", "leveraged: 350000",
    "salary 9000 baht per month for 5 workers", "cash: USD 15000", "resources 1 200 000 THB",
    "next: send concept note by 0001-01-01", "next: follow up by 2026-11-20", "20/11/2026", "placed: 3",
    "training 14-15 Nov for 30 staff", "session 2026: 45 participants", "version 2.1.3", "room 204, 3rd floor",
    "met Mr. Somchai, HR manager, about hiring 3 survivors", "Survivor Employment Programme briefing with Acme",
    "in line with the code of conduct", "line manager agreed; next: send MoU by Friday",
    "workers aged 18-25 are eligible", "partnership for 2 years with 40 workers", "placed 3 survivors with Thai Union",
    "hired 12 women and 3 men", "signal strong support from HR", "Facebook campaign reached 12,000 people",
    "victims of forced labour were identified by Acme", "hotline launched in 2 provinces", "met 20 workers, 2026",
    "target number 150000 people reached", "hotline 1300 took 20000 calls", "number of workers 1200 350",
    # one capitalised word after a survivor word that is no name
    "survivor Reintegration Programme", "trafficking victims Protection Act", "survivors Thailand placements",
    "victims Thai nationals were found", "survivors IOM referred", "should I send the survivor CVs to HR?",
    "survivors May 2026 intake", "victims, However, were few", "Survivors Network Cambodia met us",
    "survivors Monday briefing", "victim Ms. at the desk", "Acme, a survivor-led business, joined",
    "Female survivors were hired", "She is a survivor of forced labour", "Placements, the survivors said, were few",
    "Thai, a victim of the scheme, is rare", "Everyone is a victim here", "worker Union meeting on Friday",
    "a child Labour survey", "the worker Voice app", "migrant Affairs office",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_log_text_is_not_flagged(text):
    assert find_identifiers(text) == []


def test_refusal_explains_why_and_what_to_do_without_repeating_the_identifier():
    found = find_identifiers("phone +66 81 234 5678")
    msg = refusal(found, "your log")
    assert "survivors" in msg and "counts only" in msg and "phone number" in msg
    assert "234 5678" not in msg and "didn't save anything" in msg


def test_refusal_names_each_kind_with_a_masked_hint():
    found = find_identifiers("victim Ms. Nguyen Thi Lan, 17, LINE id: lan_bkk99, lan＠example.org")
    msg = refusal(found, "your log")
    for kind in ("survivor's name", "survivor's age", "messaging app ID", "email address"):
        assert kind in msg
    for secret in ("Nguyen", "Thi Lan", "lan_bkk99", "example.org", "17"):
        assert secret not in msg, secret


def test_normalise_turns_local_digits_and_full_width_into_ascii_and_drops_zero_width():
    assert normalise("០៨១ ๒๓๔ ５６７８") == "081 234 5678"
    assert normalise("lan＠example.org") == "lan@example.org"
    assert normalise("08\u200b1 2\u202e34 5678") == "081 234 5678"


def test_zero_width_characters_do_not_hide_a_phone_number():
    assert [f.kind for f in find_identifiers("call 08\u200b1 234\u200d 5678")] == ["phone number"]


def test_redact_keeps_the_text_and_replaces_only_the_details():
    assert redact("how do I help victim Ms. Nguyen Thi Lan, 17, call 081 234 5678?") == \
        "how do I help victim [survivor's name], [survivor's age], call [phone number]?"
    assert redact("how do I frame a meeting on 20/11/2026?") == "how do I frame a meeting on 20/11/2026?"


def test_without_takes_the_details_out_and_tidies_the_punctuation():
    assert without("what do I do about survivor Nguyen Thi Mai, phone 081 234 5678, who lost her job?") == \
        "what do I do about survivor, phone, who lost her job?"
    assert without("how do I frame a meeting on 20/11/2026?") == "how do I frame a meeting on 20/11/2026?"
