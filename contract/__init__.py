"""The contract of the API, neutral ground: the spec and the facts read from it, the rule
catalogue, the limits, the invariant tags and the pure validators.

The mock, the suites, the fixtures and the bench import it; it imports none of them.
"""
