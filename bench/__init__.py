"""The benchmark suite: one command (`python -m bench`) seeds a fresh PostgreSQL database, starts
gunicorn with production settings and runs each scenario against its ceiling. See
docs/performance.md ("Benchmarks")."""
