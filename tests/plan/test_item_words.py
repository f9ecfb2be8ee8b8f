"""The phrases that name a section's items inside a sentence (presenters.ITEM_WORDS)
say in English what the specs' nouns and short titles say, for every reader."""

from portal.access import policy
from portal.plan import presenters
from portal.plan.sections import spec_for


def _article(noun: str) -> str:
    return "an" if noun[0] in "aeiou" else "a"


def test_item_words_follow_the_specs_for_every_reader():
    for kind in policy.SECTIONS:
        for reader in (None, *policy.ROLES):
            spec = spec_for(kind, reader)
            words = presenters.item_words(spec)
            if spec.is_list:
                noun = str(spec.item_noun)
                assert str(words.a) == f"{_article(noun)} {noun}", (kind, reader)
                assert str(words.the) == f"the {noun}", (kind, reader)
                assert str(words.that) == f"that {noun}", (kind, reader)
                assert str(words.many) in (f"{noun}s", noun.replace("time ", "times ", 1)), (kind, reader)
            else:
                assert str(words.the) == f"the {str(spec.short_title).lower()}", (kind, reader)


def test_the_family_never_reads_of_an_episode():
    for reader in (policy.CAREGIVER, policy.YOUNG_PERSON):
        words = presenters.item_words(spec_for("episodes", reader))
        for phrase in (words.a, words.the, words.many, words.that):
            assert "episode" not in str(phrase)


def test_a_sentence_starts_with_a_capital():
    assert presenters.sentence("the contact was added.") == "The contact was added."
    assert presenters.sentence("") == ""
