"""mock/api."""
