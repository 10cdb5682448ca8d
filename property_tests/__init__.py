"""property_tests."""
