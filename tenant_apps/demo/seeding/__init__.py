"""Demo data for a tenant (`manage.py seed_demo`), by topic:

- `identities`: Polish customers (Faker pl_PL, valid NIPs, mobile numbers in E.164);
- `catalogue`: the products (units, VAT rates, categories; variants for the large size);
- `story` (with `plans` and `moments`): the 90 days planned up front, every order and
  quote status included;
- `setup`: staff, warehouses, the demo's in-app triggers, outside triggers held back;
- `through_services`: the small size, through the services and the event bus;
- `large` (with `bulk`, `bulk_documents`, `bulk_stock`, `bulk_events` and `ledger`): the
  large size, with COPY, its stock ledger balanced;
- `backdate`: moving rows back to their planned moments;
- `marker`: once only, and never into a tenant with data of its own;
- `runner`: `seed_demo()`, all in one transaction.
"""

from .errors import SeedError
from .runner import SIZES, SeedResult, seed_demo

__all__ = ["SIZES", "SeedError", "SeedResult", "seed_demo"]
