"""Who the demo customers are: Polish people and firms made with Faker's pl_PL.

Every value is one the input layer accepts as is: NIPs whose checksum holds, Polish mobile
numbers in E.164, e-mail addresses in the domains reserved for examples (RFC 2606: they
reach nobody), addresses with a postal code and city. The customers' values still go
through `customers.inputs.customer_input`, as the API's do, on both paths.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import phonenumbers
from faker import Faker
from stdnum.pl import nip as nip_number

TAG_WHOLESALE, TAG_RETAIL, TAG_VIP, TAG_REGULAR = "hurt", "detal", "VIP", "stały klient"
TAGS = (TAG_WHOLESALE, TAG_RETAIL, TAG_VIP, TAG_REGULAR)

# Prefixes of Polish mobile numbers (the 9-digit numbers whose first two digits say mobile).
_MOBILE_PREFIXES = ("50", "51", "53", "57", "60", "66", "69", "72", "73", "78", "79", "88")
# Tax-office prefixes that NIPs start with (Warszawa, Kraków, Poznań, Gdańsk, Wrocław...).
_NIP_OFFICES = (
    "521",
    "525",
    "526",
    "527",
    "113",
    "118",
    "676",
    "677",
    "679",
    "778",
    "779",
    "781",
    "583",
    "584",
    "586",
    "894",
    "895",
    "897",
    "954",
    "634",
    "739",
    "851",
)
_NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
_EXAMPLE_DOMAINS = ("example.com", "example.net", "example.org")

_FIRM_KINDS = (
    "Hurtownia Budowlana",
    "Firma Handlowa",
    "Zakład Remontowo-Budowlany",
    "Sklep Wielobranżowy",
    "Przedsiębiorstwo Usługowe",
    "Pracownia Stolarska",
    "Instalatorstwo Sanitarne",
    "Usługi Elektryczne",
    "Dekarstwo",
    "Ogrody i Tarasy",
    "Wykończenia Wnętrz",
    "Skład Opału",
)
_BRAND_HEADS = (
    "Bud",
    "Stal",
    "Drew",
    "Elektro",
    "Term",
    "Hydro",
    "Dach",
    "Kam",
    "Agro",
    "Trans",
    "Mar",
    "Pol",
    "Inter",
    "Eko",
    "Tech",
)
_BRAND_TAILS = ("max", "pol", "ex", "bud", "mix", "tech", "serwis", "met", "lux", "plast", "dom")
_LEGAL_FORMS = (" Sp. z o.o.", " s.c.", " Sp. j.", " Sp. z o.o. Sp. k.", "")
_NOTES = (
    "Faktura zbiorcza na koniec miesiąca.",
    "Dostawy tylko po 15:00.",
    "Płatność przelewem 14 dni.",
    "Odbiór osobisty z magazynu.",
    "Prosi o kontakt telefoniczny przed dostawą.",
    "Rozładunek z HDS-em.",
    "Rabat negocjowany co kwartał.",
    "",
    "",
    "",
    "",
)


@dataclass(frozen=True, slots=True)
class CustomerSpec:
    """One demo customer's raw values, as a form or the API would send them."""

    name: str
    company_name: str
    phone: str
    email: str
    nip: str
    street: str
    postal_code: str
    city: str
    tags: tuple[str, ...]
    notes: str
    # Whether the story lets them order through the portal; not their access (that needs
    # a password sent by SMS: customers/portal_access.py), so not one of `given()`.
    is_portal_active: bool

    def given(self) -> dict[str, Any]:
        """The fields as `customers.inputs.customer_input` takes them."""
        values: dict[str, Any] = {
            "name": self.name,
            "phone": self.phone,
            "email": self.email,
            "address": {
                "street": self.street,
                "postal_code": self.postal_code,
                "city": self.city,
                "country": "PL",
            },
            "tags": list(self.tags),
            "notes": self.notes,
        }
        if self.company_name:
            values["company_name"] = self.company_name
        if self.nip:
            values["nip"] = self.nip
        return values


def valid_nip(rng: random.Random) -> str:
    """Ten digits whose last is the checksum (weights 6 5 7 2 3 4 5 6 7, mod 11, not 10)."""
    while True:
        digits = [int(d) for d in rng.choice(_NIP_OFFICES)] + [rng.randrange(10) for _ in range(6)]
        check = sum(w * d for w, d in zip(_NIP_WEIGHTS, digits, strict=True)) % 11
        if check != 10:
            nip = "".join(map(str, digits)) + str(check)
            assert nip_number.is_valid(nip)
            return nip


def mobile_number(rng: random.Random) -> str:
    """A Polish mobile number in E.164 (+48 and nine digits), valid for libphonenumber."""
    while True:
        raw = (
            "+48" + rng.choice(_MOBILE_PREFIXES) + "".join(str(rng.randrange(10)) for _ in range(7))
        )
        number = phonenumbers.parse(raw)
        if phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        ):
            return raw


def ascii_word(text: str) -> str:
    """`Łukasz Żółć` -> `lukasz-zolc`: e-mail local parts and domains."""
    folded = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    plain = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    return "-".join("".join(c if c.isalnum() else " " for c in plain).split())


class People:
    """Makes customer specs from one seeded RNG (the same slug gives the same people)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.fake = Faker("pl_PL")
        self.fake.seed_instance(rng.getrandbits(32))
        self._phones: set[str] = set()

    def _phone(self) -> str:
        while True:
            phone = mobile_number(self.rng)
            if phone not in self._phones:
                self._phones.add(phone)
                return phone

    def _person(self) -> tuple[str, str]:
        if self.rng.random() < 0.5:
            return self.fake.first_name_female(), self.fake.last_name_female()
        return self.fake.first_name_male(), self.fake.last_name_male()

    def _firm(self, last_name: str, city: str) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.45:
            name = rng.choice(_BRAND_HEADS) + rng.choice(_BRAND_TAILS)
            return name.capitalize() + rng.choice(_LEGAL_FORMS[:4])
        if roll < 0.8:
            return f"{rng.choice(_FIRM_KINDS)} {last_name}" + rng.choice(_LEGAL_FORMS)
        return f"{rng.choice(_FIRM_KINDS)} {city}" + rng.choice(_LEGAL_FORMS[:2])

    def customer(
        self, *, firm: bool | None = None, tags: tuple[str, ...] | None = None
    ) -> CustomerSpec:
        rng = self.rng
        first, last = self._person()
        city = self.fake.city()
        is_firm = rng.random() < 0.65 if firm is None else firm
        company = self._firm(last, city) if is_firm else ""
        domain = rng.choice(_EXAMPLE_DOMAINS)
        if is_firm and rng.random() < 0.5:
            local = rng.choice(("biuro", "zamowienia", "kontakt", ascii_word(first)))
            firm_label = ascii_word(company.split(" Sp.")[0].split(" s.c.")[0])[:30].strip("-")
            domain = f"{firm_label}.{domain}"
        else:
            local = f"{ascii_word(first)}.{ascii_word(last)}"
            if rng.random() < 0.3:
                local += str(rng.randrange(1, 99))
        if tags is None:
            picked = {TAG_WHOLESALE if is_firm and rng.random() < 0.6 else TAG_RETAIL}
            if rng.random() < 0.3:
                picked.add(TAG_REGULAR)
            if rng.random() < 0.08:
                picked.add(TAG_VIP)
            tags = tuple(sorted(picked))
        return CustomerSpec(
            name=f"{first} {last}",
            company_name=company,
            phone=self._phone(),
            email=f"{local}@{domain}",
            nip=valid_nip(rng) if is_firm else "",
            street=self.fake.street_address(),
            postal_code=self.fake.postcode(),
            city=city,
            tags=tags,
            notes=rng.choice(_NOTES),
            is_portal_active=rng.random() < 0.85,
        )

    def customers(self, count: int) -> Iterator[CustomerSpec]:
        for _ in range(count):
            yield self.customer()
