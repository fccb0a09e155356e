"""Golden responses: the API's answers to a fixed set of requests, recorded from a seeded app
and kept under tests/golden/responses/ so that tests/test_golden.py can show a refactor did not
change a byte of what the API says. Re-record with `python -m tests.golden.record`, and only
for a change of behaviour an issue asks for."""
