"""Noise filtering read side: statistics and the score distribution over the `messages` read model."""
