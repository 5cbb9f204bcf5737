"""Canary secrets: known fake values the test suite loads and then hunts for.

Tests point configs at these environment variables (e.g. `env:BOTGUARD_CANARY_SECRET`);
the suite's canary guard fails any test whose output, logs or files contain a value,
raw or encoded. Bot authors can use the same guard in their own suites.
"""

from __future__ import annotations

CANARIES: dict[str, str] = {
    "BOTGUARD_CANARY_API_KEY": "cnryKEYq7Zt3Vb9Xw2Lm5Np8Rs4Ty6Uv1Oa0Ic3Ed7Gh9Jk2Fl5",
    "BOTGUARD_CANARY_SECRET": "cnrySECj4Hk8Lm2Nq6Rs9Tv3Wx7Yz1Ab5Cd0Ef4Gh8Ij2Kl6Mn",
    "BOTGUARD_CANARY_PASSWORD": "cnryPASSw0rdX9y8Z7",
}
"""Environment variable name -> canary value."""
