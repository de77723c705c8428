"""Enterprise and product identifiers (CONTRACTS §1): USCC (GB 32100-2015) and GTIN (GS1)."""

import json

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from accounts.identifiers import (
    USCC_ALPHABET,
    uscc_check_character,
    uscc_is_valid,
    uscc_normalize,
    validate_uscc,
)
from certification.identifiers import gtin_is_valid, gtin_normalize, validate_gtin
from certification.models import Product
from certification.services import product_create

EXAMPLES = json.loads(
    (settings.SHARED_DIR / "vectors" / "uscc-examples.json").read_text(encoding="utf-8")
)

# --- USCC ---------------------------------------------------------------------------------

SPEC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
SPEC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def spec_check_character(first_seventeen: str) -> str:
    """CONTRACTS §1, written out independently of the code under test."""
    total = sum(
        SPEC_ALPHABET.index(c) * w for c, w in zip(first_seventeen, SPEC_WEIGHTS, strict=True)
    )
    return SPEC_ALPHABET[(31 - total % 31) % 31]


def uscc_error_code(value: str) -> str | None:
    with pytest.raises(ValidationError) as error:
        validate_uscc(value)
    return error.value.code


def test_the_example_file_states_the_same_alphabet_and_weights() -> None:
    assert EXAMPLES["alphabet"] == USCC_ALPHABET == SPEC_ALPHABET
    assert EXAMPLES["weights"] == SPEC_WEIGHTS


@pytest.mark.parametrize("code", EXAMPLES["valid"])
def test_valid_examples_are_accepted(code: str) -> None:
    assert uscc_is_valid(code) is True
    validate_uscc(code)
    assert uscc_check_character(code[:17]) == code[17] == spec_check_character(code[:17])


@pytest.mark.parametrize("code", EXAMPLES["invalid_check_digit"])
def test_examples_with_a_wrong_check_character_are_refused(code: str) -> None:
    assert uscc_is_valid(code) is False
    with pytest.raises(ValidationError) as error:
        validate_uscc(code)
    assert error.value.code == "uscc_check"
    assert error.value.messages == [
        "The check character of this Unified Social Credit Code is wrong."
    ]


@pytest.mark.parametrize("authority", ["A", "N", "Y"])
def test_codes_registered_by_a_lettered_authority_are_valid(authority: str) -> None:
    first_seventeen = f"{authority}1350100M000100Y4"
    code = first_seventeen + spec_check_character(first_seventeen)

    assert uscc_is_valid(code) is True
    validate_uscc(code)


@pytest.mark.parametrize("authority", ["A", "N", "Y"])
def test_lettered_authority_with_a_wrong_check_character_is_refused(authority: str) -> None:
    first_seventeen = f"{authority}1350100M000100Y4"
    right = spec_check_character(first_seventeen)
    wrong = SPEC_ALPHABET[(SPEC_ALPHABET.index(right) + 1) % 31]

    assert uscc_is_valid(first_seventeen + wrong) is False
    assert uscc_error_code(first_seventeen + wrong) == "uscc_check"


@given(st.text(alphabet=SPEC_ALPHABET, min_size=17, max_size=17))
def test_check_character_matches_the_standard_for_any_prefix(first_seventeen: str) -> None:
    assert uscc_check_character(first_seventeen) == spec_check_character(first_seventeen)
    assert uscc_is_valid(first_seventeen + spec_check_character(first_seventeen)) is True


@pytest.mark.parametrize(
    "code",
    ["", "9111000060003734", "91110000600037341", "91110000600037341LL", "911100006000373410000"],
)
def test_wrong_length_is_refused(code: str) -> None:
    assert uscc_is_valid(code) is False
    with pytest.raises(ValidationError) as error:
        validate_uscc(code)
    assert error.value.code == "uscc_length"
    assert error.value.messages == ["A Unified Social Credit Code has 18 characters."]


@pytest.mark.parametrize("character", ["I", "O", "Z", "S", "V"])
def test_characters_outside_the_alphabet_are_refused_and_named(character: str) -> None:
    code = "91110000600037341L"
    for position in (0, 9, 17):
        bad = code[:position] + character + code[position + 1 :]

        assert uscc_is_valid(bad) is False
        with pytest.raises(ValidationError) as error:
            validate_uscc(bad)
        assert error.value.code == "uscc_alphabet"
        assert error.value.messages == [
            f"Characters not allowed in a Unified Social Credit Code: {character}"
        ]


def test_every_disallowed_character_is_named_once_in_order() -> None:
    with pytest.raises(ValidationError) as error:
        validate_uscc("9111000060003734ZI")
    assert error.value.messages == ["Characters not allowed in a Unified Social Credit Code: I Z"]


def test_punctuation_is_outside_the_alphabet() -> None:
    assert uscc_error_code("91110000-600037341") == "uscc_alphabet"


@pytest.mark.parametrize(
    ("given_code", "normal"),
    [
        ("91110000600037341l", "91110000600037341L"),
        ("91350100m000100y43", "91350100M000100Y43"),
        (" 9111 0000 6000 3734 1l ", "91110000600037341L"),
    ],
)
def test_lowercase_and_spaces_are_normalised(given_code: str, normal: str) -> None:
    assert uscc_normalize(given_code) == normal
    assert uscc_is_valid(given_code) is True
    validate_uscc(given_code)


# --- GTIN ---------------------------------------------------------------------------------


def spec_gtin_check_digit(body: str) -> int:
    """GS1 mod-10, weights 3,1,3,1… from the right, written out independently."""
    weighted = 0
    for position, digit in enumerate(reversed(body)):
        weighted += int(digit) * (3 if position % 2 == 0 else 1)
    return -weighted % 10


@pytest.mark.parametrize(
    ("gtin", "normal"),
    [
        ("96385074", "00000096385074"),  # GTIN-8
        ("73513537", "00000073513537"),
        ("036000291452", "00036000291452"),  # GTIN-12 (UPC-A)
        ("614141000036", "00614141000036"),
        ("4006381333931", "04006381333931"),  # GTIN-13
        ("6901234567892", "06901234567892"),  # Chinese GS1 prefix 690
        ("10614141000019", "10614141000019"),  # GTIN-14
        ("00012345600012", "00012345600012"),
    ],
)
def test_valid_gtins_are_normalised_to_fourteen_digits(gtin: str, normal: str) -> None:
    assert spec_gtin_check_digit(gtin[:-1]) == int(gtin[-1])
    assert gtin_is_valid(gtin) is True
    assert gtin_normalize(gtin) == normal
    assert gtin_is_valid(normal) is True
    validate_gtin(gtin)


@pytest.mark.parametrize(
    ("gtin", "normal"),
    [("690 1234 56789 2", "06901234567892"), ("690-1234-56789-2", "06901234567892")],
)
def test_spaces_and_hyphens_are_dropped(gtin: str, normal: str) -> None:
    assert gtin_normalize(gtin) == normal


def gtin_error(value: str) -> ValidationError:
    with pytest.raises(ValidationError) as error:
        gtin_normalize(value)
    return error.value


@pytest.mark.parametrize(
    "gtin",
    ["96385075", "036000291453", "4006381333932", "6901234567890", "10614141000010"],
)
def test_a_wrong_check_digit_is_refused(gtin: str) -> None:
    assert gtin_is_valid(gtin) is False
    error = gtin_error(gtin)
    assert error.code == "gtin_check"
    assert error.messages == ["The GTIN check digit is wrong."]


@pytest.mark.parametrize("position", range(12))
def test_a_thirteen_digit_gtin_with_one_wrong_digit_is_refused(position: int) -> None:
    gtin = "6901234567892"
    digit = str((int(gtin[position]) + 1) % 10)
    changed = gtin[:position] + digit + gtin[position + 1 :]

    assert gtin_is_valid(changed) is False
    assert gtin_error(changed).code == "gtin_check"


@pytest.mark.parametrize(
    "gtin",
    [
        "690123456789X",
        "ABCDEFGH",
        "6901234567892a",
        "",
        "   ",
        "1234567²",  # a superscript: int() refuses it
        "٠٠٠١٢٣٤٥٦٧٨٩٥",  # Arabic-Indic digits: int() reads them, the index would not match
        "６９０１２３４５６７８９２",  # full-width digits
    ],
)
def test_letters_other_digits_or_nothing_are_refused(gtin: str) -> None:
    assert gtin_is_valid(gtin) is False
    error = gtin_error(gtin)
    assert error.code == "gtin_digits"
    assert error.messages == ["A GTIN has digits only (0-9)."]


@pytest.mark.parametrize(
    "gtin",
    ["1234567", "123456789", "1234567890", "12345678901", "123456789012345", "06901234567892000"],
)
def test_wrong_lengths_are_refused_with_the_count(gtin: str) -> None:
    assert gtin_is_valid(gtin) is False
    error = gtin_error(gtin)
    assert error.code == "gtin_length"
    assert error.messages == [f"A GTIN has 8, 12, 13 or 14 digits, not {len(gtin)}."]


# --- identifiers on the models ------------------------------------------------------------


@pytest.mark.django_db
def test_an_organisation_with_a_bad_uscc_does_not_validate(world) -> None:
    organisation = world.other_enterprise
    organisation.uscc = "91110000600037341M"

    with pytest.raises(ValidationError) as error:
        organisation.full_clean()
    assert error.value.message_dict["uscc"] == [
        "The check character of this Unified Social Credit Code is wrong."
    ]


@pytest.mark.django_db
def test_factories_give_every_organisation_a_valid_uscc(world) -> None:
    organisations = [
        world.enterprise,
        world.other_enterprise,
        world.body,
        world.peer_body,
        world.regulator_organisation,
        world.platform,
    ]
    assert all(uscc_is_valid(o.uscc) for o in organisations)
    assert gtin_is_valid(world.product.gtin) is True
    assert world.product.gtin.startswith("0690")


@pytest.mark.django_db
def test_product_create_stores_the_fourteen_digit_form(world) -> None:
    product = product_create(
        actor=world.enterprise_member,
        enterprise=world.enterprise,
        name="Power bank",
        model="PB-20",
        category=world.category,
        manufacturer="Voltia",
        plant_address="Ningde",
        gtin="6901234567892",
    )

    assert Product.objects.get(pk=product.pk).gtin == "06901234567892"


@pytest.mark.django_db
def test_product_create_refuses_a_bad_gtin_and_stores_nothing(world) -> None:
    before = Product.objects.count()

    with pytest.raises(ValidationError) as error:
        product_create(
            actor=world.enterprise_member,
            enterprise=world.enterprise,
            name="Power bank",
            model="PB-20",
            category=world.category,
            manufacturer="Voltia",
            plant_address="Ningde",
            gtin="6901234567890",
        )
    assert error.value.code == "gtin_check"
    assert Product.objects.count() == before
