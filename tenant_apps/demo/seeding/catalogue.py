"""What the demo firm sells: a building and hardware wholesaler's catalogue, in Polish.

Forty base articles with their unit (szt., kg, m, opak., m2, l, kpl, h) and VAT rate
(23 % mostly; 8 % garden and construction services, 5 % books and water, 0 % export
transport). The small size takes them as they are; the large one adds variants (size,
colour, pack, brand) to reach thousands of distinct products.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Article:
    code: str
    name: str
    category: str
    unit: str
    price: str
    vat_rate: str
    # Typical quantity on one order line (min, max) and whether it is sold in fractions.
    quantity: tuple[int, int] = (1, 10)
    fractional: bool = False
    variants: tuple[str, ...] = ()


BUILDING, TOOLS, ELECTRIC, PLUMBING, PAINT, GARDEN, WOOD, SERVICES = (
    "Materiały budowlane",
    "Narzędzia",
    "Elektryka",
    "Hydraulika",
    "Farby i chemia",
    "Ogród",
    "Drewno i płyty",
    "Usługi",
)

_SIZES = ("25 kg", "20 kg", "10 kg", "5 kg")
_COLOURS = ("biały", "szary", "antracyt", "beżowy", "grafitowy", "kremowy", "oliwkowy")
_LENGTHS = ("2 m", "2,5 m", "3 m", "4 m", "6 m")
_PACKS = ("100 szt.", "200 szt.", "500 szt.", "1000 szt.")
BRANDS = (
    "Budpol",
    "Stalmet",
    "Polkolor",
    "Elmax",
    "Hydrotech",
    "Ogrodnik",
    "Drewbud",
    "Narzędziownia",
    "Termix",
    "Kamex",
    "Dachpol",
    "Ekobud",
)

ARTICLES: tuple[Article, ...] = (
    Article(
        "BUD-001",
        "Cement portlandzki CEM II 32,5R 25 kg",
        BUILDING,
        "szt",
        "24.90",
        "23",
        (5, 60),
        variants=_SIZES,
    ),
    Article(
        "BUD-002",
        "Zaprawa murarska M5 25 kg",
        BUILDING,
        "szt",
        "14.50",
        "23",
        (5, 40),
        variants=_SIZES,
    ),
    Article("BUD-003", "Bloczek betonowy 38x24x12", BUILDING, "szt", "6.20", "23", (20, 400)),
    Article("BUD-004", "Pustak ceramiczny P+W 25", BUILDING, "szt", "8.90", "23", (20, 300)),
    Article(
        "BUD-005",
        "Styropian fasadowy EPS 040 10 cm",
        BUILDING,
        "m2",
        "21.40",
        "23",
        (10, 200),
        True,
    ),
    Article("BUD-006", "Wełna mineralna 15 cm", BUILDING, "m2", "18.70", "23", (10, 150), True),
    Article(
        "BUD-007",
        "Klej do płytek elastyczny C2TE 25 kg",
        BUILDING,
        "szt",
        "52.00",
        "23",
        (2, 30),
        variants=_SIZES,
    ),
    Article("BUD-008", "Piasek płukany", BUILDING, "kg", "0.18", "23", (200, 3000), True),
    Article(
        "BUD-009", "Pręt zbrojeniowy fi 12", BUILDING, "m", "6.80", "23", (12, 300), True, _LENGTHS
    ),
    Article(
        "NAR-001",
        "Wkręt do drewna 4x40 ocynk",
        TOOLS,
        "op",
        "19.90",
        "23",
        (1, 20),
        variants=_PACKS,
    ),
    Article(
        "NAR-002",
        "Wiertarko-wkrętarka 18 V z 2 akumulatorami",
        TOOLS,
        "szt",
        "499.00",
        "23",
        (1, 3),
    ),
    Article("NAR-003", "Szlifierka kątowa 125 mm 900 W", TOOLS, "szt", "239.00", "23", (1, 3)),
    Article("NAR-004", "Poziomica aluminiowa 80 cm", TOOLS, "szt", "49.90", "23", (1, 5)),
    Article("NAR-005", "Gwoździe budowlane 100 mm", TOOLS, "kg", "11.50", "23", (1, 25), True),
    Article(
        "NAR-006", "Zestaw kluczy płasko-oczkowych 12 el.", TOOLS, "kpl", "129.00", "23", (1, 4)
    ),
    Article(
        "ELE-001", "Przewód YDY 3x2,5 mm² 450/750 V", ELECTRIC, "m", "5.60", "23", (10, 300), True
    ),
    Article("ELE-002", "Przewód YDYp 3x1,5 mm²", ELECTRIC, "m", "3.40", "23", (10, 300), True),
    Article(
        "ELE-003",
        "Gniazdo podwójne z uziemieniem",
        ELECTRIC,
        "szt",
        "18.90",
        "23",
        (1, 40),
        variants=_COLOURS,
    ),
    Article("ELE-004", "Wyłącznik nadprądowy B16 1P", ELECTRIC, "szt", "14.20", "23", (1, 30)),
    Article(
        "ELE-005", "Oprawa LED hermetyczna 120 cm 36 W", ELECTRIC, "szt", "89.00", "23", (1, 20)
    ),
    Article("HYD-001", "Rura PEX-AL-PEX 16x2", PLUMBING, "m", "4.90", "23", (10, 200), True),
    Article("HYD-002", 'Zawór kulowy 1/2" mosiężny', PLUMBING, "szt", "24.50", "23", (1, 20)),
    Article("HYD-003", "Syfon umywalkowy butelkowy", PLUMBING, "szt", "32.00", "23", (1, 10)),
    Article("HYD-004", "Taśma teflonowa 12 m", PLUMBING, "op", "3.90", "23", (1, 30)),
    Article(
        "FAR-001",
        "Farba lateksowa do wnętrz 10 l",
        PAINT,
        "szt",
        "149.00",
        "23",
        (1, 12),
        variants=_COLOURS,
    ),
    Article("FAR-002", "Grunt głęboko penetrujący 5 l", PAINT, "szt", "39.90", "23", (1, 10)),
    Article("FAR-003", "Pianka montażowa 750 ml", PAINT, "szt", "27.50", "23", (1, 24)),
    Article(
        "FAR-004",
        "Silikon sanitarny biały 280 ml",
        PAINT,
        "szt",
        "18.90",
        "23",
        (1, 24),
        variants=_COLOURS,
    ),
    Article("FAR-005", "Rozcieńczalnik uniwersalny", PAINT, "l", "16.00", "23", (1, 20), True),
    Article("OGR-001", "Nasiona trawy uniwersalnej 5 kg", GARDEN, "szt", "119.00", "8", (1, 6)),
    Article("OGR-002", "Nawóz do trawników 10 kg", GARDEN, "szt", "64.00", "8", (1, 8)),
    Article("OGR-003", "Kora sosnowa 80 l", GARDEN, "szt", "21.90", "8", (2, 30)),
    Article("OGR-004", 'Wąż ogrodowy 1/2" 25 m', GARDEN, "szt", "79.00", "23", (1, 5)),
    Article("DRE-001", "Płyta OSB-3 12 mm 2500x1250", WOOD, "szt", "69.00", "23", (2, 60)),
    Article(
        "DRE-002",
        "Łata dachowa 40x60 impregnowana",
        WOOD,
        "m",
        "4.30",
        "23",
        (20, 400),
        True,
        _LENGTHS,
    ),
    Article("DRE-003", "Deska tarasowa modrzew 27x145", WOOD, "m", "28.50", "23", (10, 120), True),
    Article("USL-001", "Transport HDS do 10 km", SERVICES, "kpl", "180.00", "23", (1, 2)),
    Article(
        "USL-002",
        "Montaż stolarki w budynku mieszkalnym",
        SERVICES,
        "h",
        "95.00",
        "8",
        (2, 16),
        True,
    ),
    Article(
        "USL-003",
        "Poradnik budowlany: ściany i stropy (książka)",
        SERVICES,
        "szt",
        "59.00",
        "5",
        (1, 3),
    ),
    Article(
        "USL-004", "Transport międzynarodowy (eksport)", SERVICES, "kpl", "1450.00", "0", (1, 1)
    ),
)

_DESCRIPTIONS = {
    BUILDING: "Materiał zgodny z normą PN-EN, na paletach.",
    TOOLS: "Gwarancja producenta 24 miesiące.",
    ELECTRIC: "Spełnia wymagania PN-HD 60364.",
    PLUMBING: "Do instalacji wody zimnej i ciepłej.",
    PAINT: "Karta charakterystyki dostępna na życzenie.",
    GARDEN: "Produkt sezonowy.",
    WOOD: "Drewno suszone komorowo.",
    SERVICES: "",
}


@dataclass(frozen=True, slots=True)
class ProductSpec:
    """One demo product's raw values, as the API would send them, and how it sells."""

    code: str
    name: str
    category: str
    unit: str
    price: Decimal
    vat_rate: str
    description: str
    quantity: tuple[int, int]
    fractional: bool
    # Relative demand (a few articles sell much more than the rest).
    popularity: float

    def given(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "category": self.category,
            "unit": self.unit,
            "price": str(self.price),
            "vat_rate": self.vat_rate,
            "description": self.description,
        }

    @property
    def stocked(self) -> bool:
        """Services (hours, transport) are not kept in a warehouse."""
        return self.category != SERVICES


def _price(base: Decimal, factor: float) -> Decimal:
    value = (base * Decimal(str(round(factor, 3)))).quantize(CENT, rounding=ROUND_HALF_UP)
    if value >= 10:
        value = value.quantize(Decimal("1")) - Decimal("0.01")  # 19.99 rather than 20.13
    return max(value, CENT)


def products(count: int, rng: random.Random) -> Iterator[ProductSpec]:
    """`count` products: the base articles first, then variants of them (large size)."""
    for index in range(count):
        article = ARTICLES[index % len(ARTICLES)]
        round_no = index // len(ARTICLES)
        popularity = rng.paretovariate(1.6)
        base = Decimal(article.price)
        if round_no == 0:
            yield ProductSpec(
                code=article.code,
                name=article.name,
                category=article.category,
                unit=article.unit,
                price=base,
                vat_rate=article.vat_rate,
                description=_DESCRIPTIONS[article.category],
                quantity=article.quantity,
                fractional=article.fractional,
                popularity=popularity,
            )
            continue
        brand = BRANDS[round_no % len(BRANDS)]
        variant = article.variants[round_no % len(article.variants)] if article.variants else ""
        model = f"{chr(ord('A') + round_no % 26)}{round_no}"
        name = f"{article.name} {brand} {model}" + (f", {variant}" if variant else "")
        yield ProductSpec(
            code=f"{article.code}-{round_no:03d}",
            name=name[:255],
            category=article.category,
            unit=article.unit,
            price=_price(base, rng.uniform(0.7, 1.6)),
            vat_rate=article.vat_rate,
            description=_DESCRIPTIONS[article.category],
            quantity=article.quantity,
            fractional=article.fractional,
            popularity=popularity,
        )


def line_quantity(product: ProductSpec, rng: random.Random) -> Decimal:
    """A plausible quantity for one line of `product` (kg, m and hours in fractions)."""
    low, high = product.quantity
    value = rng.triangular(low, high, low + (high - low) * 0.2)
    if product.fractional:
        return Decimal(str(round(value * 2) / 2 or 0.5)).quantize(Decimal("0.001"))
    return Decimal(max(1, round(value))).quantize(Decimal("0.001"))
