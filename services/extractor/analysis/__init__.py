"""Analysis runs (SPEC §4): messages in a window → prefilter → conversation batches → task proposals."""
