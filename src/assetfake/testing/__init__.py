"""What only tests need: the pytest plugin and Hypothesis strategies."""
