"""A large synthetic organisation for benchmarks: ``manage.py scale_data`` builds it.

Everything is derived from a seed, so two runs with the same seed and the same ``--until`` date
make the same staff, references, identifiers, plaintexts and audit events. Only the secrets are
random (``os.urandom``): each client's data key and key share, and every AES-GCM nonce, so the
ciphertexts differ between runs while everything they decrypt to is the same.
"""
