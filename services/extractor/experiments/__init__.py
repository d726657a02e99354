"""Classification experiments (SPEC §5): how well the topic_classifier names topics people already assigned."""
