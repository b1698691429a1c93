"""The keyword index: rare words first, word forms and accents joined, one language at a time."""

from __future__ import annotations

from callbot.knowledge.keyword_index import KeywordIndex, keyword_terms

CHUNKS = [
    ("pricing#0", "en", "Pricing. The Team plan costs 49 dollars per user per month."),
    ("integrations#0", "en", "Integrations. Works with Salesforce, HubSpot and Geotab GO9 trackers."),
    ("security#0", "en", "Security. Data is hosted in Belgium and encrypted."),
    ("tarifs#0", "fr", "Tarifs. L'offre Team coûte 45 euros par utilisateur. Intégrations incluses."),
    ("securite#0", "fr", "Sécurité. Les données sont hébergées en Belgique."),
]


def test_a_rare_name_puts_its_chunk_first():
    hits = KeywordIndex(CHUNKS).search("Do you support Geotab devices?", "en", 3)
    assert [h.key for h in hits] == ["integrations#0"] and hits[0].score > 0


def test_coverage_weighs_the_questions_terms_by_their_rarity():
    index = KeywordIndex(CHUNKS)
    assert index.search("Geotab trackers", "en", 1)[0].coverage == 1.0
    # "SAP" is in no chunk: it weighs as much as the rarest term, and the chunk holds only "integrations"
    sap = index.search("Do you have integrations with SAP?", "en", 1)[0]
    assert sap.key == "integrations#0" and sap.coverage < 0.5
    hosted = index.search("Is data hosted in Belgium?", "en", 1)[0]
    assert hosted.key == "security#0" and hosted.coverage == 1.0


def test_numbers_are_terms():
    assert KeywordIndex(CHUNKS).search("Is it 49 a month?", "en", 3)[0].key == "pricing#0"
    assert "49.90" in keyword_terms("It costs 49.90 dollars", "en")


def test_word_forms_and_accents_meet():
    index = KeywordIndex(CHUNKS)
    assert index.search("securite des donnees", "fr", 3)[0].key == "securite#0"
    assert index.search("Est-ce que les intégrations sont comprises ?", "fr", 3)[0].key == "tarifs#0"
    assert keyword_terms("integrations", "en") == keyword_terms("integration", "en")


def test_a_language_searches_its_own_chunks_only():
    index = KeywordIndex(CHUNKS)
    assert {h.key for h in index.search("Team", "fr", 5)} == {"tarifs#0"}
    assert index.search("Team", "de", 5) == []
    assert len(index) == len(CHUNKS)


def test_stop_words_and_unknown_words_find_nothing():
    index = KeywordIndex(CHUNKS)
    assert index.search("what is the", "en", 3) == []
    assert index.search("blockchain", "en", 3) == []
    assert index.search("Geotab", "en", 0) == []


def test_reciprocal_rank_fusion_puts_first_what_both_rankings_rank_high():
    from callbot.knowledge.hybrid import reciprocal_rank_fusion

    vector, keyword = ["pricing", "plans", "security"], ["integrations", "pricing"]
    assert reciprocal_rank_fusion([vector, keyword]) == ["pricing", "integrations", "plans", "security"]
    assert reciprocal_rank_fusion([vector, []]) == vector
    assert reciprocal_rank_fusion([[], []]) == []


def test_a_callers_word_for_a_thing_finds_the_pages_word():
    chunks = [*CHUNKS, ("seats#0", "en", "Fees. There are no setup fees and no long-term contract."),
              ("retention#0", "en", "Retention. Call recordings are kept for 30 days by default."),
              ("annual#0", "en", "Annual billing saves 15 percent against paying month to month."),
              ("sla#0", "en", "The assistant is available 99.9 percent of each calendar month.")]
    index = KeywordIndex(chunks)
    assert index.search("Is it charged by the seat?", "en", 1)[0].key == "pricing#0"  # "per user"
    assert index.search("How long do you retain recordings?", "en", 1)[0].key == "retention#0"  # "kept"
    assert index.search("Is there any reduction for paying up front?", "en", 1)[0].key == "annual#0"  # "saves"
    assert keyword_terms("licences", "en") == keyword_terms("seats", "en") == keyword_terms("users", "en")
    assert index.search("What uptime do you commit to?", "en", 1)[0].key == "sla#0"  # "available"
    assert keyword_terms("guarantee", "en") == keyword_terms("commitment", "en") == keyword_terms("SLA", "en")
    assert keyword_terms("pen test", "en") == keyword_terms("penetration test", "en")
    assert keyword_terms("pentests", "en") == keyword_terms("penetration", "en")


def test_a_name_no_chunk_holds_is_unknown_and_an_acronym_of_a_heading_is_known():
    index = KeywordIndex([*CHUNKS, ("sla#0", "en", "Service level agreement. Available 99.9 percent of the month.",
                                    "Service level agreement > Availability")])
    assert index.unknown_names("Are you FedRAMP authorised?", "en") == ["FedRAMP"]
    assert index.unknown_names("Does it work with Pipedrive?", "en") == ["Pipedrive"]
    assert index.unknown_names("Does it work with HubSpot?", "en") == []
    assert index.unknown_names("Is there a 99.9 percent SLA?", "en") == []  # Service Level Agreement
    assert index.unknown_names("Can we meet in October? Does it speak Italian?", "en") == []  # a month, a language


def test_a_thing_asked_for_that_no_chunk_says_a_word_of_is_unknown():
    index = KeywordIndex(CHUNKS)
    assert index.unknown_things("Is there a mobile app, so I can check the calls from my phone?", "en") == ["mobile app"]
    assert index.unknown_things("Y a-t-il une application mobile ?", "fr") == ["application mobile"]
    assert index.unknown_things("Is there a Team plan for small shops?", "en") == []  # a word of it is held
    assert index.unknown_things("Do you have a per user price?", "en") == []
    assert index.unknown_things("Can I check the calls from my phone?", "en") == []  # asks for no thing


def test_the_united_states_and_the_eu_are_found_however_they_are_said():
    assert keyword_terms("Can our data stay in the United States?", "en")[-1] == "usa"
    assert keyword_terms("Data is stored in the EU or US region", "en")[-3:] == ["europ", "usa", "region"]
    assert "usa" not in keyword_terms("Can you call us back?", "en")  # ("us" the pronoun is not the country)
    assert keyword_terms("Can we get a local UK number?", "en")[2] == keyword_terms(
        "numbers in the United Kingdom", "en")[-1] == keyword_terms("des numéros au Royaume-Uni", "fr")[-1] == "uk"


def test_german_nouns_are_not_names():
    index = KeywordIndex(CHUNKS)
    assert index.unknown_names("Wie viel kostet es pro Benutzer?", "en", asked_in="de") == []
    assert index.unknown_names("Funktioniert es mit HubSpot und ServiceTitan?", "en", asked_in="de") == ["ServiceTitan"]
