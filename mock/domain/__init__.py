"""mock/domain."""
