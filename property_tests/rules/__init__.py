"""The contract's business rules checked over HTTP, one module per family
(`test_companies.py` for CMP, `test_taxes.py` for TAX, …); each test names its rule id."""
