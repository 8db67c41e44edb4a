"""The proof harness (python3 dev.py proof): see proof/run.py and docs/proof.md."""
