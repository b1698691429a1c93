"""What the offline engine reads in one utterance (`callbot.llm.offline.extract.extract`): names, roles and
the rest, said the way strangers say them; and what it must not read into other words."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from callbot.llm.offline.extract import extract

pytestmark = pytest.mark.unit


def call_time() -> datetime:
    """The conversations' "now", fixed so what "mardi prochain" means and which times are free never
    depend on the day the suite runs: Monday, December 7 2026, 10:00 in New York."""
    return datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("America/New_York"))


@pytest.mark.parametrize(("said", "asked", "expected"), [
    ("So, I'm Niamh, that's N-I-A-M-H, it's pronounced Neev, Irish spelling. Niamh Okonkwo-Daly. I run operations at "
     + "Riverbend Animal Health.", None, {"first_name": "Niamh", "last_name": "Okonkwo-Daly",
                                           "company": "Riverbend Animal Health"}),
    ("Sure. Tomasz, T-O-M-A-S-Z, last name Wójcik hyphen Nowak, N-O-W-A-K. Sales manager at SunRow Solar.",
     "first_name", {"first_name": "Tomasz", "last_name": "Wójcik-Nowak", "role": "Sales manager",
                    "company": "SunRow Solar"}),
    ("I'm Zsófia, Z-S-O-F-I-A, Kovács-Tóth, I lead customer service at Precision Smile Dental Lab.", "first_name",
     {"first_name": "Zsófia", "last_name": "Kovács-Tóth", "company": "Precision Smile Dental Lab"}),
    ("Hi! Ciao. Giulia Bianchi-Ferraro, Giulia with a G-I-U. I manage event sales at Lockbox Adventures.", None,
     {"first_name": "Giulia", "last_name": "Bianchi-Ferraro", "company": "Lockbox Adventures"}),
    ("I'm Ciaran Brennan. I'm one of the brothers, co-owner.", None, {"role": "co-owner"}),
    ("Mariam Haddad, head of client services, at Lumen Legal.", None, {"role": "head of client services"}),
])
def test_what_a_caller_says_of_themselves_is_read(said, asked, expected):
    fields = extract(said, asked, {}, "en-US")
    assert {k: fields.get(k) for k in expected} == expected


@pytest.mark.parametrize(("said", "asked", "not_read"), [
    ("Can we do Tuesday at three thirty? Central time, I'm in Oklahoma.", "company", ("first_name", "last_name")),
    ("When a truck breaks down, the dispatcher calls us, and the call goes to voicemail.", "need", ("role",)),
    ("Yes, partners at the end, that's the one. Emails are fine.", "email_confirmed", ("role",)),
    ("It was fine. My manager said to call.", None, ("role",)),
])
def test_other_words_are_not_read_as_a_name_or_a_role(said, asked, not_read):
    fields = extract(said, asked, {}, "en-US")
    assert not {k: fields[k] for k in not_read if k in fields}


@pytest.mark.parametrize(("said", "asked", "lead", "expected"), [
    ("Before next summer. Email's dez at okafor h v a c dot com. Okafor is O-K-A-F-O-R.", "company",
     {"first_name": "Desmond"}, {"last_name": "Okafor"}),
    ("Oh, sorry, it's Achebe. A-C-H-E-B-E.", "email_confirmed", {"first_name": "Rosalind"}, {"last_name": "Achebe"}),
    ("No AC, no heat, everybody calls at once.", "last_name", {"first_name": "Desmond"}, {"last_name": None}),
    ("Central time, I'm in Oklahoma.", "company", {"first_name": "Desmond"}, {"company": None}),
])
def test_what_an_answer_gives_depends_on_what_is_held(said, asked, lead, expected):
    fields = extract(said, asked, lead, "en-US")
    assert {k: fields.get(k) for k in expected} == expected


@pytest.mark.parametrize(("said", "intent"), [
    ("When a truck breaks down, the dispatcher calls us, and the call goes to voicemail. That's a lost contract.", None),
    ("When can we meet?", "book"),
    ("Let's meet Wednesday, around noon if you can.", "book"),
    ("Priya Shah sent me a proposal last week. Is she available? I'd rather go over it with her.", "human"),
    ("Yes, please connect me to her.", "human"),
    ("Is he available Tuesday at 3?", "book"),
    ("Okay, I'd like to sit down with someone. Friday afternoon?", "book"),
    ("Ah, that day's bad. Could you push it a day later, same time?", "reschedule"),
])
def test_what_the_caller_wants(said, intent):
    from callbot.llm.offline.intents import classify

    assert classify(said) == intent


@pytest.mark.parametrize("said", ["No, I don't give my email to vendors before I've met them.", "I don't do email."])
def test_a_caller_who_will_not_give_an_email(said):
    from callbot.llm.offline.contact import refuses_email

    assert refuses_email(said)


@pytest.mark.parametrize(("said", "asked", "expected"), [
    ("Nous avons sept négociateurs, et ils sont toujours en visite.", "role", {"team_size": 7}),
    ("Les entreprises nous appellent, et on n'est que trois au téléphone.", "need", {"team_size": 3}),
    ("Par contre un SMS sur ce numéro, ça me va très bien.", "email", {"consent": True}),
    ("Idéalement avant les fêtes, disons septembre.", "need", {"timeline": "avant les fêtes, disons septembre"}),
    ("Je m'appelle Camille Lefèvre-Dubois, je dirige l'équipe commerciale d'Horizon Immobilier, à Montréal.", None,
     {"last_name": "Lefèvre-Dubois", "company": "Horizon Immobilier"}),
])
def test_what_a_french_caller_says_is_read(said, asked, expected):
    fields = extract(said, asked, {}, "fr-FR")
    assert {k: fields.get(k) for k in expected} == expected


@pytest.mark.parametrize(("said", "intent"), [
    ("Une question : est-ce que votre assistant peut envoyer la fiche du bien par e-mail ?", "question"),
    ("Est-ce qu'on peut se parler mardi après-midi ?", "book"),
])
def test_what_a_french_caller_wants(said, intent):
    from callbot.llm.offline.intents import classify

    assert classify(said) == intent


def test_a_french_caller_who_will_not_give_an_email():
    from callbot.llm.offline.contact import refuses_email

    assert refuses_email("Ah non, l'e-mail je préfère ne pas le donner, je reçois déjà trop de publicité.")


def test_the_answer_is_read_from_the_passage_that_says_it_whatever_its_rank():
    from callbot.llm.offline.knowledge_agent import best_passage

    passages = [{"text": "There are no setup fees and no long-term contract on monthly billing.", "heading": "Pricing > Fees"},
                {"text": "Annual billing saves 15 percent compared with paying month to month.",
                 "heading": "Pricing > Annual billing"}]
    assert best_passage(passages, "How much do you save if you pay yearly instead of monthly?", "en-US") is passages[1]
    assert best_passage(passages, "Are there setup fees?", "en-US") is passages[0]


def test_a_name_the_caller_used_weighs_more_in_choosing_the_passage():
    from callbot.llm.offline.knowledge_agent import best_passage

    passages = [{"text": "After each call it writes the summary and the meeting to your CRM.", "heading": "Overview"},
                {"text": "It integrates with Salesforce and HubSpot: every call is written to the CRM record.",
                 "heading": "Integrations > CRM"}]
    asked = "Does it write the calls back into Salesforce, or do we have to do that by hand?"
    assert best_passage(passages, asked, "en-US") is passages[1]
    assert best_passage(passages, asked.replace("Salesforce", "the system"), "en-US") is passages[0]


@pytest.mark.parametrize(("said", "expected"), [
    ("Before I go further: where would our call data be stored? We have people in Europe, so GDPR matters to us.",
     ["Where would our call data be stored? We have people in Europe, so GDPR matters to us."]),
    ("Does it connect to our CRM? We use HubSpot.", ["Does it connect to our CRM? We use HubSpot."]),
    ("Is there a setup fee? I'm Dana from Acme Logistics.", ["Is there a setup fee?"]),  # who they are: not searched
    ("Is there a setup fee? We're a small team.", ["Is there a setup fee?"]),
    ("Can we run it on our own servers? Like, on-prem? Our IT guy's going to ask.",  # one question, said twice
     ["Can we run it on our own servers? Like, on-prem?"]),
    ("Attendez, votre truc, ça marche avec Outlook ?", ["Ça s'intègre à Outlook ?"]),
    ("Est-ce compatible avec Outlook ?", ["Est-ce que ça s'intègre à Outlook ?"]),
    ("Yeah, hi, how fast can you guys set this up? We're slammed.",
     ["How long does onboarding take to get up and running?"]),
    ("What happens if you miss it? Do we get anything back?", ["What happens if you miss it? Do we get a credit?"]),
    ("So two things really: can you give us a local UK number, and how long does it take to get it all up and running?",
     ["Can you give us a local UK number", "How long does it take to get it all up and running?"]),
    ("Hm. Okay. Do you do penetration testing? Who does it, and how often?",  # one thing asked of, twice
     ["Do you do penetration testing? Who does it, and how often?"]),
    ("Does it work with HubSpot? Does it work with Outlook?",
     ["Does it integrate with HubSpot?", "Does it integrate with Outlook?"]),
])
def test_a_question_is_searched_with_the_setting_said_around_it(said, expected):
    from callbot.llm.offline.knowledge_agent import questions

    assert questions(said) == expected


def test_a_name_the_caller_used_that_the_answer_leaves_out_is_answered_from_the_passages_found():
    from devtools.conversation import Conversation

    call = Conversation(clock=call_time, knowledge="hybrid")
    said = call.say("Where would our call data be stored? We have people in Europe, so GDPR matters to us.")
    assert any(line.startswith("Data is stored in the EU or US region") for line in said)
    assert any("GDPR compliant" in line for line in said)


@pytest.mark.parametrize(("said", "asked", "lead", "expected"), [
    ("So, we're a craft brewery, Hopfield Brewing Company, in Milwaukee, I'm Tomasz, head of sales.", None, {},
     {"company": "Hopfield Brewing Company", "first_name": "Tomasz"}),
    ("Fine. Kwame Mensah, K-W-A-M-E, M-E-N-S-A-H. Keystone Commercial Realty.", None, {},  # ("M-E, M-E": no restart)
     {"first_name": "Kwame", "last_name": "Mensah", "company": "Keystone Commercial Realty"}),
    ("Kwame Mensah, K-W-A-M-E M-E-N-S-A-H.", None, {}, {"first_name": "Kwame", "last_name": "Mensah"}),
    ("Sure, you can call me back.", "consent", {}, {"consent": True}),
    ("As soon as possible, like this month. And sure, you can call me.", "company", {}, {"consent": True}),
    ("Name's Tomas Aguilar, that's T-O-M-A-S, A-G-U-I-L-A-R. Mesa Verde Heating and Air. I'm the owner.", None, {},
     {"first_name": "Tomas", "last_name": "Aguilar", "company": "Mesa Verde Heating and Air", "role": "owner"}),
    ("I'm Dana Whitfield. Eastern Time.", None, {}, {"company": None}),
    ("It's Mesa Verde Heating and Air.", "company", {}, {"company": "Mesa Verde Heating and Air", "first_name": None}),
    ("No, none of those work, I'm out on jobs all day. Got anything next week?", "company", {}, {"company": None}),
    ("Nah, those are bad too.", "company", {}, {"company": None}),
    ("Yep, that's it. And sure, you guys can reach out.", "email_confirmed", {}, {"consent": True}),
    ("You can call me Dan.", None, {}, {"first_name": "Dan", "consent": None}),
    ("Can I get a meeting Wednesday at ten? Your time, Eastern, that's fine.", "company", {}, {"company": None}),
    ("Yes. Email yes, texts yes.", "email_confirmed", {"email": "ifeoma@copperlinesigns.com"},
     {"email_confirmed": True, "consent": True}),
    ("And the last name is de la Cruz Ortega, with de la lowercase. First name José María, two names.", "first_name",
     {}, {"first_name": "José María", "last_name": "de la Cruz Ortega"}),
    ("Kia ora, hi. Aroha Te Whata, Te Whata is two words. I'm head of sales at Southern Cross Wool Imports.", None, {},
     {"first_name": "Aroha", "last_name": "Te Whata", "company": "Southern Cross Wool Imports"}),
    ("Oh, and put my full first name down, would you? It's Meghan, M, E, G, H, A, N.", None, {"first_name": "Meg"},
     {"last_name": None}),
])
def test_more_of_what_strangers_say_is_read(said, asked, lead, expected):
    fields = extract(said, asked, lead, "en-US")
    assert {k: fields.get(k) for k in expected} == expected


@pytest.mark.parametrize(("said", "searched"), [
    ("Actually, hang on, before we go any further, does this thing hook into HubSpot?",
     ["Does it integrate with HubSpot?"]),
    ("How much is it per seat, and does it plug into HubSpot?", ["What does it cost per seat", "Does it integrate with HubSpot?"]),
    ("Before I go any further, does it work with HubSpot?", ["Does it integrate with HubSpot?"]),
])
def test_a_question_is_searched_as_it_stands_on_its_own(said, searched):
    from callbot.llm.offline.knowledge_agent import questions

    assert questions(said) == searched


def test_every_document_an_answer_may_be_read_from_is_recorded():
    from callbot.agents.knowledge.tools import ACTIONS

    passages = [{"text": "a", "source": "call-recording.md"}, {"text": "b", "source": "security.md"},
                {"text": "c", "source": "call-recording.md"}]
    spec = ACTIONS["search_knowledge"]
    data, changes = spec.apply({"passages": passages}, {"question": "How long are recordings kept?"}, {}, None)
    assert data == {"passages": passages}
    assert changes == {"knowledge_sources": ["call-recording.md", "security.md"]}


def test_how_long_before_it_is_live_is_a_product_question():
    from callbot.llm.offline.intents import is_product_question

    assert is_product_question("Okay. Last one. If we signed, how long before it's actually answering our phones?")
    assert is_product_question("How long until we'd go live?")
    assert not is_product_question("I'm calling for a long time now.")


def test_hanging_on_to_something_is_searched_as_keeping_it():
    from callbot.llm.offline.knowledge_agent import standalone

    assert standalone("How long do you hang on to the call recordings?") == "How long do you keep the call recordings?"
    assert standalone("Hang on, do you hold onto transcripts?") == "Do you keep transcripts?"


def test_months_time_zones_and_greetings_are_nobodys_name():
    said = "We have fifteen people in BD. We'd look at this for the next fiscal year, so October."
    assert not {"first_name", "last_name"} & set(extract(said, "first_name", {}))
    assert not {"first_name", "last_name"} & set(extract("Tuesday, three p.m. Eastern.", "last_name", {}))
    assert not {"first_name", "last_name"} & set(extract("Mahalo, that is great.", "first_name", {}))
    # a company may start with one
    assert extract("Hi, Haruto Sato from Pacific Rim Imports.", None, {})["company"] == "Pacific Rim Imports"


def test_a_name_after_a_bare_greeting_or_before_a_full_stop():
    found = extract("Afternoon. Marcus Oyelaran-Whitfield, business development, out of Arlington.", None, {})
    assert (found["first_name"], found["last_name"]) == ("Marcus", "Oyelaran-Whitfield")
    found = extract("Aloha, good morning, well, morning for me. This is Leilani Kahananui, K-A-H-A-N-A-N-U-I. "
                    "I run sales operations at Kai Moana Insurance Brokers in Honolulu.", None, {})
    assert (found["first_name"], found["last_name"]) == ("Leilani", "Kahananui")


def test_a_person_asked_for_by_name_is_a_transfer_and_a_product_talking_to_another_is_not():
    from callbot.llm.offline.intents import classify

    assert classify("Actually, is Priya Shah there today? She sent me an email.") == "human"
    assert classify("Yes, please, connect me to Priya.") == "human"
    assert classify("Can I speak to Alex Kim?") == "human"
    assert classify("Does it talk to Salesforce?") != "human"
    assert classify("Is Tuesday free?") != "human"
    assert classify("Could I talk to Priya on Tuesday?") != "human"  # a meeting with her


def test_names_with_particles_said_before_speaking_or_after_a_greeting():
    found = extract("Good morning, Pieter van der Linde speaking, van der Linde with a small v.", None, {})
    assert (found["first_name"], found["last_name"]) == ("Pieter", "van der Linde")
    found = extract("Oui, bonjour. Jean-Baptiste de Villeneuve, avec un petit d.", None, {}, "fr-FR")
    assert (found["first_name"], found["last_name"]) == ("Jean-Baptiste", "de Villeneuve")
    assert not {"first_name", "last_name"} & set(
        extract("Est-ce qu'on peut prendre un rendez-vous lundi à 17 heures, heure de Paris ?", "first_name", {}, "fr-FR"))


def test_a_title_of_a_company_in_a_city_and_a_team_between_two_timelines():
    found = extract("I am the managing director of Tulip Direct Imports in Miami.", None, {})
    assert (found["role"], found["company"]) == ("managing director", "Tulip Direct Imports")
    found = extract("Before Valentine's Day florists call us non-stop, and my twenty-seven salespeople cannot take "
                    "them all. We want something running before Valentine's, so early February.", "first_name", {})
    assert found["team_size"] == 27 and "February" in found["timeline"]


def test_can_all_our_data_stay_in_the_country_is_a_product_question():
    from callbot.llm.offline.intents import is_product_question

    assert is_product_question("Second: can all our data stay inside the United States? Nothing overseas.")


@pytest.mark.parametrize(("said", "role", "company"), [
    ("Afternoon. Marcus Oyelaran-Whitfield, business development, Capitol Ridge Systems, out of Arlington.",
     "business development", "Capitol Ridge Systems"),
    ("I'm Beatriz Sousa-Ferreira, sales director, Atlântico Seafood, New Bedford, eighteen reps.", "sales director",
     "Atlântico Seafood"),
])
def test_a_title_and_a_company_said_as_a_list(said, role, company):
    found = extract(said, None, {})
    assert (found["role"], found["company"]) == (role, company)


def test_a_need_told_at_the_end_of_a_long_list_is_only_its_own_clauses():
    found = extract("Hi, okay, all at once: we need this before Lent, I'm Beatriz Sousa-Ferreira, sales director, "
                    "Atlântico Seafood, eighteen reps, and restaurants call at five in the morning and nobody's there.",
                    None, {})
    assert found["need"] == "restaurants call at five in the morning and nobody's there"


def test_how_a_name_is_written_answers_no_question_about_the_company():
    said = "Sousa-Ferreira with a hyphen. Beatriz with a z at the end, B-E-A-T-R-I-Z."
    assert "company" not in extract(said, "company", {"first_name": "Beatriz", "last_name": "Sousa-Ferreira"})


def test_a_count_said_again_after_hang_on_replaces_the_first():
    said = "We've got about thirty in sales. Hang on. Thirty-two, actually, we just hired two in Round Rock."
    assert extract(said, None, {})["team_size"] == 32


def test_a_company_renamed_is_read_under_its_new_name():
    said = "Oh, sorry, no, we're not Brightwater Pools anymore, we changed the name last year. It's Brightwater Pool and Spa."
    assert extract(said, None, {"company": "Brightwater Pools"})["company"] == "Brightwater Pool and Spa"


def test_a_french_founder_their_company_and_a_spring_start():
    found = extract("J'ai fondé Villeneuve Talents, un cabinet de recrutement à Lyon.", None, {}, "fr-FR")
    assert (found["role"], found["company"]) == ("fondateur", "Villeneuve Talents")
    found = extract("Nous sommes six consultants, et le téléphone sonne dans le vide. On aimerait démarrer au printemps.",
                    "timeline", {}, "fr-FR")
    assert found["timeline"] == "au printemps" and "sonne dans le vide" in found["need"]


@pytest.mark.parametrize(("said", "intent"), [
    ("One question. When your assistant passes a chef to one of my reps, does my rep know what the call's about?",
     "question"),
    ("Nos clients connaissent notre numéro. Est-ce que je pourrais le garder, ce numéro, avec votre système ?",
     "question"),
    ("Your assistant sounds great.", None),
    ("Thank you. Out.", "goodbye"),
    ("I want out of my contract.", None),
])
def test_questions_about_what_the_product_does_and_a_short_goodbye(said, intent):
    from callbot.llm.offline.intents import classify

    assert classify(said) == intent


@pytest.mark.parametrize(("said", "asked", "expected"), [
    ("Okay, that's good. So. Radek Dvořák, R-A-D-E-K, D-V-O-R-A-K. I own Bohemia Crystal Imports in Berwyn.", None,
     {"first_name": "Radek", "last_name": "Dvořák", "company": "Bohemia Crystal Imports"}),
    ("My name is Choi, Min-jun Choi. Choi is the family name, C-H-O-I. Min-jun is first name.", None,
     {"first_name": "Min-jun", "last_name": "Choi"}),
    ("I'll be quick: Seun Adeyemi, that's short for Oluwaseun, sales director at Ironbridge Trades Staffing.", None,
     {"first_name": "Seun", "last_name": "Adeyemi", "company": "Ironbridge Trades Staffing"}),
    ("Hi, Lucinda Marchetti-Boyd, Bluegrass Equine Pharmacy, in Lexington.", None,
     {"first_name": "Lucinda", "company": "Bluegrass Equine Pharmacy"}),
    ("Hi! Eeva-Liisa Kärkkäinen. I do sales at Northern Löyly Sauna Company, up in Marquette.", None,
     {"role": "sales", "company": "Northern Löyly Sauna Company"}),
    ("We install garage doors. Thirteen CSRs, and on Monday mornings everybody calls at once.", None, {"team_size": 13}),
    ("Email, no. I don't give email on the phone. You can send a text message to this number.", None,
     {"consent": True}),
])
def test_names_companies_and_counts_said_the_way_strangers_list_them(said, asked, expected):
    fields = extract(said, asked, {}, "en-US")
    assert {k: fields.get(k) for k in expected} == expected


@pytest.mark.parametrize("said", ["Thank you. Na shledanou, goodbye.", "Timeline, yesterday, honestly.",
                                  "Monday at three thirty in the afternoon, my time, Central. Possible?"])
def test_goodbyes_field_labels_and_questions_are_not_a_name(said):
    assert not {"first_name", "last_name"} & set(extract(said, "first_name", {}))


def test_a_french_company_said_after_the_name():
    found = extract("Bonjour, Maëlle Vandenbroucke, de la Maison Pralinor, à Bruxelles.", None, {}, "fr-FR")
    assert found["company"] == "Maison Pralinor"


@pytest.mark.parametrize(("said", "intent"), [
    ("About my meeting with Alex. I need to cancel, we've got a, no. No, wait, scratch that, don't cancel it. "
     + "Can you move it to Thursday, nine thirty in the morning?", "reschedule"),
    ("So we close at five, but people call at nine at night. Can the assistant say something different after "
     + "closing time?", "question"),
    ("Monday at three thirty in the afternoon, my time, Central. Possible?", "book"),
    ("If we used you, would he get some kind of weekly report in his inbox?", "question"),
    ("Les données de nos appels, est-ce qu'elles peuvent rester en Europe ?", "question"),
    ("Yes, text is okay. Now, can I meet somebody Friday, eleven o'clock in the morning?", "book"),
    ("Please cancel my meeting.", "cancel"),
])
def test_what_the_caller_wants_when_they_take_something_back_or_ask_around_it(said, intent):
    from callbot.llm.offline.intents import classify

    assert classify(said) == intent


@pytest.mark.parametrize(("said", "wanted"), [
    ("The inspector moved our visit to Tuesday afternoon. None of those will work. Do you have anything Thursday, "
     + "late morning?", "2026-12-10T11:00:00"),
    ("Alors jeudi à 16 heures, heure de Bruxelles, ça irait ?", "2026-12-10T10:00:00"),
    ("Est-ce qu'on pourrait se parler jeudi, en fin de matinée, heure de Bruxelles ?", "2026-12-10T05:00:00"),
    ("Thursday at 3pm London time", "2026-12-10T10:00:00"),
    ("Tuesday at 2 pm PST", "2026-12-08T17:00:00"),
])
def test_the_day_asked_for_last_and_a_city_s_time(said, wanted):
    from callbot.llm.offline.dates import preferred_time

    assert preferred_time(said, "2026-12-07T14:00:00+00:00", "America/New_York") == wanted


def test_a_question_that_points_back_is_searched_with_what_it_points_to():
    from callbot.llm.offline.knowledge_agent import questions

    said = "We have a Cisco phone system, installed two years ago. Could your assistant work with that?"
    assert questions(said) == [said.replace("work with", "integrate with")]
    assert questions("We're a small team. Does it work with HubSpot?") == ["Does it integrate with HubSpot?"]


@pytest.mark.parametrize(("said", "asked", "expected"), [
    ("Hola, hi. I'm María José Fernández de Córdoba. Fernández de Córdoba is the last name, all of it.", None,
     {"first_name": "María José", "last_name": "Fernández de Córdoba"}),
    ("Buongiorno, hi. Lorenzo Dalla Costa, Dalla Costa is two words. I'm the general manager at Dalla Costa RV Center.",
     None, {"first_name": "Lorenzo", "last_name": "Dalla Costa", "company": "Dalla Costa RV Center"}),
    ("People call from Europe at two in the morning and we lose them.", None, {"company": None}),
    ("Oh, that's too late for New York, huh.", None, {"company": None}),
    ("Motorhomes, travel trailers, fifth wheels. We've got twelve salespeople.", "first_name",
     {"first_name": None, "team_size": 12}),
])
def test_compound_first_names_foreign_greetings_and_places_that_are_no_company(said, asked, expected):
    fields = extract(said, asked, {}, "en-US")
    assert {k: fields.get(k) for k in expected} == expected


@pytest.mark.parametrize(("said", "intent"), [
    ("So we sell franchises. People see our ads and call to ask how much it costs to open one.", None),
    ("Customers ask about pricing all day. How much is it per user?", "question"),
    ("When the assistant calls somebody back and gets their voicemail, does it just hang up, or does it leave a "
     + "message?", "question"),
    ("Can you hear me?", None),
    ("Could you spell that?", None),
])
def test_a_direct_question_about_the_product_and_what_the_caller_s_customers_ask(said, intent):
    from callbot.llm.offline.intents import classify

    assert classify(said) == intent


def test_the_direct_question_is_searched_rather_than_what_leads_up_to_it():
    from callbot.llm.offline.knowledge_agent import questions

    said = ("Our legal team sent me one question before they'll even read the contract: which outside companies "
            "would touch our callers' data? Like, who hosts it.")
    assert questions(said) == ["Which outside companies would touch our callers' data?"]


def test_a_discount_for_a_year_paid_ahead_however_it_is_asked():
    from callbot.llm.offline.intents import classify
    from callbot.llm.offline.knowledge_agent import questions

    said = "And if we paid for the whole year up front, is there any kind of break on that?"
    assert classify(said) == "question"
    assert questions(said) == ["If we pay annually, is there a discount on that?"]
    assert questions("Hi, quick question before anything else, does your thing work with HubSpot?") == [
        "Does it integrate with HubSpot?"]


@pytest.mark.parametrize(("said", "callers_zone", "theirs", "wanted"), [
    ("So, Wednesday at one o'clock my time, Pacific. Can we lock that in?", None, False, "2026-12-09T16:00:00"),
    ("mercredi à 16 h 30, heure de Paris", None, False, "2026-12-09T10:30:00"),
    ("Mercredi à 15 h 30, heure de Paris ? Ah non, pardon. Plutôt 16 h 30, heure de Paris.", None, False,
     "2026-12-09T10:30:00"),
    ("Tuesday at ten, Chicago time. Ah, no, wait, Tuesday is the recital. Wednesday at ten, Chicago time.", None,
     False, "2026-12-09T11:00:00"),
    ("So we're good for Wednesday, ten my time?", "America/Phoenix", False, "2026-12-09T12:00:00"),
    ("Oui, mercredi, 16 h 30, c'est parfait.", "Europe/Paris", True, "2026-12-09T10:30:00"),
    ("Oui, mercredi, 16 h 30, c'est parfait.", "Europe/Paris", False, "2026-12-09T16:30:00"),
])
def test_times_taken_back_said_in_the_caller_s_zone_or_in_french(said, callers_zone, theirs, wanted):
    from callbot.llm.offline.dates import preferred_time

    assert preferred_time(said, "2026-12-07T14:00:00+00:00", "America/New_York", callers_zone, theirs) == wanted


def test_an_offered_time_is_read_from_its_french_label():
    from datetime import datetime

    from callbot.llm.offline.dates import option_time

    option = {"id": "slot-1", "label": "mercredi 9 décembre à 10 h 30, heure de New York"}
    assert option_time(option, datetime(2026, 12, 7, 9, 0), "America/New_York") == datetime(2026, 12, 9, 10, 30)


def test_a_french_title_at_a_company_and_a_question_about_trying_it_free():
    from callbot.llm.offline.intents import classify

    found = extract("Je suis directeur des ventes aux Sucreries du Rang Double.", None, {}, "fr-FR")
    assert (found["role"], found["company"]) == ("directeur des ventes", "Sucreries du Rang Double")
    assert classify("Est-ce qu'on peut l'essayer gratuitement, votre affaire ? Faut-il une carte de crédit ?") == \
        "question"


@pytest.mark.parametrize(("said", "asked", "language", "expected"), [
    ("Sure, sure. Aisha Bello, that's A-I-S-H-A, and Bello is B-E-L-L-O. The company is Bello Staffing Partners, "
     + "we're a recruiting agency, twenty-two recruiters.", "first_name", "en-US",
     {"first_name": "Aisha", "last_name": "Bello", "company": "Bello Staffing Partners", "team_size": 22}),
    ("So we manage about four hundred apartments and the phones are mad, tenants and landlords ringing at all hours. "
     + "I'm the office manager, there's fourteen of us in the office.", None, "en-US",
     {"team_size": 14, "role": "office manager"}),
    ("Oh, and first: do you keep the data in Europe? We'd need that for GDPR.", None, "en-US", {"company": None}),
    ("No, that's all. Thanks a million, bye bye.", "team_size", "en-US", {"team_size": None}),
    ("Cool. My email is kwame at asante digital dot c-o. Dot co, not dot com.", "email", "en-US",
     {"email": "kwame@asantedigital.co"}),
    ("Bonjour, ici Karim Benali, B-E-N-A-L-I, directeur commercial chez Vinexia.", None, "fr-FR",
     {"first_name": "Karim", "last_name": "Benali", "company": "Vinexia"}),
    ("On aimerait ne plus rater d'appels de clients d'ici la rentrée.", None, "fr-FR", {"first_name": None}),
])
def test_spellings_after_the_name_counts_of_people_and_what_is_not_a_company(said, asked, language, expected):
    fields = extract(said, asked, {}, language)
    assert {k: fields.get(k) for k in expected} == expected


def test_a_caller_who_gives_no_details_in_french_is_not_asked_for_them():
    from callbot.llm.offline.extract import declined

    assert "first_name" in declined("Je préfère ne pas donner mon nom ni mes coordonnées pour l'instant.", None)


@pytest.mark.parametrize(("said", "zone"), [
    ("Could I meet someone on Monday at three in the afternoon, Irish time?", "Europe/Dublin"),
    ("Two pm German time works.", "Europe/Berlin"),
    ("Noon Japanese time", "Asia/Tokyo"),
    ("Ten am Ireland time", "Europe/Dublin"),
    ("Two pm English time", None),  # the language of a country of many zones names none
])
def test_a_country_s_time_said_by_its_name_or_its_language(said, zone):
    from callbot.llm.offline.dates import said_zone

    assert said_zone(said) == zone


def test_every_question_of_an_utterance_is_searched_and_a_question_word_may_come_late():
    from callbot.llm.offline.knowledge_agent import questions
    from callbot.llm.offline.policy import OTHER_QUESTION

    assert len(questions("Est-ce que les données restent en Europe ? Et est-ce qu'on peut se connecter avec Okta, "
                         "en authentification unique ?")) == 2
    assert questions("How much is it per user? Are you a robot, by the way?") == ["What does it cost per user?"]
    assert OTHER_QUESTION.search("And during maintenance, where do the calls go?")
    assert OTHER_QUESTION.search("Et pendant la maintenance, les appels vont où ?")
    assert not OTHER_QUESTION.search("Sorry, what?")


@pytest.mark.parametrize(("said", "intent"), [
    ("I've got that follow-up with Alex coming up, and something came up. Can we move it? I don't want to cancel it.",
     "reschedule"),
    ("I want to cancel my meeting.", "cancel"),
    ("Maybe in the next couple of months? Could I, um, talk to someone about it? Like a meeting?", "book"),
    ("Can I talk to a person? I don't want a meeting.", "human"),
])
def test_a_meeting_moved_not_cancelled_and_talking_to_someone_in_a_meeting(said, intent):
    from callbot.llm.offline.intents import classify

    assert classify(said) == intent


@pytest.mark.parametrize(("said", "language", "expected"), [
    ("On voudrait démarrer avant la rentrée de septembre. Et oui, vous pouvez me recontacter.", "fr-FR",
     {"timeline": "avant la rentrée de septembre", "consent": True}),
    ("Alors je me présente : Julien Marchetti, je suis associé dans un cabinet d'expertise comptable à Lyon, "
     + "Fiducia Conseil. On est une trentaine, trente-deux exactement.", "fr-FR",
     {"first_name": "Julien", "role": "associé", "company": "Fiducia Conseil", "team_size": 32}),
    ("I'm a partner at a small accounting firm in Leeds, Ashby & Cole. We're about thirty, thirty-two exactly.",
     "en-US", {"role": "partner", "company": "Ashby & Cole", "team_size": 32}),
    ("The clinic is Rojas Physical Therapy, and we're, uh, nine people.", "en-US",
     {"company": "Rojas Physical Therapy", "team_size": 9}),
    ("I run operations at Lakeshore Forklift, well, no, it's Lakeshore Material Handling now, we changed the name in "
     + "the spring.", "en-US", {"company": "Lakeshore Material Handling", "timeline": None}),
    ("We already have Twilio SIP trunks, does your thing work with that, or do we need new numbers?", "en-US",
     {"need": None}),
])
def test_a_role_at_a_business_described_then_named_counts_made_exact_and_a_need_asked_is_no_need(said, language,
                                                                                                   expected):
    fields = extract(said, None, {}, language)
    assert {k: fields.get(k) for k in expected} == expected


def test_a_question_asked_with_a_meeting_is_answered_and_the_meeting_then_offered():
    from devtools.conversation import Conversation

    call = Conversation(clock=call_time, caller="+14155550150", knowledge="hybrid")  # Jordan Ellis, a known contact
    said = " ".join(call.say("Hi, Jordan Ellis. Two things: does it write everything into HubSpot? We're moving off "
                             "Salesforce. And I want to get a meeting in."))
    assert "HubSpot" in said
    call.say("Yes, email and text are fine.")
    from devtools.evaluate import tools_called

    assert "find_slots" in tools_called(call.state.get("messages") or [])  # the times offered


@pytest.mark.parametrize(("said", "asked", "language", "expected"), [
    ("Sure, it's siobhan dot oneill, no apostrophe, at kestrel p m dot com.", "email", "en-US",
     {"email": "siobhan.oneill@kestrelpm.com"}),
    ("I'm the, um, leasing coordinator.", "role", "en-US", {"role": "leasing coordinator"}),
    ("Harbourview Insurance Brokers. That's harbour with a u, British spelling, my partner's from Dublin.", "email",
     "en-US", {"company": "Harbourview Insurance Brokers", "role": None}),
    ("Hi, Vikram Nair, Nair Immigration Law in Denver, there are six of us, and I'm the managing attorney.", None,
     "en-US", {"company": "Nair Immigration Law", "role": "managing attorney", "team_size": 6}),
    ("Alors je suis Camille Dubois, je suis associée au cabinet Atelier Lumen, on est quatorze.", None, "fr-FR",
     {"role": "associée", "company": "Atelier Lumen", "team_size": 14}),
    ("Yes, I consent to be contacted.", "role", "en-US", {"consent": True}),
])
def test_asides_in_an_address_a_company_said_alone_and_titles_of_more_trades(said, asked, language, expected):
    fields = extract(said, asked, {}, language)
    assert {k: fields.get(k) for k in expected} == expected


@pytest.mark.parametrize(("said", "question"), [
    ("Alright, last one, can we enforce single sign-on through Okta?", True),
    ("Can I spell it for you?", False),
    ("Can we do Tuesday at 3?", False),
])
def test_what_the_caller_could_do_with_it_is_a_product_question(said, question):
    from callbot.llm.offline.intents import is_product_question

    assert is_product_question(said) is question


def test_a_question_rephrased_is_one_and_its_manner_and_filler_are_not_searched():
    from callbot.llm.offline.knowledge_agent import questions, standalone

    assert len(questions("And what about running it on-premise, like, can we host it on our own servers?")) == 1
    assert questions("Hi there, um, quick question before anything else, how much does your thing cost? Like per "
                     "person?") == ["How much does it cost? Like per person?"]
    assert standalone("What uptime do you commit to, in writing?") == "What uptime do you commit to?"
    assert standalone("If I pay for the whole year, is it cheaper?") == "If I pay annually, is it a discount?"
    assert standalone("Which is the cheaper plan?") == "Which is the cheaper plan?"


def test_a_follow_up_question_is_searched_with_the_question_it_follows():
    from devtools.conversation import Conversation

    call = Conversation(clock=call_time)
    call.say("I'm comparing a few providers. What are your support hours?")
    call.say("And what about it on weekends?")
    searched = [c["args"]["question"] for m in call.state["messages"] for c in getattr(m, "tool_calls", [])
                if c["name"] == "search_knowledge"]
    assert searched[-1] == "What are your support hours? What about it on weekends?"


def test_a_passage_that_shares_no_word_of_the_question_does_not_answer_it():
    from callbot.llm.offline.knowledge_agent import _shares_a_term

    passage = {"text": "Northwind Voice is based in New York and sells to companies in North America.", "language": "en"}
    assert not _shares_a_term(passage, "Can we run Northwind Voice on our own servers?", "Northwind Voice")
    assert _shares_a_term(passage, "Where are you based?", "Northwind Voice")


def test_a_question_the_passages_found_do_not_answer_is_declined_and_noted():
    from devtools.conversation import Conversation

    call = Conversation(clock=call_time, knowledge="hybrid")
    said = call.say("Hi. Can we run Northwind Voice on our own servers, like on-premise?")
    assert any("don't know" in line for line in said)
    assert call.state["unanswered_questions"] == ["Can we run Northwind Voice on our own servers, like on-premise?"]


@pytest.mark.parametrize("said", ["Before I tell you anything, am I talking to a real person or a bot?",
                                  "Huh. Is this a robot?", "Am I speaking with an AI?"])
def test_a_caller_who_asks_whether_the_bot_is_a_person_is_told(said):
    from devtools.conversation import Conversation

    assert "virtual assistant" in " ".join(Conversation(clock=call_time).say(said))


def test_a_booked_meeting_moved_to_a_time_in_the_callers_zone_is_taken_as_they_leave():
    from devtools.conversation import Conversation

    call = Conversation(clock=call_time, language="fr-FR", caller="+33612345678")
    for said in ["Bonjour, Karim Benali, de Rhône Hydraulique. Je voudrais un rendez-vous avec un commercial.",
                 "C'est k point benali arobase rhone tiret hydraulique point fr.", "Oui, c'est ça.",
                 "Vous pouvez me rappeler, pas de souci.", "Mardi prochain, vous avez quoi ?", "Le premier, ça ira."]:
        call.say(said)
    booked = call.state["meeting"]["start"]
    call.say("Ah non, attendez, mardi matin j'ai un audit. Plutôt mardi à dix-sept heures, heure de Lyon ?")
    call.say("Voilà, mardi dix-sept heures. Merci, au revoir.")
    meeting = call.state["meeting"]
    assert meeting["moved_from"] == booked
    start = datetime.fromisoformat(meeting["start"]).astimezone(ZoneInfo("Europe/Paris"))
    assert (start.weekday(), start.hour, start.minute) == (1, 17, 0)


def test_a_sentence_does_not_end_at_a_m_or_p_m():
    from callbot.agents.speech import split_sentences

    assert split_sentences("Support is open from 8 a.m. to 6 p.m. Eastern Time. Nights go to email.") == [
        "Support is open from 8 a.m. to 6 p.m. Eastern Time.", "Nights go to email."]


@pytest.mark.parametrize(("said", "asked", "language", "lead", "expected"), [
    ("Yes, that's it. And yes, please do follow up.", "email_confirmed", "en-US", {}, {"consent": True}),
    ("Yep, you got it. And sure, somebody can give me a holler.", "email_confirmed", "en-US", {}, {"consent": True}),
    ("Oui, c'est exact. Vous pouvez m'envoyer de la documentation à cette adresse.", "email_confirmed", "fr-FR", {},
     {"consent": True}),
    ("Kwame, K-W-A-M-E, Mensah, M-E-N-S-A-H. Company's Brightpath Solar, I'm head of sales.", "first_name", "en-US",
     {}, {"first_name": "Kwame", "last_name": "Mensah", "company": "Brightpath Solar"}),
    ("Oh. It's Annika. Annika Lindqvist, L-I-N-D-Q-V-I-S-T. From Fjord Outdoor Gear.", None, "en-US", {},
     {"first_name": "Annika", "last_name": "Lindqvist", "company": "Fjord Outdoor Gear"}),
    ("Oh, and the company, Lismore Property Management.", "email", "en-US", {},
     {"company": "Lismore Property Management"}),
    ("On est une vingtaine, non, vingt-deux en fait.", None, "fr-FR", {}, {"team_size": 22}),
    ("It's jaewon dot park at silverline ins dot com. J-A-E-W-O-N, no dash in the email.", "email", "en-US",
     {"first_name": "Jae-won", "last_name": "Park"}, {"first_name": None, "email": "jaewon.park@silverlineins.com"}),
])
def test_consent_said_as_a_follow_up_a_name_said_bare_and_a_name_spelled_without_its_hyphen(said, asked, language,
                                                                                              lead, expected):
    fields = extract(said, asked, lead, language)
    assert {k: fields.get(k) for k in expected} == expected


def test_how_much_is_asked_as_what_it_costs_and_a_french_can_we_is_a_product_question():
    from callbot.llm.offline.intents import classify
    from callbot.llm.offline.knowledge_agent import questions

    assert questions("Okay. Um. How much is it?") == ["What does it cost?"]
    assert classify("Dernière chose : est-ce qu'on peut imposer l'authentification unique avec Microsoft Entra ?") == \
        "question"
    assert classify("Est-ce qu'on peut prendre rendez-vous jeudi ?") == "book"


def test_weather_and_travel_talk_is_small_talk_and_alrighty_is_a_yes():
    from callbot.llm.offline.intents import small_talk
    from callbot.spoken import yes_or_no

    assert small_talk("Gosh, you sound real natural. Is it raining up there in New York?")
    assert small_talk("Say, do you folks ever get down to Nashville? Best hot chicken in the country.")
    assert not small_talk("Is it compliant with GDPR?")
    assert yes_or_no("Alrighty, thank you kindly. Bye now.") is True


def test_a_price_asked_for_a_headcount_is_searched_as_the_price_per_user_without_hesitations():
    from callbot.llm.offline.knowledge_agent import standalone

    assert standalone("What does it cost for, um, a firm of about fifteen people?") == "What does it cost per user?"
    assert standalone("How much would it be for 40 reps?") == "What does it cost per user?"
    assert standalone("Is it good for people in sales?") == "Is it good for people in sales?"


def test_a_name_said_unasked_with_its_hyphen_spelled_is_taken():
    found = extract("Mei-Ling Zhao. M-E-I, hyphen, L-I-N-G, and Zhao is Z-H-A-O. The firm is Zhao Legal Group.",
                    "email", {})
    assert (found["first_name"], found["last_name"], found["company"]) == ("Mei-Ling", "Zhao", "Zhao Legal Group")


def test_a_caller_who_did_not_hear_gets_the_question_again_and_one_who_asks_to_wait_gets_time():
    from devtools.conversation import Conversation

    call = Conversation(clock=call_time)
    asked = call.say("Hi, I'm Dana Whitfield from Acme Logistics.")[-1]
    assert call.say("Sorry, say that again? You broke up, I'm under a bridge.") == [asked]
    assert call.say("Hang on.") == ["Sure, take your time."]
    call.say("I'm the VP of Sales.")  # the answer to the question asked before the wait
    assert call.state["lead"].get("role") == "VP of Sales" and "timeline" not in call.state["lead"]


def test_my_time_with_the_city_the_caller_is_in_names_its_zone():
    from callbot.llm.offline.dates import said_zone

    assert said_zone("Thursday at eleven, my time. I'm in Phoenix.") == "America/Phoenix"
    assert said_zone("we're based in Chicago, so two pm our time") == "America/Chicago"
    assert said_zone("I'm in Phoenix this week.") is None  # where they are, not a time's zone


def test_a_returning_caller_moves_a_meeting_they_need_to_move_and_a_cancelled_one_stays_cancelled():
    from devtools.conversation import Conversation
    from devtools.evaluate import tools_called

    call = Conversation(clock=call_time, caller="+14155550199")  # Sam Rivera, with a meeting booked
    call.say("Hey, it's Sam. I've got that follow-up with Alex coming up and I need to move it.")
    assert "transfer_to_calendar" in tools_called(call.state["messages"]) and call.state["meeting"]["status"] == "booked"

    call = Conversation(clock=call_time, caller="+14155550199", knowledge="hybrid")
    call.say("Hi, Sam Rivera here. I need to cancel the meeting I have with Alex.")
    again = " ".join(call.say("Just cancel it, please."))
    assert "is cancelled" in again and "don't see a meeting" not in again
    answer = " ".join(call.say("Yes, cancel it. Quick question though, if we come back to you later, is there a setup fee?"))
    assert "setup fee" in answer and call.state["meeting"]["status"] == "cancelled"


@pytest.mark.parametrize(("said", "waits"), [
    ("Hang on.", True), ("Okay, sorry, one sec, let me grab a pen.", True), ("Un instant.", True),
    ("Oh, hang on, before I forget, is there any kind of break on the price if we pay for the year?", False),
    ("Hold on a second, we're actually closer to forty people now, and I run operations there.", False),
])
def test_a_wait_is_asked_in_a_few_words_that_ask_nothing_else(said, waits):
    from callbot.llm.offline.intents import asks_to_wait

    assert asks_to_wait(said) is waits


def test_a_spelling_cut_short_takes_the_name_it_began_and_the_whole_spelling_later_completes_a_held_one():
    said = ("Agnieszka Wojciechowska. Let me spell it. A-G-N-I-E-S-Z-K-A. Last name W-O-J-C-I-E... sorry, before "
            "I forget, does this work with HubSpot?")
    assert extract(said, "first_name", {}) == {"first_name": "Agnieszka", "last_name": "Wojciechowska"}
    assert extract("Okay, good. So the last name, from the top: W-O-J-C-I-E-C-H-O-W-S-K-A.", "need",
                   {"first_name": "Agnieszka", "last_name": "Wojcie"}) == {"last_name": "Wojciechowska"}


def test_what_leads_up_to_a_question_is_not_searched():
    from callbot.llm.offline.knowledge_agent import questions, standalone

    assert standalone("Sorry, before I forget, does this work with HubSpot?") == "Does this integrate with HubSpot?"
    assert questions("Yes, cancel it. Quick question though, if we come back to you later, is there a setup fee?") \
        == ["If we come back to you later, is there a setup fee?"]


@pytest.mark.parametrize(("said", "asked", "expected"), [
    ("Lagoon Print Co. Commercial printing. I'm the owner.", "company", {"company": "Lagoon Print Co", "role": "owner"}),
    ("Well, it's complicated. We have forty people.", "company", {"team_size": 40}),
    ("Owner. We're about ten people.", "role", {"role": "Owner", "team_size": 10}),
    ("Well, it's complicated. We have forty people.", "role", {"team_size": 40}),
    ("We miss print orders when we're on the press. Want it ASAP.", "need",
     {"need": "we miss print orders when we're on the press", "timeline": "ASAP"}),
])
def test_the_answer_said_first_is_taken_with_what_follows_it(said, asked, expected):
    assert extract(said, asked, {}) == expected


def test_good_alone_is_a_yes_and_good_to_know_is_not():
    from callbot.spoken import yes_or_no

    assert yes_or_no("Good. Bye.") is True and yes_or_no("Very good.") is True
    assert yes_or_no("Good to know.") is None and yes_or_no("Good morning.") is None


def test_what_a_business_does_is_no_name_and_a_name_said_last_is_the_one_asked_for():
    said = ("Yeah so, I own a couple of event venues, Oliveira Event Spaces. Weddings, corporate parties. Did you "
            "catch the game last night, by the way?")
    assert "first_name" not in extract(said, "first_name", {})
    later = "Thirty minutes of me talking, my wife would say that's easy. Okay. Rafael Oliveira, O-L-I-V-E-I-R-A."
    assert extract(later, "last_name", {}) == {"first_name": "Rafael", "last_name": "Oliveira"}


def test_a_question_rephrased_after_like_is_one_question_and_where_were_we_asks_again():
    from callbot.llm.offline.intents import asks_to_repeat
    from callbot.llm.offline.knowledge_agent import questions

    assert questions("Okay, serious question: can the assistant talk in my voice? Like, actually sound like me?") \
        == ["Can the assistant talk in my voice? Like, actually sound like me?"]
    assert asks_to_repeat("Sorry, I'm back. Where were we?")


def test_the_name_is_asked_again_after_a_question_of_the_callers_is_answered():
    from devtools.conversation import Conversation

    call = Conversation(clock=call_time, knowledge="hybrid")
    call.say("Hi there.")
    call.say("I own a couple of event venues, Oliveira Event Spaces. Did you catch the game last night?")
    said = call.say("Ha, fair enough. Serious question: can the assistant talk in my voice?")
    assert said[-1] == "May I have your first and last name?"  # asked twice before, but a question came between


def test_awesome_is_a_yes():
    from callbot.spoken import yes_or_no

    assert yes_or_no("Awesome, thanks. Bye.") is True


@pytest.mark.parametrize("said", [
    "Alors, avant toute chose, je voudrais savoir où sont hébergées les données, et si vous êtes certifiés.",
    "D'accord. Et l'authentification unique avec Microsoft, c'est possible chez vous?",
    "Is single sign-on with Microsoft possible?"])
def test_an_indirect_question_and_is_it_possible_are_product_questions(said):
    from callbot.llm.offline.intents import classify

    assert classify(said) == "question"


def test_a_returning_caller_who_asks_to_move_with_a_question_is_answered_then_asked_when():
    from devtools.conversation import Conversation

    call = Conversation(clock=call_time, caller="+14155550199")  # Sam Rivera, with a meeting booked
    said = " ".join(call.say("Hey, it's Sam. My week got scrambled, so I need to shift that meeting. And quick one: "
                             "does your thing book meetings into Outlook calendars?"))
    assert "Outlook" in said and said.endswith("What day and time would work better for you?")
    assert "Sorry" not in " ".join(call.say("Thursday afternoon?"))
    assert call.state["meeting_options"] and call.state["meeting"]["status"] == "booked"
    call = Conversation(clock=call_time, caller="+14155550199")
    assert call.say("Hi, it's Sam. I need to move my meeting.")[-1] == "What day and time would work better for you?"


def test_talking_to_someone_asked_with_what_times_there_are_is_a_meeting_not_a_transfer():
    from callbot.llm.offline.intents import classify

    assert classify("Okay. I'd want to talk to someone before we try it though. What do you have this week?") == "book"
    assert classify("What do you have for integrations?") == "question"


def test_call_me_anytime_is_consent_and_no_name():
    assert extract("Oh sure, you can call me anytime.", "consent", {"first_name": "Bernadette"}) == {"consent": True}


def test_a_need_told_with_you_know_at_its_end_is_no_question():
    said = ("Uh, so the thing is, when it's ten below out, the phone rings all night, and we miss, like, half of "
            "those, 'cause nobody's picking up at two in the morning, you know?")
    need = extract(said, "last_name", {"first_name": "Dwayne"}).get("need", "")
    assert "we miss" in need and not need.startswith("thing is") and not need.endswith("you know")


def test_a_no_to_the_meeting_said_when_consent_is_asked_is_not_a_no_to_being_contacted():
    said = "No, I won't book a meeting yet. I need to take it to our board first. Maybe someone could just email me?"
    assert extract(said, "consent", {}).get("consent") is True
    assert "consent" not in extract("No, I won't book a meeting yet.", "consent", {})
    assert extract("No thanks, no calls please.", "consent", {}) == {"consent": False}


@pytest.mark.parametrize("said", ["Yes, good. Thank you. Tschüss.", "Perfect, ciao!"])
def test_goodbyes_in_other_languages_end_the_call(said):
    from callbot.llm.offline.intents import classify

    assert classify(said, confirming=True) == "goodbye"


def test_a_caller_who_calls_for_their_boss_gives_the_boss_as_the_lead():
    said = ("Hi there, good afternoon. So I'm calling on behalf of my boss, Daniel Okafor, he's the VP of Sales at "
            "Maplecrest Insurance here in Toronto. I'm his executive assistant, Priyanka.")
    assert extract(said, None, {}) == {"first_name": "Daniel", "last_name": "Okafor", "role": "VP of Sales",
                                       "company": "Maplecrest Insurance"}
    assert extract("I'm calling for Acme Logistics.", None, {}) == {"company": "Acme Logistics"}


def test_a_question_told_for_someone_else_is_asked():
    from callbot.llm.offline.knowledge_agent import questions

    assert questions("He specifically wants to know whether this works with HubSpot, because that's what they use.") == [
        "Does it integrate with HubSpot, because that's what they use."]


def test_a_french_owner_who_runs_a_named_business_gives_its_company():
    said = "Alors voilà, je m'appelle Yannick Le Goff, je gère Nautisme Iroise, on loue des bateaux à Brest."
    assert extract(said, None, {}, "fr-FR") == {"first_name": "Yannick", "last_name": "Le Goff",
                                                 "company": "Nautisme Iroise", "role": "gérant"}


def test_a_department_run_is_a_role_and_the_business_after_it_the_company():
    assert extract("I run Sales Operations at Acme Freight.", None, {}) == {
        "role": "run Sales Operations", "company": "Acme Freight"}
    assert extract("I run Customer Success at Brightline.", None, {})["company"] == "Brightline"
    assert extract("I run Growth Partners, a consultancy.", None, {}) == {"role": "owner", "company": "Growth Partners"}


def test_french_ways_of_agreeing_to_be_contacted_and_of_asking_to_talk_to_someone_at_a_time():
    from callbot.llm.offline.intents import classify

    assert extract("Oui, d'accord pour être recontacté.", "timeline", {}, "fr-FR") == {"consent": True}
    assert classify("J'aimerais en parler avec quelqu'un. Jeudi, n'importe quand après quinze heures.") == "book"
    assert classify("Je voudrais parler à quelqu'un, s'il vous plaît.") == "human"


def test_a_french_question_about_what_was_said_before_is_searched_with_it():
    from callbot.llm.offline.knowledge_agent import questions

    said = "On a un numéro que tous nos clients connaissent depuis vingt ans. Est-ce qu'on peut le garder?"
    assert questions(said) == [said]


@pytest.mark.parametrize(("said", "consent"), [
    ("Fine. No, I don't want a meeting, and please don't add me to any call or email lists.", False),
    ("I don't want to be contacted, thanks.", False),
    ("I'll call you back later to book.", None)])
def test_a_caller_who_asks_to_be_left_off_lists_does_not_consent(said, consent):
    assert extract(said, "role", {}).get("consent") is consent


def test_put_through_to_sales_taken_back_for_a_call_on_the_calendar_is_a_meeting():
    from callbot.llm.offline.intents import classify

    said = ("Can you put me through to someone in sales? I mean, not right now, I've got a standup in five minutes. "
            "I mean get a proper call on the calendar with a rep.")
    assert classify(said) == "book"
    assert classify("Can you put me through to someone in sales?") == "human"
    assert extract(said, "team_size", {}) == {}  # (five minutes is no team)
    assert "team_size" not in extract(said, None, {"team_size": 35, "first_name": "Aarav"})


@pytest.mark.parametrize(("said", "intent"), [("Does this do single sign-on with Okta?", "question"),
                                              ("Is this thing on?", None), ("Is this a robot?", None)])
def test_does_this_asks_about_the_product(said, intent):
    from callbot.llm.offline.intents import classify

    assert classify(said) == intent


def test_cool_is_a_yes():
    from callbot.spoken import yes_or_no

    assert yes_or_no("Cool, thanks. Bye.") is True


def test_times_are_said_in_the_zone_the_caller_named_with_the_companys_after_them():
    from devtools.conversation import Conversation

    call = Conversation(clock=call_time)
    for said in [("Hi, I'm Eleanor Whitcombe, head of operations at Hartwell Interiors in London. I'd like to book a "
                  "meeting, Thursday at three in the afternoon, London time."), "eleanor at hartwell dot co dot uk",
                 "Yes.", "Yes, you can contact me."]:
        offered = " ".join(call.say(said))
    assert "3:00 PM London time (10:00 AM Eastern Time) is free" in offered
    assert "3:00 PM London time (10:00 AM Eastern Time)" in " ".join(call.say("Lovely, book it."))
    assert call.state["meeting"]["start"].startswith("2026-12-10T10:00:00-05:00")


def test_a_zone_without_a_name_of_its_own_is_said_by_its_city():
    from callbot.agents.calendar.labels import speak_time_for

    assert speak_time_for("2026-12-10T10:00:00-05:00", "America/New_York", "Europe/Paris", "fr-FR") == (
        "jeudi 10 décembre à 16 h 00, heure de Paris (10 h 00, heure de New York)")
    assert speak_time_for("2026-12-10T10:00:00-05:00", "America/New_York", "Europe/Berlin") == (
        "Thursday, December 10 at 4:00 PM Berlin time (10:00 AM Eastern Time)")
    assert speak_time_for("2026-12-10T10:00:00-05:00", "America/New_York", None) == (
        "Thursday, December 10 at 10:00 AM Eastern Time")


@pytest.mark.parametrize(("leaving", "booked"), [("Thank you. Goodbye.", True),
                                                 ("Thanks, I'll think about it. Bye.", False), ("No thanks, bye.", False)])
def test_thanks_and_goodbye_to_the_very_time_asked_for_takes_it(leaving, booked):
    from devtools.conversation import Conversation

    call = Conversation(clock=call_time)
    for said in ["Hi, I'm Ngozi Eze, IT director at Triangle Pediatric Partners.", "ngozi at trianglepeds dot org",
                 "That's correct, and yes, your team may contact me.",
                 "Could we do Monday at nine thirty in the morning?"]:
        call.say(said)
    assert "is free" in call.said[-2]
    call.say(leaving)
    assert bool(call.state.get("meeting")) is booked and call.ended


def test_a_question_about_a_sports_team_is_small_talk_and_someone_to_show_how_it_works_is_a_meeting():
    from callbot.llm.offline.intents import classify, small_talk

    said = ("Say, do you folks follow the Jaguars? No? Never mind. Anyway, can somebody show me how it all works? "
            "Sometime next week?")
    assert small_talk(said) and classify(said) == "book"
    assert classify("Do you follow up with leads?") == "question" and not small_talk("Do you follow up with leads?")


def test_a_word_of_the_companys_name_asked_about_as_a_thing_is_a_word_of_the_question():
    from callbot.llm.offline.knowledge_agent import _shares_a_term

    voices = {"heading": "Stock voices", "text": "The assistant comes with 12 natural-sounding stock voices.", "language": "en"}
    about = {"heading": "About us", "text": "Northwind Voice is based in New York.", "language": "en"}
    assert _shares_a_term(voices, "How many voices are there to choose from?", "Northwind Voice")
    assert not _shares_a_term(about, "Can Northwind Voice run on our own servers?", "Northwind Voice")
    assert not _shares_a_term(about, "Does Northwind run on our own servers?", "Northwind Voice")


def test_a_company_said_alone_with_where_it_is_and_calls_that_go_unanswered():
    said = "Hector Villanueva, V-I-L-L-A-N-U-E-V-A. Lone Star Equipment Rental, out of Dallas. I'm the general manager."
    assert extract(said, "first_name", {})["company"] == "Lone Star Equipment Rental"
    told = extract("We've got forty-five employees. Contractors call in for rentals while the counter guys are "
                   "slammed, and half those calls go unanswered.", "email", {})
    assert told["team_size"] == 45 and "half those calls go unanswered" in told["need"]


def test_a_sentence_that_starts_with_the_and_no_title_is_no_role():
    told = extract("About ninety people. The leads from our ads call in and land in voicemail half the time.", "email", {})
    assert "role" not in told and told["need"].startswith("leads from our ads call in")
    assert extract("Thanks. The sales manager at SunRow Solar.", "role", {}) == {"role": "sales manager",
                                                                                "company": "SunRow Solar"}


def test_a_name_spelled_in_small_letters_after_other_words_and_a_company_said_when_the_name_was_asked():
    said = "Cool. So, uh, Tomasz Kowalski. That's T-o-m-a-s-z, and Kowalski, k-o-w-a-l-s-k-i."
    assert extract(said, None, {}) == {"first_name": "Tomasz", "last_name": "Kowalski"}
    told = extract("Cascade Solar. I'm the sales manager. We're about thirty people total.", "first_name", {})
    assert told["company"] == "Cascade Solar" and "first_name" not in told
    assert extract("Jude Law.", "first_name", {}) == {"first_name": "Jude", "last_name": "Law"}


def test_a_name_said_alone_before_a_sentence_that_names_the_business():
    said = "Okay. Mathieu Tremblay, T-r-e-m-b-l-a-y. Tremblay Assurances, with an s at the end. It's an insurance brokerage."
    assert extract(said, None, {}) == {"first_name": "Mathieu", "last_name": "Tremblay", "company": "Tremblay Assurances"}


def test_a_day_and_a_time_said_alone_is_a_meeting_asked_for_then():
    from callbot.llm.offline.intents import classify

    assert classify("Tuesday, four pm, Eastern.") == "book"
    assert classify("Mardi à 16 h.") == "book"
    assert classify("We close at 5 on Fridays.") is None and classify("Next quarter.") is None
    assert classify("Soon as possible. Thursday, ten, your time?") == "book"
    assert classify("Do you answer calls Sunday at 10?") is None
    assert extract("Yep, that's it. And sure, you can call or email.", "email_confirmed", {})["consent"] is True


def test_a_name_of_two_letters_spelled_and_a_caller_who_asks_whether_this_is_a_person():
    from callbot.llm.offline.intents import about_bot

    assert extract("Fine. Wei Ng. That's N-g. Bayview Staffing.", None, {}) == {
        "first_name": "Wei", "last_name": "Ng", "company": "Bayview Staffing"}
    assert about_bot("Wait, is this a person?")


def test_how_to_reach_the_caller_and_thanks_are_no_need():
    said = "Best number for me is my cell, not this line. Nine one seven, five five five, zero one four two."
    assert "need" not in extract(said, "need", {})
    assert "need" not in extract("No, don't book anything. Thanks, bye.", "need", {})


def test_my_time_is_the_time_where_the_caller_said_they_are():
    from callbot.llm.offline.dates import located_zone, place_zone, said_zone
    from devtools.conversation import Conversation

    assert said_zone("What about Monday? Nine thirty, my time. Chicago.") == "America/Chicago"
    assert located_zone("Haddad Auto Glass, in Chicago. I own it.") == "America/Chicago"
    assert located_zone("We're based out of Seattle.") == "America/Los_Angeles"
    assert located_zone("I'm in sales at Acme.") is None  # a department, not a place
    assert (place_zone("Dallas"), place_zone("Texas"), place_zone("Washington")) == (
        "America/Chicago", "America/Chicago", "America/New_York")  # (a state, unless a US city has its name)

    call = Conversation(clock=call_time)
    for said in ["Hi, I want to set up a call with one of your sales people.",
                 "Fatima Haddad. H-a-d-d-a-d. Haddad Auto Glass, in Chicago. I own it.",
                 "fatima at haddad auto glass dot com. All one word.", "Yes. And yes, you can contact me.",
                 "None of those work. What about Thursday? Ten thirty, my time."]:
        call.say(said)
    assert call.state["lead"]["role"] == "owner"
    call.say("Yes, book it.")
    start = datetime.fromisoformat(call.state["meeting"]["start"]).astimezone(ZoneInfo("America/Chicago"))
    assert (start.weekday(), start.hour, start.minute) == (3, 10, 30)


def test_a_question_after_a_no_to_the_meeting_is_answered():
    from devtools.conversation import Conversation

    call = Conversation(clock=call_time)
    call.say("Hi, I just want to know your prices. How much is it?")
    answer = " ".join(call.say("No meeting, no. Are there any setup fees, though?"))
    assert "setup fees" in answer and "meeting" not in call.state


def test_a_domain_spelled_after_it_is_said_a_count_corrected_and_contacting_me_is_fine():
    said = "So it's anna dot h-o-f-f-m-a-n-n at keystonetax, k-e-y-s-t-o-n-e-t-a-x, dot com."
    assert extract(said, "email", {})["email"] == "anna.hoffmann@keystonetax.com"
    said = "How many of us? Um, twenty. No wait, with the new location it's more like thirty-five. Yeah, thirty-five."
    assert extract(said, "team_size", {}) == {"team_size": 35}
    assert extract("Yep, that's right. And yes, contacting me is fine.", "consent", {})["consent"] is True
    assert extract("Fatima Benali, Atlas Freight Brokers, I'm the sales director.", None, {})["company"] == \
        "Atlas Freight Brokers"


@pytest.mark.parametrize(("said", "asked", "expected"), [
    ("Grace Okonkwo. We get a lot of calls from families looking for care, and we miss a lot of them after five o'clock.",
     "need", {"need": "we get a lot of calls from families looking for care, and we miss a lot of them after five o'clock"}),
    ("Candidates and clients ring constantly and we can't always get to the phone. We're looking to decide this month.", None,
     {"need": "candidates and clients ring constantly and we can't always get to the phone", "timeline": "this month"}),
    ("So I'm calling because my brother-in-law uses something like this for his plumbing business and he loves it.",
     None, {}),
    ("We've been looking for a way to answer calls at night.", None, {"need": "answer calls at night"}),
    ("No, I'd rather you didn't contact me for now.", "timeline", {"consent": False}),
    ("No meeting for now, thanks. Bye.", "timeline", {}),
    ("I'd like to get going pretty much right away.", None, {"timeline": "going pretty much right away"}),
])
def test_a_need_is_the_callers_own_and_neither_a_decision_nor_thanks(said, asked, expected):
    assert extract(said, asked, {}) == expected


def test_a_name_spelled_again_after_an_aside_on_its_accent():
    said = "Mon e-mail, c'est c point lefevre, sans accent, l-e-f-e-v-r-e, arobase ateliermoreau, en un seul mot, point f r."
    assert extract(said, "email", {}, "fr-FR")["email"] == "c.lefevre@ateliermoreau.fr"


def test_the_booked_time_said_again_is_the_meeting_and_an_answers_sentence_is_said_once():
    from devtools.conversation import Conversation

    call = Conversation(clock=call_time)
    for said in ["Aisha Rahman, head of business development at Kestrel Recruitment in London.",
                 "It's aisha dot rahman at kestrelrecruitment dot co dot uk.", "Yes, that's right. Happy to be contacted.",
                 "Could we book a call for Tuesday at two p.m. UK time?", "Yes, please book it."]:
        call.say(said)
    booked = dict(call.state["meeting"])
    again = " ".join(call.say("Yes, Tuesday at two, London time. Lovely, please book it."))
    assert call.state["meeting"] == booked and "Your meeting is on Tuesday, December 8 at 2:00 PM London time" in again
    answer = call.say("Are you GDPR compliant, and can our data be kept in the EU?")
    assert len(answer) == len(set(answer))


def test_a_day_taken_back_for_another_and_a_question_announced_first_is_no_need():
    from callbot.llm.offline.dates import requested

    now = datetime(2026, 12, 7, 10, 0)
    said = "Can we meet Thursday at ten? Oh, sorry, no, Friday. Friday at ten, Thursday's our staff meeting."
    wanted = requested(said, now, "America/New_York")
    assert (wanted.day.isoformat(), wanted.hour) == ("2026-12-11", 10)
    said = "I've got a patient in like five minutes, so quick question first: does it speak Spanish?"
    assert "need" not in extract(said, None, {})


def test_what_it_points_back_to_and_how_long_are_read_for_the_answer():
    from callbot.llm.offline.knowledge_agent import questions, topic

    said = "One question. Clients know our toll-free number. Can we keep it, and how long does porting take?"
    assert questions(said)[0] == "Clients know our toll-free number. Can we keep it"
    assert topic("How long does porting take?") == "How does porting take?"


@pytest.mark.parametrize(("said", "intent"), [
    ("Good. That's all, thanks.", "goodbye"),
    ("What's the first thing you've got?", "book"),
    ("What's the first thing you do on a call?", None),
])
def test_leaving_with_thanks_while_a_question_is_open_and_the_first_time_free(said, intent):
    from callbot.llm.offline.intents import classify

    assert classify(said, confirming=True) == intent


def test_a_caller_who_asks_why_their_details_are_needed_is_told_not_searched():
    from devtools.conversation import Conversation
    from devtools.evaluate import tools_called

    call = Conversation(clock=call_time)
    call.say("Wait, is this a person?")
    said = call.say("Huh. Okay. So what do you need from me?")
    assert "follow up with you" in said[0] and "search_knowledge" not in tools_called(call.state["messages"])


def test_a_condition_stays_with_its_question_and_a_second_one_says_what_it_is_about():
    from callbot.llm.offline.knowledge_agent import questions

    said = "One more thing. If we go with the bigger plan, do we get an actual person to call, like an account manager?"
    assert questions(said) == [said.removeprefix("One more thing. ")]
    said = "My ops guy was asking how long onboarding takes, and whether we get a dedicated person to help us with it?"
    first, second = questions(said)
    assert "onboarding" in first and second.startswith("Whether we get a dedicated person") and "onboarding" in second


def test_a_need_said_again_in_other_words_is_noted_with_the_first_and_an_event_stays_with_its_date():
    lead = {"first_name": "Olumide", "need": "the front desks just can't keep up with the phones"}
    said = "What we need is something that picks up when the front desk is busy, because we keep missing new patient calls."
    need = extract(said, None, lead)["need"]
    assert need.startswith(lead["need"] + "; ") and "new patient calls" in need
    assert "need" not in extract("We need help with the phones.", None, {"need": "help with the phones"})
    assert "need" not in extract("Sure, call me, email me, whatever you want.", "consent", {"need": "the phones"})
    said = "We're a family agency, eleven people. I'd like something in place before open enrollment in the fall."
    assert extract(said, None, {})["timeline"] == "before open enrollment in the fall"
    said = "When the AC breaks in July everybody calls at once and we're missing calls. My nephew says I need one of these AI things."
    found = extract(said, None, {})
    assert "timeline" not in found and "missing calls" in found["need"]
    assert extract("We want to start within thirty days.", None, {})["timeline"] == "within thirty days"
    said = "Can we do the demo Saturday morning? That's the only time I'm not running around."
    assert "timeline" not in extract(said, "timeline", {})


def test_names_counts_and_consent_said_the_way_strangers_say_them():
    said = "Hi, I'm Wei Chen. Wei is my first name, Chen is the last. I'm head of revenue operations at Ledgerline."
    found = extract(said, None, {})
    assert (found["first_name"], found["last_name"], found["company"]) == ("Wei", "Chen", "Ledgerline")
    assert extract("Yes, that's correct. And yes to being contacted.", "email_confirmed", {"email": "w@l.com"})["consent"]
    assert extract("Correct. Yeah, contact is fine.", "email_confirmed", {"email": "w@l.com"})["consent"]
    assert extract("I've got eight reps. Well, nine, we just hired one. Nine.", None, {})["team_size"] == 9
    lead = {"first_name": "Vikram", "company": "Ironclad Cyber"}
    said = "Last name Raghunathan. And the company is actually Ironclad Cyber Defense, that's the full name, sorry."
    assert extract(said, "last_name", lead)["company"] == "Ironclad Cyber Defense"


@pytest.mark.parametrize(("said", "email"), [
    ("Oh wait, no, sorry, that's our old domain. It's harborviewins dot com. H-a-r-b-o-r-v-i-e-w-i-n-s dot com.",
     "megan.osullivan@harborviewins.com"),
    ("No, the domain is harborview dot net, not harborviewinsurance dot com.", "megan.osullivan@harborview.net"),
    ("No, it's dot net, not dot com.", "megan.osullivan@harborviewinsurance.net"),
])
def test_an_email_domain_corrected_keeps_the_name_before_the_at(said, email):
    lead = {"first_name": "Megan", "email": "megan.osullivan@harborviewinsurance.com"}
    assert extract(said, "email_confirmed", lead)["email"] == email


@pytest.mark.parametrize(("said", "day", "hour"), [
    ("Could we do Thursday at ten? Oh, wait, sorry, not Thursday, I have a board meeting. Friday. Friday at ten.",
     "2026-12-11", 10),
    ("Est-ce qu'on pourrait faire ça mardi à quatorze heures ? Ah non, pardon, pas mardi, mercredi.", "2026-12-09", 14),
])
def test_a_day_said_not_to_be_the_one_is_not_taken(said, day, hour):
    from callbot.llm.offline.dates import requested

    wanted = requested(said, datetime(2026, 12, 7, 10, 0), "America/New_York")
    assert (wanted.day.isoformat(), wanted.hour) == (day, hour)


def test_noon_named_is_a_time_and_french_callers_roles_and_prices():
    from callbot.llm.offline.dates import requested
    from callbot.llm.offline.intents import asks_too
    from callbot.llm.offline.knowledge_agent import standalone

    wanted = requested("If Saturday's no good, then Friday at noon.", datetime(2026, 12, 7, 10, 0), "America/New_York")
    assert (wanted.day.isoformat(), wanted.hour, wanted.minute) == ("2026-12-11", 12, 0)
    said = "Karim Benali. Je suis le gérant de Benali Transports, à Lyon."
    found = extract(said, None, {}, "fr-FR")
    assert (found["role"], found["company"]) == ("gérant", "Benali Transports")
    said = "Oui. On a quarante-cinq conseillers, et le problème, c'est que le soir les appels tombent sur la boîte vocale et on les perd."
    assert extract(said, None, {}, "fr-FR")["need"].startswith("le soir les appels")
    assert not asks_too("Je voudrais juste réserver une démo lundi après-midi, heure française. C'est possible ?")
    assert standalone("Avant tout, c'est combien, votre solution ?").startswith("Combien ça coûte")


def test_a_time_named_while_booking_still_needs_consent_is_kept_said_so_and_then_offered():
    from devtools.conversation import Conversation

    call = Conversation(clock=call_time)
    for said in ["Hi, Vikram Raghunathan here, from Ironclad Cyber. I'd like to book a call with your sales team.",
                 "vikram at ironcladcyber dot com.", "Correct."]:
        call.say(said)
    heard = call.say("Monday, ten a.m. Mountain time. Does that work?")
    assert heard[0] == "I'll check that time in a moment." and "contact you" in heard[-1]
    heard = " ".join(call.say("Yes, you can contact me."))
    assert "10:00 AM Mountain Time" in heard and "is free" in heard


@pytest.mark.parametrize(("said", "need"), [
    ("Lotus Freight, forty brokers, and we lose loads because nobody picks up after six. I want a demo.", "nobody picks up"),
    ("Contractors call for orders at seven in the morning and we're not open yet. That's the problem.", "not open yet"),
    ("We're nine people. Tenants ring about repairs at all hours and it's killing us.", "tenants ring about repairs"),
])
def test_a_problem_told_in_other_words_is_the_need(said, need):
    assert need in extract(said, None, {})["need"]


def test_closing_hours_said_alone_are_no_need():
    assert "need" not in extract("We're closed on Sundays.", None, {})


def test_ninth_blind_set_names_counts_and_consent():
    found = extract("I'm the office manager at Park and Sons Insurance. In Fort Lee.", None, {})
    assert (found["role"], found["company"]) == ("office manager", "Park and Sons Insurance")
    lead = {"first_name": "Rahul", "team_size": 12}
    said = "Oh and actually, sorry, I said twelve, it's fifteen now. We just hired three SDRs last week. Fifteen."
    assert extract(said, "need", lead)["team_size"] == 15
    assert extract("rahul at ledgerlight dot io. Yes, email's fine for follow-up.", "email", {})["consent"] is True
    said = "Our inbound sales line is basically unmanned after six p.m. and we're losing trials. Twelve people in sales."
    assert extract(said, None, {})["need"].startswith("our inbound sales line is basically unmanned after six p.m.")
    lead = {"first_name": "Kwame", "company": "Ridgeway Logistics"}
    said = "Mensah, m-e-n-s-a-h. Oh and sorry, I said Ridgeway, it's Ridgeline. Ridgeline Logistics."
    assert extract(said, "email", lead)["company"] == "Ridgeline Logistics"
    found = extract("Je suis le propriétaire de Construction Boréal, on fait de la rénovation.", None, {}, "fr-FR")
    assert (found["role"], found["company"]) == ("propriétaire", "Construction Boréal")


@pytest.mark.parametrize(("said", "day", "hour", "minute"), [
    ("Plutôt vendredi, à quinze heures trente, heure de Paris ?", "2026-12-11", 9, 30),
    ("Mardi, à une heure et demie de l'après-midi, heure de Montréal.", "2026-12-08", 13, 30),
    ("Thursday at ten? No, wait. Wait. Thursday I have the, uh, the dentist. Friday. Friday at ten in the morning.",
     "2026-12-11", 10, 0),
])
def test_french_minutes_and_a_day_something_is_said_of(said, day, hour, minute):
    from callbot.llm.offline.dates import requested

    wanted = requested(said, datetime(2026, 12, 7, 10, 0), "America/New_York")
    assert (wanted.day.isoformat(), wanted.hour, wanted.minute) == (day, hour, minute)


def test_a_person_to_speak_with_and_what_they_have_is_a_meeting_and_a_declined_email_reads_the_name_back():
    from callbot.llm.offline.intents import classify
    from devtools.conversation import Conversation

    assert classify("Yes, I'd like to speak with someone. What do you have?") == "book"
    assert classify("Can I speak with someone?") == "human"
    call = Conversation(clock=call_time)
    call.say("Hi, Lars Henriksen here, from Fjord Outdoor Gear. I'm the sales manager.")
    heard = call.say("I'll skip the email, thanks.")
    assert "Lars Henriksen" in heard[-1] and heard[-1].endswith("?")
