"""Benchmarks: figures printed as tables and written as JSON to `bench/results/` (not versioned).

    python -m bench.endpointing        # endpointing delay and premature splits per VAD and threshold
    python -m bench.relay_capacity     # N concurrent real-time calls into one relay process

See bench/README.md for what each figure means.
"""
